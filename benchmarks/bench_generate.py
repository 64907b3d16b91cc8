#!/usr/bin/env python
"""Benchmark miscaling.sample.generate: batched vs one sequence at a time, cached vs recomputed.

    python benchmarks/bench_generate.py            # 2,000 binary sequences of length 512
    python benchmarks/bench_generate.py --quick    # 200 sequences of length 128 (smoke run)

For each architecture (depth 1, the paper's binary settings: embedding 2 for RNNs, 4 heads for
the Transformer) and width it times

* ``batched``     generate(n_sequences, batch_size=500): all sequences of a batch advance together;
* ``one at a time`` generate(batch_size=1) on ``--sequential`` sequences, scaled per sequence;
* ``recomputed``  (Transformer) generate(use_cache=False) on ``--recomputed`` sequences in one
                  batch — the full prefix is fed again at every step — against the KV-cached
                  run on the same sequences.

One torch thread by default: per-step kernels this small gain nothing from a second thread and
stall on its barriers when the cores are busy. The models are untrained: the cost of sampling
does not depend on the weights. All timings come from one process (best of ``--repeats``), so
the printed ratios compare like with like.
"""

from __future__ import annotations

import argparse
import time

import torch

from miscaling.models import build_model
from miscaling.sample import generate

ARCHS = ("rnn", "lstm", "transformer")


def make_model(arch: str, width: int):
    torch.manual_seed(0)
    if arch == "transformer":
        return build_model(arch, 2, width, 1, heads=4, max_len=512)
    return build_model(arch, 2, width, 1, embedding_dim=2)


def sequences_per_second(model, n_sequences: int, length: int, repeats: int, **kwargs) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        generate(model, n_sequences, length, seed=0, **kwargs)
        best = min(best, time.perf_counter() - start)
    return n_sequences / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archs", nargs="+", choices=ARCHS, default=list(ARCHS))
    parser.add_argument("--widths", type=int, nargs="+", default=[8, 16, 64])
    parser.add_argument("--n-sequences", type=int, default=2000)
    parser.add_argument("--length", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--sequential", type=int, default=10,
                        help="sequences generated one at a time (scaled per sequence)")
    parser.add_argument("--recomputed", type=int, default=50,
                        help="sequences generated without the KV cache (one batch)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--device", default=None, help="default: CUDA when available, else CPU")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (1: small per-step kernels are barrier-bound)")
    parser.add_argument("--quick", action="store_true", help="200 sequences of length 128")
    args = parser.parse_args()
    if args.quick:
        args.n_sequences, args.length, args.sequential, args.recomputed = 200, 128, 5, 20

    torch.set_num_threads(args.threads)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    print(f"{args.n_sequences} sequences x {args.length} symbols, batch {args.batch_size}, "
          f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"best of {args.repeats}")
    header = (f"{'arch':<12}{'width':>6}{'batched seq/s':>15}{'1-at-a-time':>13}{'ratio':>8}"
              f"{'cached seq/s':>14}{'recomputed':>12}{'ratio':>8}")
    print(header)
    print("-" * len(header))
    for arch in args.archs:
        for width in args.widths:
            model = make_model(arch, width)
            generate(model, 2, 8, device=device)  # warm-up: allocator, kernels
            batched = sequences_per_second(model, args.n_sequences, args.length, args.repeats,
                                           batch_size=args.batch_size, device=device)
            single = sequences_per_second(model, args.sequential, args.length, args.repeats,
                                          batch_size=1, device=device)
            line = f"{arch:<12}{width:>6}{batched:>15.1f}{single:>13.2f}{batched / single:>7.0f}x"
            if arch == "transformer":
                same_batch = {"batch_size": args.recomputed, "device": device}
                cached = sequences_per_second(model, args.recomputed, args.length, args.repeats,
                                              **same_batch)
                recomputed = sequences_per_second(model, args.recomputed, args.length,
                                                  args.repeats, use_cache=False, **same_batch)
                line += f"{cached:>14.1f}{recomputed:>12.2f}{cached / recomputed:>7.1f}x"
            print(line, flush=True)


if __name__ == "__main__":
    main()
