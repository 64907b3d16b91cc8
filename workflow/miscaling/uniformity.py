"""Is the long-range mutual information of a corpus split real, and does it decay algebraically?

The paper (Sec. 4.2.2, App. D.2) reports a "non-uniformity problem": the training sets of Penn
Treebank, WikiText-2 and WikiText-103 show I(τ) ∼ τ^(−γ) over 50 ≲ τ ≲ 1000, their validation
and test sets do not, and their MI is "much larger".  Smaller splits have a larger estimator
bias (of order (V−1)²/(2N) for V symbols and N pairs before correction), so part of that
difference can be the estimator, not the text.  This module turns each split's curve into
numbers that separate the two:

* ``gamma``: the power-law exponent fitted to Î(τ) over the long-range window, with the 95 %
  interval from refits on the resampling replicates;
* ``excess``: the mean over the window of Î(τ) − baseline(τ), the baseline being the same
  estimator on globally shuffled text (which has no dependence at all but the same symbol
  frequencies and size), with its interval from the replicates; ``distinguishable`` says
  whether that interval lies above zero;
* ``gamma_excess``: the exponent fitted to Î(τ) − baseline(τ) (the bias-corrected curve) when
  the excess is positive throughout the window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from miscaling.fit import fit_decay, replicates_wide
from miscaling.io import require_columns
from miscaling.settings import Settings, check_int, problems_error

__all__ = ["COLUMNS", "UniformityConfig", "long_range_summary"]

COLUMNS = [
    "lag_min", "lag_max", "n_lags", "mi_mean", "baseline_mean", "excess", "excess_ci_low",
    "excess_ci_high", "distinguishable", "gamma", "gamma_ci_low", "gamma_ci_high",
    "gamma_excess", "gamma_excess_ci_low", "gamma_excess_ci_high", "confidence",
]


@dataclass(frozen=True)
class UniformityConfig(Settings):
    """The long-range window ``[min_lag, max_lag]`` and the intervals' two-sided level.

    Recorded in a uniformity table as the columns ``uniformity_<field>`` (its own
    ``lag_min``/``lag_max`` are the lags actually in the window, ``confidence`` predates them).
    """

    min_lag: int = 50
    max_lag: int = 1000
    confidence: float = 0.95

    COLUMN_NAMES = {name: f"uniformity_{name}" for name in ("min_lag", "max_lag", "confidence")}

    def __post_init__(self) -> None:
        problems = check_int("min_lag", self.min_lag, 1) + check_int("max_lag", self.max_lag, 1)
        if not problems and self.min_lag > self.max_lag:
            problems.append(f"min_lag {self.min_lag} exceeds max_lag {self.max_lag}")
        if isinstance(self.confidence, bool) or not isinstance(self.confidence, (int, float)) \
                or not 0.0 < self.confidence < 1.0:
            problems.append(f"confidence must lie strictly between 0 and 1, got "
                            f"{self.confidence!r}")
        problems_error("UniformityConfig", problems)
        object.__setattr__(self, "min_lag", int(self.min_lag))
        object.__setattr__(self, "max_lag", int(self.max_lag))
        object.__setattr__(self, "confidence", float(self.confidence))


def _power_gamma(lags: np.ndarray, mi: np.ndarray, replicates: np.ndarray | None,
                 confidence: float) -> tuple[float, float, float]:
    """(γ, ci_low, ci_high) of a pure power law, NaN when the curve is not positive."""
    if not np.all(mi > 0):
        return (np.nan, np.nan, np.nan)
    try:
        fits = fit_decay(lags, mi, "power", confidence=confidence, replicates=replicates,
                         selection="all")
    except ValueError:  # too few points, or too many replicates without a positive curve
        return (np.nan, np.nan, np.nan)
    row = fits[fits["parameter"] == "gamma"].iloc[0]
    return (float(row["value"]), float(row["ci_low"]), float(row["ci_high"]))


def long_range_summary(table: pd.DataFrame, replicates: pd.DataFrame, *, min_lag: int = 50,
                       max_lag: int = 1000, confidence: float = 0.95,
                       config: UniformityConfig | None = None) -> dict:
    """Long-range numbers of one I(τ) table (see the module docstring).

    ``table`` is the estimator's output with the shuffle baseline (``lag, mi, baseline``);
    ``replicates`` its long replicate table (``replicate, lag, mi``).  Lags in
    ``[min_lag, max_lag]`` are used.  ``config`` gives the three settings at once (the
    keywords then left at their defaults).
    """
    config = UniformityConfig.resolve(config, {
        "min_lag": min_lag, "max_lag": max_lag, "confidence": confidence})
    min_lag, max_lag, confidence = config.min_lag, config.max_lag, config.confidence
    require_columns(table, ("lag", "mi", "baseline"),
                    "the I(tau) table (a baseline needs `miscaling mi --shuffles K` with K >= 1)")
    window = table[(table["lag"] >= min_lag) & (table["lag"] <= max_lag)]
    if len(window) < 3:
        raise ValueError(f"only {len(window)} lag(s) in the window [{min_lag}, {max_lag}]; "
                         "need at least 3")
    if window["baseline"].isna().any():
        raise ValueError("the baseline is missing in the window (run with --shuffles K >= 1)")
    lags = window["lag"].to_numpy(dtype=float)
    mi = window["mi"].to_numpy(dtype=float)
    baseline = window["baseline"].to_numpy(dtype=float)
    reps = replicates_wide(replicates, window["lag"].to_numpy())  # lags × replicates

    alpha = 0.5 * (1.0 - confidence)
    excess_curve = mi - baseline
    excess_reps = np.nanmean(reps - baseline[:, None], axis=0)
    excess_lo, excess_hi = np.nanquantile(excess_reps, [alpha, 1.0 - alpha])
    gamma = _power_gamma(lags, mi, reps, confidence)
    gamma_excess = _power_gamma(lags, excess_curve, reps - baseline[:, None], confidence)
    return {
        "lag_min": int(lags.min()), "lag_max": int(lags.max()), "n_lags": int(lags.size),
        "mi_mean": float(mi.mean()), "baseline_mean": float(baseline.mean()),
        "excess": float(excess_curve.mean()), "excess_ci_low": float(excess_lo),
        "excess_ci_high": float(excess_hi), "distinguishable": bool(excess_lo > 0),
        "gamma": gamma[0], "gamma_ci_low": gamma[1], "gamma_ci_high": gamma[2],
        "gamma_excess": gamma_excess[0], "gamma_excess_ci_low": gamma_excess[1],
        "gamma_excess_ci_high": gamma_excess[2], "confidence": confidence,
    }
