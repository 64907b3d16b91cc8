#!/usr/bin/env python
"""Drawing the next symbol: torch.multinomial against the inverse cumulative distribution.

    python benchmarks/bench_draw.py              # vocabularies 2, 283, 4096, 33278; word models
    python benchmarks/bench_draw.py --quick      # fewer repeats and steps (smoke run)

torch.multinomial draws one sample per row by the Gumbel trick: one exponential variate per
symbol, so a 33,278-word softmax costs 33,278 random numbers per row and step.  The sampler
(:func:`miscaling.sample._draw`) inverts the cumulative distribution instead from
``INVERSE_CDF_VOCAB`` symbols on: one uniform per row, a float64 cumulative sum and a search.
Two tables, one CPU thread, best of ``--repeats`` after a warm-up, ratios against multinomial:

* ``draw``    one draw of ``--rows`` rows (the pipeline's 20 sample streams) from random logits
              of each vocabulary size;
* ``sample``  :func:`miscaling.sample.generate` of a word-level LSTM and Transformer (width 64,
              the default run's) for ``--steps`` steps of 20 streams, with either draw.
"""

from __future__ import annotations

import argparse
import time
from unittest import mock

import torch
from miscaling import sample as sample_module
from miscaling.models import ModelConfig, build_model


def best_ms(run, repeats: int) -> float:
    run()  # warm-up, not timed
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return 1e3 * min(times)


def inverse_cdf_from(vocab):
    """The sampler's threshold set to ``vocab`` (inf: torch.multinomial at every size)."""
    return mock.patch.object(sample_module, "INVERSE_CDF_VOCAB", vocab)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vocabularies", type=int, nargs="+", default=[2, 283, 4096, 33278])
    parser.add_argument("--rows", type=int, default=20)
    parser.add_argument("--steps", type=int, default=200, help="sampling steps per stream")
    parser.add_argument("--word-vocabulary", type=int, default=33278)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="3 repeats, 20 steps")
    args = parser.parse_args()
    if args.quick:
        args.repeats, args.steps = 3, 20
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, 1 thread; {args.rows} rows; best of {args.repeats}; "
          f"inverse CDF from {sample_module.INVERSE_CDF_VOCAB} symbols on")
    print(f"{'draw':<8}{'vocab':>7}{'multinomial ms':>16}{'inverse CDF ms':>16}{'ratio':>8}")
    for vocab in args.vocabularies:
        logits = 3 * torch.randn(args.rows, vocab, generator=torch.Generator().manual_seed(0))
        generator = torch.Generator().manual_seed(1)
        multinomial = best_ms(lambda: torch.multinomial(  # noqa: B023 (timed here)
            torch.softmax(logits, -1), 1, generator=generator), args.repeats)
        with inverse_cdf_from(1):  # below the threshold too, to compare
            inverse = best_ms(lambda: sample_module._draw(  # noqa: B023
                logits, 1.0, generator), args.repeats)
        print(f"{'draw':<8}{vocab:>7}{multinomial:>16.3f}{inverse:>16.3f}"
              f"{multinomial / inverse:>7.2f}x")
    print(f"\n{'sample':<12}{'vocab':>7}{'multinomial tok/s':>19}{'inverse CDF tok/s':>19}"
          f"{'ratio':>8}")
    for arch, options in (("lstm", {}), ("transformer", {"heads": 4})):
        torch.manual_seed(0)
        model = build_model(ModelConfig(arch, args.word_vocabulary, 64, 1, **options))

        def run():
            sample_module.generate(model, args.rows, args.steps, batch_size=args.rows, seed=0,
                                   device="cpu")

        with inverse_cdf_from(float("inf")):
            before = best_ms(run, max(1, args.repeats // 10))
        after = best_ms(run, max(1, args.repeats // 10))
        symbols = args.rows * args.steps
        print(f"{arch:<12}{args.word_vocabulary:>7}{symbols / before * 1e3:>19,.0f}"
              f"{symbols / after * 1e3:>19,.0f}{before / after:>7.2f}x")


if __name__ == "__main__":
    main()
