#!/usr/bin/env python
"""Benchmark corpus preparation (char level) and I(τ) on a text8-sized synthetic corpus.

    python benchmarks/bench_prepare.py                    # 10^8 characters, as text8 (minutes)
    python benchmarks/bench_prepare.py --chars 10000000   # quick run

The corpus has text8's shape: 27 symbols (a–z and space), words of a fixed random lexicon
drawn with Zipf frequencies, one line without newlines.  Stages, each in a fresh process:

* ``read``        baseline: ``np.frombuffer(path.read_bytes(), np.uint8)``, the cheapest way to
                  get the bytes of an ASCII file into an array;
* ``prepare``     ``encode_corpus({"train": path}, "char", …)``: two streamed passes, UTF-8
                  decoding, vocabulary, ``train.npy`` + ``vocab.json``;
* ``mi``          ``mutual_information(np.load(train.npy), parse_lags("log:1000:60"))``;
* ``mi floor``    baseline for ``mi``: codes ``x[:-τ]·27 + x[τ:]`` and one ``np.bincount``
                  per lag, on ``--floor-lags`` of the lags, scaled to all of them.

Printed per stage: wall time, throughput, resident memory at its start (interpreter and
imports) and its peak (Linux: VmHWM, reset at the start of the stage through
/proc/self/clear_refs; elsewhere ru_maxrss, which includes the imports' own peak), the peak of
tracemalloc (numpy's allocations included, memory-mapped pages not), and the ratio of the
time to its baseline.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from miscaling.data.prepare import encode_corpus
from miscaling.mi import mutual_information, parse_lags
from proc_memory import proc_status_mib, reset_peak_rss  # benchmarks/ is on sys.path

LAG_SPEC = "log:1000:60"
ALPHABET = b"abcdefghijklmnopqrstuvwxyz"


@dataclass
class Stage:
    name: str
    seconds: float
    start_rss_mib: float
    peak_rss_mib: float
    peak_traced_mib: float
    note: str = ""


# --------------------------------------------------------------------------- corpus


def synthetic_text8(path: Path, n_chars: int, seed: int, lexicon_size: int = 50_000) -> None:
    """Write ``n_chars`` bytes of space-separated words over a–z, Zipf word frequencies."""
    rng = np.random.default_rng(seed)
    word_lengths = np.clip(rng.geometric(0.2, lexicon_size), 1, 15)
    letters = rng.choice(np.frombuffer(ALPHABET, np.uint8), word_lengths.sum())
    ends = np.cumsum(word_lengths)
    lexicon = [letters[end - k:end].tobytes() for k, end in zip(word_lengths, ends)]
    zipf = 1.0 / (np.arange(lexicon_size) + 2.7)
    zipf /= zipf.sum()
    written = 0
    with open(path, "wb") as out:
        while written < n_chars:
            words = rng.choice(lexicon_size, size=1_000_000, p=zipf)
            block = b" ".join(lexicon[i] for i in words) + b" "
            block = block[: n_chars - written]
            out.write(block)
            written += len(block)


# --------------------------------------------------------------------------- stages


def stage_read(path: Path, work: Path) -> str:
    symbols = np.frombuffer(path.read_bytes(), dtype=np.uint8)
    return f"{symbols.size:,} bytes"


def stage_prepare(path: Path, work: Path) -> str:
    summary = encode_corpus({"train": path}, "char", work / "prepared")
    return f"vocab {summary['vocab_size']}, {summary['dtype']}"


def stage_mi(path: Path, work: Path) -> str:
    symbols = np.load(work / "prepared" / "train.npy")
    curve = mutual_information(symbols, parse_lags(LAG_SPEC))
    return (f"{len(curve)} lags, {curve.attrs['counting_path']} path, "
            f"I(1)={curve['mi'].iloc[0]:.3f} I(1000)={curve['mi'].iloc[-1]:.2e} nats")


def stage_mi_floor(path: Path, work: Path, floor_lags: int) -> str:
    symbols = np.load(work / "prepared" / "train.npy").astype(np.int64)
    alphabet = int(symbols.max()) + 1
    lags = parse_lags(LAG_SPEC)
    subset = lags[np.unique(np.linspace(0, lags.size - 1, floor_lags).round().astype(int))]
    for lag in subset:
        np.bincount(symbols[:-lag] * alphabet + symbols[lag:], minlength=alphabet**2)
    return f"{subset.size} of {lags.size} lags timed"


def measure(stage: Callable[..., str], *args) -> tuple[float, float, float, float, str]:
    """Run ``stage`` in this (fresh) process: seconds, RSS at start, peak RSS, traced peak
    (MiB) and the stage's note."""
    start_rss = proc_status_mib("VmRSS") or float("nan")
    can_reset = reset_peak_rss()
    tracemalloc.start()
    start = time.perf_counter()
    note = stage(*args)
    seconds = time.perf_counter() - start
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    peak_rss = proc_status_mib("VmHWM") if can_reset else None
    if peak_rss is None:
        peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    return seconds, start_rss, peak_rss, traced_peak, note


def run_stage(name: str, stage: Callable[..., str], *args) -> Stage:
    # A fresh interpreter per stage, so that no stage inherits another's memory.
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        row = Stage(name, *pool.apply(measure, (stage, *args)))
    print(f"  {name:<10} {row.seconds:8.2f} s  RSS {row.start_rss_mib:6.0f} -> peak "
          f"{row.peak_rss_mib:6.0f} MiB  traced {row.peak_traced_mib:6.0f} MiB  {row.note}",
          flush=True)
    return row


# --------------------------------------------------------------------------- report


def report(rows: dict[str, Stage], n_chars: int, floor_lags: int) -> None:
    lags = parse_lags(LAG_SPEC).size
    floor = rows.get("mi floor")
    floor_all_lags = floor.seconds * lags / floor_lags if floor else None
    baselines = {"prepare": rows["read"].seconds, "mi": floor_all_lags}
    header = (f"{'stage':<10} {'seconds':>9} {'MB/s':>8} {'start RSS MiB':>14} "
              f"{'peak RSS MiB':>13} {'peak-start':>11} {'traced MiB':>11} {'x baseline':>11}")
    print()
    print(header)
    print("-" * len(header))
    for row in rows.values():
        seconds = floor_all_lags if row is floor else row.seconds
        rate = n_chars / 1e6 / seconds
        base = baselines.get(row.name)
        ratio = f"{row.seconds / base:.1f}" if base else "-"
        print(f"{row.name:<10} {seconds:9.2f} {rate:8.1f} {row.start_rss_mib:14.0f} "
              f"{row.peak_rss_mib:13.0f} {row.peak_rss_mib - row.start_rss_mib:11.0f} "
              f"{row.peak_traced_mib:11.0f} {ratio:>11}")
    print(f"\n'mi floor' seconds are scaled from {floor_lags} to {lags} lags; 'x baseline': "
          "prepare vs read, mi vs mi floor.  MB/s: input characters per second.")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chars", type=int, default=100_000_000, help="corpus size (default 10^8)")
    ap.add_argument("--floor-lags", type=int, default=6,
                    help="lags timed for the mi floor (0: skip it)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workdir", help="keep the corpus and outputs here (default: a temp dir)")
    ap.add_argument("--json", help="also write the stage timings to this file")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench_prepare.") as tmp:
        work = Path(args.workdir or tmp)
        work.mkdir(parents=True, exist_ok=True)
        corpus = work / "text8-like.txt"
        start = time.perf_counter()
        synthetic_text8(corpus, args.chars, args.seed)
        print(f"{args.chars:,} synthetic text8-like characters written in "
              f"{time.perf_counter() - start:.1f} s; {os.cpu_count()} CPUs, "
              f"numpy {np.__version__}; lags {LAG_SPEC}", flush=True)
        stages = [("read", stage_read), ("prepare", stage_prepare), ("mi", stage_mi)]
        rows = {name: run_stage(name, fn, corpus, work) for name, fn in stages}
        if args.floor_lags > 0:
            rows["mi floor"] = run_stage("mi floor", stage_mi_floor, corpus, work,
                                         args.floor_lags)
        report(rows, args.chars, args.floor_lags)
        if args.json:
            Path(args.json).write_text(json.dumps([asdict(r) for r in rows.values()], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
