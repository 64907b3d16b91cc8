"""The bipartite-MI tables of a run stacked, their growth per curve and the L²M claims.

Every ``miscaling bipartite`` table (one per model and source, labelled level, family and
source) becomes one stacked table; per curve (level, family, source, model, estimator, ratio)
the power law of the whole grid (M65), the upper slope (M66) and I at the largest L;
:func:`trend_rows` decides the claims of :data:`miscaling.paper_claims.BEYOND_THE_PAPER` with
:func:`~miscaling.verdicts.grows_or_saturates`.  Mathematics: docs/METHODS.md §10.
"""

from __future__ import annotations

import pandas as pd

from miscaling.bipartite import fit_power
from miscaling.io import require_columns
from miscaling.verdicts import (
    SLOPE_MARGIN,
    Estimate,
    every,
    grows_or_saturates,
    growth_slope,
)

__all__ = ["CLAIM_ESTIMATOR", "CURVE_KEYS", "collect", "growth_table", "trend_rows"]

#: Columns that identify one curve of I against L.
CURVE_KEYS = ["level", "family", "source", "arch", "width", "depth", "memory_values",
              "memory_kind", "estimator", "ratio"]
ESTIMATE_COLUMNS = ["ell", "L", "estimate", "ci_low", "ci_high", "n_sequences", *CURVE_KEYS]
#: The estimator the claims read: vCLUB, an upper bound whatever the start state (M63), so a
#: curve of it that saturates saturates.
CLAIM_ESTIMATOR = "vclub"
#: The architectures whose state has a fixed size.
FIXED_STATE = ("rnn", "lstm", "ssm")


def collect(tables: list[pd.DataFrame], what: str = "bipartite table") -> pd.DataFrame:
    """The ``miscaling bipartite`` tables stacked, each checked for the columns it needs."""
    if not tables:
        raise ValueError(f"no {what}s given")
    for index, table in enumerate(tables):
        require_columns(table, ESTIMATE_COLUMNS, f"{what} {index + 1}")
    return pd.concat(tables, ignore_index=True)


def growth_table(estimates: pd.DataFrame) -> pd.DataFrame:
    """One row per curve: beta over the whole grid (fit_power, M65), the upper slope (M66) and
    I at the largest L, each with its 95% interval."""
    rows = []
    for keys, curve in estimates.groupby(CURVE_KEYS, sort=True):
        curve = curve.sort_values("L")
        fit = fit_power(curve["L"], curve["estimate"], curve["ci_low"], curve["ci_high"])
        upper = growth_slope(curve["L"], curve["estimate"], curve["ci_low"], curve["ci_high"])
        last = curve.iloc[-1]
        rows.append({**dict(zip(CURVE_KEYS, keys)), "beta": fit["beta"],
                     "beta_ci_low": fit["beta_low"], "beta_ci_high": fit["beta_high"],
                     "upper_slope": upper.value, "upper_slope_ci_low": upper.ci_low,
                     "upper_slope_ci_high": upper.ci_high, "L_max": int(last["L"]),
                     "mi_at_L_max": last["estimate"], "mi_at_L_max_ci_low": last["ci_low"],
                     "mi_at_L_max_ci_high": last["ci_high"],
                     "n_sequences": int(last["n_sequences"]), "n_points": len(curve)})
    return pd.DataFrame(rows)


def _model(row) -> str:
    return f"{row.family} {row.arch} {row.width}x{row.depth} ({row.memory_values} values)"


def trend_rows(growth: pd.DataFrame, *, margin: float = SLOPE_MARGIN) -> pd.DataFrame:
    """The L²M claims decided on every model's own samples (claim, status, lean, evidence,
    settle, rule): fixed-state models saturate, Transformers keep growing (vCLUB, the smallest
    ratio)."""
    require_columns(growth, [*CURVE_KEYS, "upper_slope", "upper_slope_ci_low",
                             "upper_slope_ci_high"], "bipartite growth table")
    own = growth[(growth["source"] == "samples") & (growth["estimator"] == CLAIM_ESTIMATOR)]
    if len(own):
        own = own[own["ratio"] == own["ratio"].min()]
    rows = []
    for claim_id, archs, expected in (
            ("fixed_state_bipartite_saturates", FIXED_STATE, "saturates"),
            ("transformer_bipartite_grows", ("transformer",), "grows")):
        models = own[own["arch"].isin(archs)]
        outcomes = [grows_or_saturates(
            Estimate(row.upper_slope, row.upper_slope_ci_low, row.upper_slope_ci_high,
                     f"{_model(row)} upper slope"), expected, margin=margin)
            for row in models.itertuples()]
        outcome = every(outcomes, rule="grows_or_saturates",
                        missing=f"bipartite tables of {' or '.join(archs)} samples")
        rows.append({"claim": claim_id, **outcome.as_dict()})
    return pd.DataFrame(rows)
