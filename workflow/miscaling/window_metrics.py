"""Numbers read off a window of lags of an I(τ) table, each minus the table's own floor:
the mean excess with an interval and the distance to a reference curve (torch-free).
Definitions: docs/METHODS.md §4.2, Eqs. (M31)–(M32)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["data_distance", "excess_window", "interval_columns", "mid_range_mi"]


def interval_columns(name: str, values: tuple[float, float, float]) -> dict:
    """``name``, ``name_ci_low``, ``name_ci_high`` -> a (value, low, high) triple."""
    return dict(zip((name, f"{name}_ci_low", f"{name}_ci_high"), values))


def excess_window(curve: pd.DataFrame, low: float, high: float) -> pd.DataFrame:
    """The lags ``low``…``high`` of ``curve`` with ``excess`` = mi − floor (floor 0 if absent)."""
    window = curve[(curve["lag"] >= low) & (curve["lag"] <= high)].sort_values("lag")
    floor = window["baseline"].fillna(0.0) if "baseline" in window else 0.0
    return window.assign(excess=window["mi"] - floor, floor=floor)


def mid_range_mi(curve: pd.DataFrame, low: float, high: float) -> tuple[float, float, float]:
    """Mean I(τ) − floor over the lags ``low``…``high``, with the means of the per-lag 95%
    bounds (minus the floor) as its interval: conservative, for the mean of quantities each
    within its bounds lies within the mean of the bounds."""
    window = excess_window(curve, low, high)
    if window.empty:
        return np.nan, np.nan, np.nan
    bounds = [(window[c] - window["floor"]).mean() if c in window else np.nan
              for c in ("ci_low", "ci_high")]
    return float(window["excess"].mean()), float(bounds[0]), float(bounds[1])


def data_distance(curve: pd.DataFrame, data: pd.DataFrame, low: float,
                  high: float) -> tuple[float, float, float]:
    """Relative L1 distance Σ|I − I_data| / Σ I_data (each minus its floor) over the lags
    ``low``…``high`` both curves share, with an interval from the curve's per-lag 95% bounds
    (the data taken as exact)."""
    model, ref = excess_window(curve, low, high), excess_window(data, low, high)
    both = model.merge(ref[["lag", "excess"]], on="lag", suffixes=("", "_data"))
    scale = both["excess_data"].abs().sum()
    if both.empty or scale == 0:
        return np.nan, np.nan, np.nan
    diff = both["excess"] - both["excess_data"]
    point = float(diff.abs().sum() / scale)
    if not {"ci_low", "ci_high"} <= set(both):
        return point, np.nan, np.nan
    below = both["ci_low"] - both["floor"] - both["excess_data"]
    above = both["ci_high"] - both["floor"] - both["excess_data"]
    nearest = np.where(below > 0, below, np.where(above < 0, -above, 0.0))
    farthest = np.maximum(below.abs(), above.abs())
    return point, float(nearest.sum() / scale), float(farthest.sum() / scale)


