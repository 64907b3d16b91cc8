#!/usr/bin/env python
"""Benchmark miscaling.sample.generate: batched vs one sequence at a time, cached vs recomputed.

    python benchmarks/bench_generate.py            # 2,000 binary sequences of length 512
    python benchmarks/bench_generate.py --quick    # 200 sequences of length 128 (smoke run)

For each architecture (depth 1, the paper's binary settings: embedding 2 for RNNs, 4 heads for
the Transformer) and width it times

* ``one at a time`` generate(batch_size=1) on ``--sequential`` sequences, scaled per sequence,
                  on one torch thread (its fastest: a second thread only adds barrier stalls to
                  kernels this small);
* ``batched``     generate(n_sequences, batch_size=500), all sequences of a batch advancing
                  together, on one thread and on ``--max-threads`` threads (default: every core);
                  each ratio divides by the one-at-a-time rate;
* ``recomputed``  (Transformer) generate(use_cache=False) on ``--recomputed`` sequences in one
                  batch — the full prefix is fed again at every step — against the KV-cached
                  run on the same sequences (one thread).

Transformer ceiling. A cached step of a batch reads every sequence's keys and values, so one
sequence of length L costs at least 4 · width · depth · L(L-1) bytes of reads (float32) however
fast the kernels are. ``KV bound`` divides the machine's streaming read bandwidth (a sum over
a 512 MB tensor on ``--max-threads`` threads, measured here) by that, and the ratio next to it
compares it with the one-at-a-time rate: no batched sampler on this machine can beat it.

The models are untrained: the cost of sampling does not depend on the weights. All timings come
from one process (best of ``--repeats``), so the printed ratios compare like with like.
"""

from __future__ import annotations

import argparse
import os
import time
from contextlib import contextmanager

import torch
from miscaling.device import resolve_device
from miscaling.models import ModelConfig, build_model
from miscaling.sample import generate

ARCHS = ("rnn", "lstm", "transformer")
FLOAT32_BYTES = 4


def make_model(arch: str, width: int):
    torch.manual_seed(0)
    if arch == "transformer":
        return build_model(ModelConfig(arch, 2, width, 1, heads=4, max_len=512))
    return build_model(ModelConfig(arch, 2, width, 1, embedding_dim=2))


@contextmanager
def torch_threads(threads: int):
    """Run the block on ``threads`` torch CPU threads, then restore the previous count."""
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def sequences_per_second(model, n_sequences: int, length: int, repeats: int, threads: int = 1,
                         **kwargs) -> float:
    best = float("inf")
    with torch_threads(threads):
        for _ in range(repeats):
            start = time.perf_counter()
            generate(model, n_sequences, length, seed=0, **kwargs)
            best = min(best, time.perf_counter() - start)
    return n_sequences / best


def read_bandwidth(threads: int, repeats: int = 5) -> float:
    """Streaming read bandwidth in bytes/s: the best of ``repeats`` sums over 512 MB."""
    data = torch.ones(2**27)  # 512 MB: far beyond any cache
    best = float("inf")
    with torch_threads(threads):
        for _ in range(repeats):
            start = time.perf_counter()
            data.sum()
            best = min(best, time.perf_counter() - start)
    return data.numel() * FLOAT32_BYTES / best


def kv_bytes_per_sequence(width: int, depth: int, length: int) -> int:
    """Keys and values read by the cached steps of one sequence.

    The sum over t < L of 2·t·width·depth float32 numbers.
    """
    return 2 * FLOAT32_BYTES * width * depth * (length * (length - 1) // 2)


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
    parser.add_argument("--max-threads", type=int, default=os.cpu_count() or 1,
                        help="torch CPU threads of the second batched run (default: every core)")
    parser.add_argument("--quick", action="store_true", help="200 sequences of length 128")
    args = parser.parse_args()
    if args.quick:
        args.n_sequences, args.length, args.sequential, args.recomputed = 200, 128, 5, 20

    device = resolve_device(args.device)
    many = args.max_threads
    bandwidth = read_bandwidth(many) if device.type == "cpu" else None
    print(f"{args.n_sequences} sequences x {args.length} symbols, batch {args.batch_size}, "
          f"device {device}, torch {torch.__version__}, best of {args.repeats}")
    if bandwidth:
        print(f"streaming read bandwidth on {many} threads: {bandwidth / 1e9:.1f} GB/s")
    header = (f"{'arch':<12}{'width':>6}{'1-at-a-time':>13}{'batched 1 thr':>15}{'ratio':>8}"
              f"{f'batched {many} thr':>17}{'ratio':>8}{'KV bound':>10}{'ratio':>8}"
              f"{'cached':>9}{'recomputed':>12}{'ratio':>8}")
    print(header)
    print("-" * len(header))
    for arch in args.archs:
        for width in args.widths:
            model = make_model(arch, width)
            generate(model, 2, 8, device=device)  # warm-up: allocator, kernels
            batched = {"batch_size": args.batch_size, "device": device}
            single = sequences_per_second(model, args.sequential, args.length, args.repeats,
                                          batch_size=1, device=device)
            one = sequences_per_second(model, args.n_sequences, args.length, args.repeats,
                                       **batched)
            line = (f"{arch:<12}{width:>6}{single:>13.2f}{one:>15.1f}{one / single:>7.0f}x")
            if device.type == "cpu" and many > 1:
                all_cores = sequences_per_second(model, args.n_sequences, args.length,
                                                 args.repeats, threads=many, **batched)
                line += f"{all_cores:>17.1f}{all_cores / single:>7.0f}x"
            else:
                line += f"{'':>25}"
            if arch == "transformer":
                if bandwidth:
                    bound = bandwidth / kv_bytes_per_sequence(width, 1, args.length)
                    line += f"{bound:>10.0f}{bound / single:>7.0f}x"
                else:
                    line += f"{'':>18}"
                same_batch = {"batch_size": args.recomputed, "device": device}
                cached = sequences_per_second(model, args.recomputed, args.length, args.repeats,
                                              **same_batch)
                recomputed = sequences_per_second(model, args.recomputed, args.length,
                                                  args.repeats, use_cache=False, **same_batch)
                line += f"{cached:>9.1f}{recomputed:>12.2f}{cached / recomputed:>7.1f}x"
            print(line, flush=True)


if __name__ == "__main__":
    main()
