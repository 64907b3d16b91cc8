#!/usr/bin/env python
"""Peak memory and time of miscaling.mi.mutual_information on one long sequence.

    python benchmarks/bench_mi_memory.py                      # N = 10^7 and 10^8
    python benchmarks/bench_mi_memory.py --sizes 1e7 --plain  # also without shuffles/bootstrap
    python benchmarks/bench_mi_memory.py --sizes 5.4e8 --lags 1,10,100,1000

The input is one sequence of a Zipf-like alphabet (p_k ∝ 1/k, 300 symbols) stored as uint16,
the dtype the pipeline's prepared character-level corpora have.  Every configuration runs in
a fresh subprocess, which draws its data in chunks, resets its peak-RSS counter
(``/proc/self/clear_refs``), calls mutual_information once and reads the peak (``VmHWM`` in
``/proc/self/status``).  Reported:

* ``input``      the input array (2 bytes per symbol), the floor any caller pays anyway;
* ``peak − start``  growth of the resident set during the call, per symbol: the estimator's own
  memory (what scales with N; the fixed part — lookup tables, imports — is in ``start``);
* ``est. GiB``   start + input + (peak − start) extrapolated to ``--extrapolate`` symbols
  (default 5.4·10^8, character-level WikiText-103).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
from proc_memory import proc_status_mib, reset_peak_rss  # benchmarks/ is on sys.path

GIB = 2**30


def zipf_uint16(n: int, alphabet: int, seed: int, chunk: int = 2**24) -> np.ndarray:
    """``n`` i.i.d. symbols with p_k ∝ 1/k, drawn in chunks so that drawing costs no memory
    beyond the result."""
    rng = np.random.default_rng(seed)
    cdf = np.cumsum(1.0 / np.arange(1, alphabet + 1))
    cdf /= cdf[-1]
    out = np.empty(n, dtype=np.uint16)
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        out[lo:hi] = np.searchsorted(cdf, rng.random(hi - lo), side="right")
    return out


def child(args: argparse.Namespace) -> None:
    """Measure one configuration in this (fresh) process and print one JSON line."""
    from miscaling.mi import EstimatorConfig, mutual_information

    x = zipf_uint16(args.n, args.alphabet, args.seed)
    # Warm imports and the entropy lookup table, so that `start` holds the fixed costs.
    mutual_information(x[:10_000], [1, 2], config=EstimatorConfig(shuffles=1, bootstrap=2))
    reset = reset_peak_rss()
    start = proc_status_mib("VmRSS") * 2**20
    t0 = time.perf_counter()
    df = mutual_information(x, args.lags, config=EstimatorConfig(shuffles=args.shuffles,
                                                                 bootstrap=args.bootstrap),
                            threads=args.threads)
    seconds = time.perf_counter() - t0
    peak = proc_status_mib("VmHWM") * 2**20
    print(json.dumps({
        "n": args.n, "alphabet": int(df.attrs["alphabet_size"]), "lags": len(df),
        "path": df.attrs["counting_path"], "shuffles": args.shuffles,
        "bootstrap": args.bootstrap, "threads": args.threads, "input_bytes": x.nbytes,
        "start_bytes": start, "peak_bytes": peak, "peak_reset": reset, "seconds": seconds,
        "mi_checksum": float(np.nansum(df.mi) + np.nansum(df.baseline)
                             + np.nansum(df.ci_low) + np.nansum(df.ci_high)),
    }))


def measure(args: argparse.Namespace, n: int, shuffles: int, bootstrap: int) -> dict:
    cmd = [sys.executable, __file__, "--child", str(n), "--alphabet", str(args.alphabet),
           "--lags", args.lags, "--seed", str(args.seed), "--threads", str(args.threads),
           "--shuffles", str(shuffles), "--bootstrap", str(bootstrap)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1e7,1e8", help="comma-separated sequence lengths")
    ap.add_argument("--alphabet", type=int, default=300)
    ap.add_argument("--lags", default="log:1000:60")
    ap.add_argument("--shuffles", type=int, default=2)
    ap.add_argument("--bootstrap", type=int, default=100)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--plain", action="store_true",
                    help="also measure without shuffles and bootstrap")
    ap.add_argument("--extrapolate", type=float, default=5.4e8,
                    help="symbols to extrapolate the peak to (default 5.4e8)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", help="also write the measurements to this file")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child is not None:
        args.n = args.child
        child(args)
        return 0

    sizes = [int(float(s)) for s in args.sizes.split(",")]
    configs = [(args.shuffles, args.bootstrap)]
    if args.plain and configs[0] != (0, 0):
        configs.insert(0, (0, 0))
    print(f"Zipf-like {args.alphabet}-symbol alphabet (uint16 input), lags {args.lags}, "
          f"threads={args.threads}, {os.cpu_count()} CPUs, numpy {np.__version__}")
    header = (f"{'N':>11} {'shuffles':>8} {'boot':>5} {'path':>6} {'input GiB':>9} "
              f"{'start GiB':>9} {'peak GiB':>8} {'(peak-start)/N':>14} {'seconds':>8} "
              f"{'est. GiB @ ' + format(args.extrapolate, '.2g'):>15}")
    print(header)
    print("-" * len(header))
    rows = []
    for n in sizes:
        for shuffles, bootstrap in configs:
            r = measure(args, n, shuffles, bootstrap)
            per_symbol = (r["peak_bytes"] - r["start_bytes"]) / n
            fixed = r["start_bytes"] - r["input_bytes"]  # interpreter, libraries, tables
            est = (fixed + (r["input_bytes"] / n + per_symbol) * args.extrapolate) / GIB
            r |= {"bytes_per_symbol": per_symbol, "estimate_gib": est}
            rows.append(r)
            print(f"{n:>11,} {shuffles:>8} {bootstrap:>5} {r['path']:>6} "
                  f"{r['input_bytes'] / GIB:>9.3f} {r['start_bytes'] / GIB:>9.3f} "
                  f"{r['peak_bytes'] / GIB:>8.3f} {per_symbol:>12.2f} B {r['seconds']:>8.1f} "
                  f"{est:>15.2f}" + ("" if r["peak_reset"] else "  (peak not reset)"),
                  flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
