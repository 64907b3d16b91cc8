#!/usr/bin/env python
"""Paper-scale training throughput of one language model per family, fp32 against bf16.

    python benchmarks/bench_text_scale.py --mirror ../shared/data --steps 40   # on a GPU
    python benchmarks/bench_text_scale.py --mirror ../shared/data --tiny      # smoke run on CPU

For each family -- character LSTM, word LSTM, character Transformer, word Transformer -- one
model of the paper's sizes trains through :func:`miscaling.train.train` with the paper's recipe
(:func:`miscaling.recipes.paper_config` and ``paper_model_options``: stateful BPTT for the LSTMs,
shuffled context windows for the Transformers) on the first ``steps`` batches' worth of
WikiText-2, once in fp32 and once with ``mixed_precision`` (bf16 autocast; CUDA only), in the
same process.  It prints the training tokens/s of each (from the run's log, validation
excluded), the bf16/fp32 ratio, and the time of one full WikiText-2 epoch at that rate (10.8 M
characters, 2.09 M words), which is what ``workflow/miscaling/plan/resources.py`` needs to size the
paper preset's GPU jobs.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import torch
from miscaling.checkpoint import read_log
from miscaling.data.prepare import encode_corpus
from miscaling.models import ModelConfig
from miscaling.recipes import paper_config, paper_model_options
from miscaling.train import train

#: (family, level, arch, width, depth): the largest or depth-sweep models of Figs 2, 3, 8, 10
PAPER_MODELS = (
    ("char LSTM", "char", "lstm", 1024, 1),
    ("word LSTM", "word", "lstm", 512, 2),
    ("char Transformer", "char", "transformer", 512, 3),
    ("word Transformer", "word", "transformer", 512, 3),
)
TINY_MODELS = tuple((name, level, arch, 16, 1) for name, level, arch, _, _ in PAPER_MODELS)
EPOCH_SYMBOLS = {"char": 10_837_000, "word": 2_088_628}  # WikiText-2 train at each level


def corpus(mirror: Path, level: str, out: Path) -> tuple[np.ndarray, np.ndarray, int]:
    files = {split: mirror / "wikitext-2" / f"wiki.{split}.tokens.gz"
             for split in ("train", "valid", "test")}
    summary = encode_corpus(files, level, out / level)
    load = lambda split: np.load(out / level / f"{split}.npy").astype(np.int64)  # noqa: E731
    return load("train"), load("valid"), summary["vocab_size"]


def rate(level: str, arch: str, width: int, depth: int, data, steps: int, mixed: bool,
         device: str) -> float:
    train_ids, valid_ids, vocab = data
    config = paper_config(arch, level, max_epochs=1, device=device, mixed_precision=mixed)
    symbols = steps * config.batch_size * config.bptt + 1
    model = ModelConfig(arch, vocab, width, depth, max_len=config.bptt,
                        **paper_model_options(arch, level))
    valid = valid_ids[: config.batch_size * config.bptt * 2 + 1]
    with tempfile.TemporaryDirectory() as out:
        train(model, train_ids[:symbols], valid, config, out)
        return read_log(Path(out) / "log.csv")[-1]["tokens_per_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, required=True, help="folder with wikitext-2/")
    parser.add_argument("--steps", type=int, default=40, help="optimizer steps per timing")
    parser.add_argument("--tiny", action="store_true", help="width-16 models (CPU smoke run)")
    parser.add_argument("--out", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    name = torch.cuda.get_device_name(0) if device == "cuda" else "CPU"
    print(f"device: {name}, torch {torch.__version__}, {args.steps} steps per timing")
    with tempfile.TemporaryDirectory() as tmp:
        data = {level: corpus(args.mirror, level, Path(tmp)) for level in ("char", "word")}
        rows = []
        for family, level, arch, width, depth in TINY_MODELS if args.tiny else PAPER_MODELS:
            rate(level, arch, width, depth, data[level], 2, False, device)  # warm-up
            fp32 = rate(level, arch, width, depth, data[level], args.steps, False, device)
            bf16 = (rate(level, arch, width, depth, data[level], args.steps, True, device)
                    if device == "cuda" else float("nan"))
            best = np.nanmax([fp32, bf16])
            rows.append({"family": family, "width": width, "depth": depth, "device": name,
                         "fp32_tok_s": fp32, "bf16_tok_s": bf16,
                         "epoch_s": EPOCH_SYMBOLS[level] / best})
            print(f"{family:17s} {width:5d} x {depth}: fp32 {fp32:12,.0f} tok/s | bf16 "
                  f"{bf16:12,.0f} tok/s | bf16/fp32 {bf16 / fp32:5.2f}x | one WikiText-2 epoch "
                  f"{EPOCH_SYMBOLS[level] / best:7.1f} s", flush=True)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
