"""Is the long-range mutual information of a corpus split real, and does it decay algebraically?

The paper's "non-uniformity problem" (Sec. 4.2.2, App. D.2) may be partly the estimator's bias,
larger on smaller splits.  Per split, over the long-range window: ``gamma`` (power law fitted to
Î), ``excess`` (mean Î − floor; ``distinguishable`` when its interval lies above zero) and
``gamma_excess`` (power law fitted to Î − floor), each with an interval from the replicates.
Definitions: docs/METHODS.md §4.1, Eq. (M30).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from miscaling.fit import FitConfig, fit_decay, replicates_wide
from miscaling.io import require_columns
from miscaling.settings import Settings, integer, number

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

    min_lag: int = integer(50, ge=1)
    max_lag: int = integer(1000, ge=1)
    confidence: float = number(0.95, gt=0, lt=1)

    COLUMN_NAMES = {name: f"uniformity_{name}" for name in ("min_lag", "max_lag", "confidence")}

    def conflicts(self) -> list[str]:
        if self.min_lag > self.max_lag:
            return [f"min_lag {self.min_lag} exceeds max_lag {self.max_lag}"]
        return []


def _power_gamma(lags: np.ndarray, mi: np.ndarray, replicates: np.ndarray | None,
                 confidence: float) -> tuple[float, float, float]:
    """(γ, ci_low, ci_high) of a pure power law, NaN when the curve is not positive."""
    if not np.all(mi > 0):
        return (np.nan, np.nan, np.nan)
    try:
        fits = fit_decay(lags, mi, "power", config=FitConfig(confidence=confidence,
                                                             selection="all"),
                         replicates=replicates)
    except ValueError:  # too few points, or too many replicates without a positive curve
        return (np.nan, np.nan, np.nan)
    row = fits[fits["parameter"] == "gamma"].iloc[0]
    return (float(row["value"]), float(row["ci_low"]), float(row["ci_high"]))


def long_range_summary(table: pd.DataFrame, replicates: pd.DataFrame, *,
                       config: UniformityConfig | None = None) -> dict:
    """Long-range numbers of one I(τ) table (see the module docstring).

    ``table`` is the estimator's output with the shuffle baseline (``lag, mi, baseline``);
    ``replicates`` its long replicate table (``replicate, lag, mi``).  Lags in
    ``[config.min_lag, config.max_lag]`` are used (None: :class:`UniformityConfig`'s
    defaults).
    """
    config = UniformityConfig.given(config)
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
