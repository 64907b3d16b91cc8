"""How far ξ moves between training seeds: every restart of the binary models of a finished run.

The pipeline samples each model from its best restart only, so the claims' intervals hold the
estimator's noise and not the spread between training seeds.  This script measures that spread
on a run's restarts: for each model folder with two or more ``seed*`` runs it samples every
restart as the pipeline does (``--n-sequences`` × ``--length``, the first symbols from the
training set, seed 0), measures I(τ) on every lag and fits ξ on the points above ``--min-mi``
(the pipeline's binary fit), then prints per model the ξ of each restart, their relative
spread (sd / mean) and ξ's own 95% interval half-width relative to ξ (the estimator's share), and
the spread pooled as the pipeline pools it (``miscaling.seed_spread.pooled_spread``).

    python benchmarks/bench_seed_spread.py results/models/binary --models lstm_w8_d1 rnn_w8_d1
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd


def _cli(*args) -> None:
    subprocess.run([sys.executable, "-m", "miscaling", *map(str, args)], check=True,
                   capture_output=True, text=True)


def xi_of_restart(run: Path, train: Path, n: int, length: int, min_mi: float,
                  work: Path) -> tuple[float, float, float]:
    """ξ with its interval of one restart's samples, through the pipeline's own steps."""
    samples, mi, reps, fit = (work / f"{run.parent.name}_{run.name}{suffix}" for suffix in
                              (".npy", "_mi.csv", "_reps.parquet", "_fit.csv"))
    _cli("sample", run, "--n-sequences", n, "--length", length, "--first-symbols", train,
         "--seed", 0, "--out", samples)
    _cli("mi", samples, "--lags", f"1:{length - 1}", "--shuffles", 2, "--bootstrap", 50,
         "--replicates-out", reps, "--out", mi)
    _cli("fit", mi, "--model", "exponential", "--min-mi", min_mi, "--replicates", reps,
         "--too-few", "nan", "--out", fit)
    row = pd.read_csv(fit).query("parameter == 'xi'").iloc[0]
    return float(row["value"]), float(row["ci_low"]), float(row["ci_high"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", type=Path, help="results/models/binary of a finished run")
    parser.add_argument("--models", nargs="+", dest="names", help="model folders (default all)")
    parser.add_argument("--train", type=Path, help="training set (default: ../../data/binary/"
                                                   "train.npy beside the models)")
    parser.add_argument("--n-sequences", type=int, default=2000)
    parser.add_argument("--length", type=int, default=512)
    parser.add_argument("--min-mi", type=float, default=1.0e-3)
    args = parser.parse_args()
    train_path = args.train or args.models.parents[1] / "data" / "binary" / "train.npy"
    folders = [args.models / name for name in args.names] if args.names else \
        sorted(p for p in args.models.iterdir() if p.is_dir())
    print(f"{'model':<22}{'xi per restart':<34}{'seed sd/mean':>13}{'CI half/xi':>11}")
    spreads, rows = [], []
    for folder in folders:
        runs = sorted(p for p in folder.glob("seed*") if (p / "best.pt").is_file())
        if len(runs) < 2:
            continue
        with tempfile.TemporaryDirectory() as work:
            xis = [xi_of_restart(run, train_path, args.n_sequences, args.length, args.min_mi,
                                 Path(work)) for run in runs]
        values = np.array([x[0] for x in xis])
        spread = float(np.std(values, ddof=1) / np.mean(values))
        half = float(np.mean([(hi - lo) / 2 / v for v, lo, hi in xis]))
        spreads.append(spread)
        rows += [{"model": folder.name, "xi": v} for v in values]
        text = ", ".join(f"{v:.3g}" for v in values)
        print(f"{folder.name:<22}{text:<34}{spread:>13.2f}{half:>11.2f}")
    if spreads:
        from miscaling.seed_spread import pooled_spread

        pooled = pooled_spread(pd.DataFrame(rows), ["model"], "this run")
        print(f"median seed sd/mean over {len(spreads)} models: {np.median(spreads):.2f}")
        print("pooled seed sd/mean (root mean square, what the pipeline uses): " + (
            f"{pooled.relative_sd:.2f} over {pooled.models} models, {pooled.degrees} degrees "
            f"of freedom" if pooled else "undetermined (no model has two fitted xi)"))


if __name__ == "__main__":
    main()
