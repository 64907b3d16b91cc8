#!/usr/bin/env python
"""Benchmark the language models' sampling: parallel streams / batched sequences vs one at a time.

    python benchmarks/bench_sample_streams.py            # 200,000 characters per model
    python benchmarks/bench_sample_streams.py --quick    # 4,000 characters, context 64 (smoke run)

The models are character-level, as the text workflow builds them (vocabulary 283, WikiText-2's
characters; :func:`miscaling.recipes.paper_model_options` for ``char``: LSTM embedding 200 with
the orthogonal initializer, Transformer 8 heads), depth 1 and untrained: the cost of sampling
does not depend on the weights. Every timing calls :func:`miscaling.sample.generate`, the
function ``miscaling sample`` (the rule ``sample_text_model``) runs, on one torch thread as
that rule does, and compares two ways of drawing the same number of characters:

* LSTM (``--widths``), ``batched``: the pipeline's way (workflow/rules/text_models.smk,
  ``text_sample_shape``): ``--streams`` parallel streams from the zero state, each of
  ceil(chars / streams) characters, i.e. ``generate(model, streams, length)`` in one batch;
  ``1-at-a-time``: one stream advanced one step at a time (batch 1), the alternative the streams
  replace, timed on its first ``--single-chars`` characters and scaled per character (an LSTM
  step costs the same at every position).
* Transformer (width ``--transformer-width``), ``batched``: the pipeline's independent
  sequences of context + 1 characters (513; a Transformer cannot sample further), ceil(chars /
  513) of them in batches of ``--batch-size``; ``1-at-a-time``: ``--sequential`` such sequences
  generated with batch size 1, scaled per character.

Rates are characters per second; each ratio divides the batched rate by the one-at-a-time rate,
both measured in this process (best of ``--repeats``), so it compares like with like. The
``2M`` columns convert each rate into the time of one model's samples in the pipeline
(config.yaml ``text_models.char.sample_symbols``: 2,000,000 characters). The first symbol is
drawn uniformly here (the pipeline draws it from the training text's unigram frequencies: one
draw per sequence either way).
"""

from __future__ import annotations

import argparse
import math

import torch
from bench_generate import sequences_per_second
from miscaling.cli.common import positive_int
from miscaling.device import resolve_device
from miscaling.models import ModelConfig, build_model
from miscaling.recipes import paper_model_options
from miscaling.sample import generate

ARCHS = ("lstm", "transformer")
CHAR_VOCAB = 283  # WikiText-2's distinct characters
PIPELINE_CHARS = 2_000_000  # config.yaml text_models.char.sample_symbols


def make_char_model(arch: str, width: int, context: int):
    torch.manual_seed(0)
    return build_model(ModelConfig(arch, CHAR_VOCAB, width, 1, max_len=context,
                                   **paper_model_options(arch, "char")))


def chars_per_second(model, n_sequences: int, length: int, repeats: int, **kwargs) -> float:
    """Characters per second of ``generate(model, n_sequences, length, **kwargs)``, 1 thread."""
    return sequences_per_second(model, n_sequences, length, repeats, **kwargs) * length


def compare(model, batched_shape: tuple[int, int], single_shape: tuple[int, int],
            batch_size: int, repeats: int, device) -> tuple[float, float]:
    """(one-at-a-time, batched) characters/s for (sequences, length) shapes."""
    generate(model, 2, 8, device=device)  # warm-up: allocator, kernels
    single = chars_per_second(model, *single_shape, repeats, batch_size=1, device=device)
    batched = chars_per_second(model, *batched_shape, repeats, batch_size=batch_size,
                               device=device)
    return single, batched


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", nargs="+", choices=ARCHS, default=list(ARCHS))
    parser.add_argument("--widths", type=positive_int, nargs="+", default=[128, 512],
                        help="LSTM widths")
    parser.add_argument("--transformer-width", type=positive_int, default=128)
    parser.add_argument("--context", type=positive_int, default=512,
                        help="Transformer context (its samples have context + 1 characters)")
    parser.add_argument("--chars", type=positive_int, default=200_000,
                        help="characters sampled the batched way, per model")
    parser.add_argument("--streams", type=positive_int, default=20,
                        help="parallel LSTM streams (config.yaml sample_streams)")
    parser.add_argument("--single-chars", type=positive_int, default=5_000,
                        help="characters of the one LSTM stream timed one step at a time")
    parser.add_argument("--sequential", type=positive_int, default=4,
                        help="Transformer sequences generated one at a time")
    parser.add_argument("--batch-size", type=positive_int, default=500,
                        help="generate's batch size (`miscaling sample --batch-size` default)")
    parser.add_argument("--repeats", type=positive_int, default=2)
    parser.add_argument("--device", default=None, help="default: CUDA when available, else CPU")
    parser.add_argument("--quick", action="store_true",
                        help="4,000 characters, 400 one at a time, Transformer context 64")
    args = parser.parse_args()
    if args.quick:
        args.chars, args.single_chars, args.context, args.sequential = 4_000, 400, 64, 2
    if args.streams > args.chars:
        parser.error(f"--streams {args.streams} must not exceed --chars {args.chars} "
                     "(each stream needs at least one character)")
    if args.single_chars < 2:
        parser.error(f"--single-chars must be at least 2 (one sampled step), "
                     f"got {args.single_chars}")
    return args


def main() -> None:
    args = parse_args()
    device = resolve_device(args.device)
    stream_length = math.ceil(args.chars / args.streams)
    sequence_length = args.context + 1
    n_sequences = math.ceil(args.chars / sequence_length)
    shapes = {  # arch: (batched (sequences, length), one at a time (sequences, length))
        "lstm": ((args.streams, stream_length), (1, args.single_chars)),
        "transformer": ((n_sequences, sequence_length), (args.sequential, sequence_length)),
    }
    print(f"character models (vocab {CHAR_VOCAB}, depth 1), device {device}, "
          f"torch {torch.__version__}, 1 torch thread, best of {args.repeats}")
    print(f"lstm: {args.streams} streams x {stream_length:,} from the zero state vs one stream "
          f"one step at a time ({args.single_chars:,} characters timed)")
    print(f"transformer: {n_sequences:,} x {sequence_length} (batch {args.batch_size}) vs "
          f"{args.sequential} x {sequence_length} one at a time")
    print(f"rates in characters/s; 2M: seconds for {PIPELINE_CHARS:,} characters at that rate")
    header = (f"{'model':<12}{'width':>6}{'1-at-a-time':>13}{'batched':>11}{'ratio':>8}"
              f"{'2M 1-at-a-time':>16}{'2M batched':>12}")
    print(header)
    print("-" * len(header))
    for arch in args.archs:
        widths = args.widths if arch == "lstm" else [args.transformer_width]
        batched_shape, single_shape = shapes[arch]
        for width in widths:
            model = make_char_model(arch, width, args.context)
            single, batched = compare(model, batched_shape, single_shape, args.batch_size,
                                      args.repeats, device)
            print(f"{arch:<12}{width:>6}{single:>13,.0f}{batched:>11,.0f}"
                  f"{batched / single:>7.1f}x{PIPELINE_CHARS / single:>16,.0f}"
                  f"{PIPELINE_CHARS / batched:>12,.0f}", flush=True)


if __name__ == "__main__":
    main()
