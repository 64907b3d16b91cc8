"""Error rates of the window decay verdict, before and after its fix, on synthetic I(τ) curves.

The case of issue 17: 60 log-spaced lags 1..1000, I(τ) = truth + floor (1e-3), noise sd 1e-4 per
lag, a floor estimated with sd 1e-4; the truth an exponential (ξ = 10, 20 in lags 10..100, ξ = 100
in 50..500) or a power law (γ = 0.5 in 10..100, γ = 0.3 in 50..500) of amplitude 2e-3.

* *before*: the rule of old (the language-model claims up to this version): I(τ) − floor fitted
  in log space (AICc, exponential against power) on the lags whose excess is above 2 floor sd;
* *after*: :func:`miscaling.verdicts.decay_in_window`, every lag of the window by weighted least
  squares, ΔAIC scaled by the overdispersion.

Prints, per case and rule: the share called algebraic, clearly algebraic (ΔAIC ≥ 10) and
clearly exponential (ΔAIC ≤ −10).  ``--replicates`` sets the replicates per case (default 300).

``--rule control``: the size-matched control instead, a split placed among 5 normal chunks
(sd 1) 4 sd below to 8 sd above them, its value with a 95% interval of ±1 or ±3 chunk sd, the
paper expecting it above: *before* the control's verdict of old ("differs" counted as holding
whatever its side, "within" as a clear failure), *after* :func:`miscaling.verdicts.placed_among`.
Prints the shares of correct clear, wrong clear and inconclusive calls.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from miscaling.fit import FitConfig, decay_verdict, fit_decay
from miscaling.verdicts import Estimate, Placement, decay_in_window, placed_among

CASES = [("exponential", 10.0, 10, 100), ("exponential", 20.0, 10, 100),
         ("exponential", 100.0, 50, 500), ("power", 0.5, 10, 100), ("power", 0.3, 50, 500)]


def rule_before(lags, excess, floor_sd, floor_sds=2.0):
    """The old window verdict: log-space AICc on the lags above ``floor_sds`` floor sd."""
    keep = excess > floor_sds * floor_sd
    if keep.sum() < 3:
        return np.nan
    fits = fit_decay(lags[keep], excess[keep], ("exponential", "power"),
                     config=FitConfig(selection="all", too_few="nan"))
    if not np.isfinite(fits["aicc"]).all():
        return np.nan
    return decay_verdict(fits)["delta_aicc"]


def control(replicates: int, rng: np.random.Generator, chunks: int = 5) -> None:
    """The control's verdict of old and of now on splits placed among normal chunks."""
    from scipy import stats

    t = stats.t.ppf(0.975, chunks - 1)
    print(f"{'split, its CI':<22}{'truth':<15}{'rule':<8}{'correct':>9}{'wrong':>7}"
          f"{'open':>6}")
    for half in (1.0, 3.0):
        for shift in (-4.0, 0.0, 2.0, 4.0, 8.0):
            calls = {"before": [], "after": []}
            for _ in range(replicates):
                values = rng.standard_normal(chunks)
                split = shift + rng.standard_normal() * half / 1.96
                mean, sd = values.mean(), values.std(ddof=1)
                width = t * sd * math.sqrt(1 + 1 / chunks)
                low, high = split - half, split + half
                overlaps = low <= values.max() and high >= values.min()
                differs = abs(split - mean) > width and not overlaps
                calls["before"].append("holds" if differs else "does not hold")
                place = Placement(Estimate(split, low, high), chunks, values.min(),
                                  values.max(), mean - width, mean + width)
                calls["after"].append(placed_among(place, "above").status)
            truth = "holds" if shift > 0 else "does not hold"
            contrary = "does not hold" if shift > 0 else "holds"
            for rule, made in calls.items():
                made = np.asarray(made)
                right, wrong = np.mean(made == truth), np.mean(made == contrary)
                print(f"{f'{shift:+g} sd, ±{half:g}':<22}{truth:<15}{rule:<8}{right:>9.0%}"
                      f"{wrong:>7.0%}{1 - right - wrong:>6.0%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rule", choices=("window", "control"), default="window")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    if args.rule == "control":
        control(args.replicates, rng)
        return
    lags = np.unique(np.geomspace(1, 1000, 60).round())
    noise, floor, floor_sd, amplitude = 1e-4, 1e-3, 1e-4, 2e-3
    print(f"{'truth':<22}{'window':<10}{'rule':<8}{'algebraic':>10}{'clearly alg':>12}"
          f"{'clearly exp':>12}")
    for kind, parameter, low, high in CASES:
        keep = (lags >= low) & (lags <= high)
        window = lags[keep]
        truth = amplitude * (np.exp(-window / parameter) if kind == "exponential"
                             else window ** -parameter)
        before, after = [], []
        sigma = np.full(window.size, np.hypot(noise, floor_sd))
        for _ in range(args.replicates):
            mi = truth + floor + rng.normal(0, noise, window.size)
            estimated_floor = floor + rng.normal(0, floor_sd, window.size)
            excess = mi - estimated_floor
            before.append(rule_before(window, excess, floor_sd))
            after.append(decay_in_window(window, excess, sigma).delta_aic)
        name = f"{kind} {'xi' if kind == 'exponential' else 'gamma'}={parameter:g}"
        for rule, deltas in (("before", before), ("after", after)):
            d = np.asarray(deltas, dtype=float)
            print(f"{name:<22}{f'{low}..{high}':<10}{rule:<8}{np.mean(d > 0):>10.0%}"
                  f"{np.mean(d >= 10):>12.0%}{np.mean(d <= -10):>12.0%}")


if __name__ == "__main__":
    main()
