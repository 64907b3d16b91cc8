"""The binary models' family of the summary path (:mod:`miscaling.summary`): Section 6's claims.

:func:`summarize_binary`: ``binary_models.csv`` (every model, then the training data) and
``binary_trends.csv`` (:func:`trend_checks`: the binary models' claims, each decided by its
rule).  The per-model table's core is re-exported here for the plots.  Rules: docs/METHODS.md §5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from miscaling.settings import Settings, integer, number
from miscaling.summary import (
    ARCH_TITLES,
    BINARY,
    CLEAR_DELTA_AICC,
    LEVEL_TITLES,
    MODEL_KEYS,
    REFIT_COLUMNS,
    TEXT_KEYS,
    TREND_COLUMNS,
    LogLagRefit,
    closer_than_lstm,
    curve_of,
    decide,
    depth_no_gain,
    last,
    log_spaced,
    model_name,
    model_table,
    outcome_row,
    reference_xi,
    summarize,
    xi_of,
)
from miscaling.verdicts import (
    MIXED,
    Estimate,
    Outcome,
    every,
    every_decay,
    grows,
    not_measured,
    ordered,
    within_tolerance,
)
from miscaling.window_metrics import data_distance, interval_columns, mid_range_mi

__all__ = [  # with the core's names that the plots and the CLI import from here
    "ARCH_TITLES", "DATA_LABEL", "LEVEL_TITLES", "MODEL_KEYS", "SHORT_LAGS", "TEXT_KEYS",
    "TREND_COLUMNS", "TrendSettings", "compare_with_data", "log_spaced", "model_table",
    "outcome_row", "reference_xi", "sample_verdicts", "summarize_binary", "trend_checks",
]

#: The label of the training data's row in the per-model table.
DATA_LABEL = {"arch": "data", "width": 0, "depth": 0}
#: The short range of the binary data (the paper's "short-range correlation", τ ≲ 10).
SHORT_LAGS = (1, 10)


@dataclass(frozen=True)
class TrendSettings(Settings):
    """What :func:`trend_checks` compares: the RNN/LSTM ``width`` (also the largest "small"
    width) and the ``clear_delta_aicc`` from which an AICc verdict is clear.  Table columns
    ``comparison_width`` and ``clear_delta_aicc``."""

    COLUMN_NAMES = {"width": "comparison_width"}

    width: int = integer(8, ge=1)
    clear_delta_aicc: float = number(CLEAR_DELTA_AICC, ge=0)


def summarize_binary(fits: pd.DataFrame, reference: pd.DataFrame,
                     curves: pd.DataFrame | None = None,
                     reference_curve: pd.DataFrame | None = None,
                     settings: TrendSettings | None = None, refit: LogLagRefit | None = None,
                     restart_fits: pd.DataFrame | None = None) -> tuple[pd.DataFrame,
                                                                        pd.DataFrame]:
    """The per-model table (every model, then the training data as arch ``"data"``, the row
    every model is compared with) and the trend checks on the models.  ``restart_fits``: the
    fit tables of every restart's samples (labelled ``restart``), whose pooled spread widens
    the models' ξ (else :data:`~miscaling.seed_spread.FALLBACK`)."""

    def measure(part, _curves, _trained):
        if curves is None or reference_curve is None:
            return part
        return compare_with_data(part, curves, reference_curve)

    models = summarize(BINARY, fits, curves, untrained=[(reference, reference_curve, DATA_LABEL)],
                       measure=measure, refit=refit, restart_fits=restart_fits)
    trained = models["arch"] != DATA_LABEL["arch"]
    return models, trend_checks(models[trained], settings, data=models[~trained].iloc[0])


def compare_with_data(table: pd.DataFrame, curves: pd.DataFrame, data_curve: pd.DataFrame,
                      keys=MODEL_KEYS) -> pd.DataFrame:
    """``table`` with, per model and for the data row, the mean short-range I(τ) − floor
    (``short_mi`` with its interval, lags :data:`SHORT_LAGS`) and, per model, the distance of
    its I(τ) − floor to the data's over every lag both have (``data_distance``)."""
    rows = []
    for _, row in table.iterrows():
        key = tuple(row[k] for k in keys)
        is_data = row["arch"] == DATA_LABEL["arch"]
        curve = data_curve if is_data else curve_of(curves, key, keys)
        short = mid_range_mi(curve, *SHORT_LAGS)
        distance = (np.nan,) * 3 if is_data else \
            data_distance(curve, data_curve, 1, float(curve["lag"].max()))
        rows.append({**dict(zip(keys, key)), **interval_columns("short_mi", short),
                     **interval_columns("data_distance", distance)})
    return last(table.merge(pd.DataFrame(rows), on=keys, how="left"), REFIT_COLUMNS)


# --------------------------------------------------------------------------- the claims


def _model(table: pd.DataFrame, arch: str, width: int, depth: int = 1) -> pd.Series | None:
    pick = table[(table["arch"] == arch) & (table["width"] == width) & (table["depth"] == depth)]
    return pick.iloc[0] if len(pick) else None


def sample_verdicts(rows: pd.DataFrame, columns=(("verdict", "delta_aicc"),)) -> list:
    """(model, verdict, ΔAIC) per model; a model whose verdict differs between the
    ``columns`` pairs (all lags, log-spaced lags) is :data:`~miscaling.verdicts.MIXED`, else
    its ΔAIC is the weakest of the pairs."""
    out = []
    for _, row in rows.iterrows():
        pairs = [(row[v], float(row[d])) for v, d in columns if v in row]
        verdicts = {v for v, _ in pairs}
        if len(verdicts) == 1:
            delta = min((d for _, d in pairs), key=abs)
            out.append((model_name(row), pairs[0][0], delta))
        else:
            out.append((model_name(row) + " (" + ", ".join(f"{v} {d:+.1f}" for v, d in pairs)
                        + ")", MIXED, float("nan")))
    return out


def _decay(rows: pd.DataFrame, expected: str, clear: float, missing: str) -> Outcome:
    """Every model of ``rows`` decays ``expected``ly by the window rule on all its lags."""
    if rows.empty:
        return not_measured(missing, "every_decay")
    if "verdict_window" not in rows:
        return not_measured("the models' I(tau) curves", "every_decay")
    columns = [("verdict_window", "delta_aic_window")]
    if "verdict_window_log" in rows:
        columns.append(("verdict_window_log", "delta_aic_window_log"))
    return every_decay(sample_verdicts(rows, columns), expected, clear=clear)


def _sweep(rows: pd.DataFrame, by: str, missing: str) -> Outcome:
    rows = rows.sort_values(by)
    if len(rows) < 2:
        return not_measured(missing, "grows")
    return grows([xi_of(r, f"{by} {int(r[by])}") for _, r in rows.iterrows()])


def _pair(a: pd.Series | None, b: pd.Series | None, missing: str) -> Outcome:
    if a is None or b is None:
        return not_measured(missing, "ordered")
    return ordered(xi_of(a), xi_of(b), what="xi")


def _short_range(data: pd.Series | None, model: pd.Series | None) -> Outcome:
    """The model's mean short-range I(τ) − floor above the data's."""
    if data is None or model is None:
        return not_measured("the RNN 8 x 2 and the training data", "ordered")
    if "short_mi" not in model or "short_mi" not in data:
        return not_measured("the I(tau) curves of the models and the data", "ordered")
    return ordered(Estimate.from_row(data, "short_mi", "training data"),
                   Estimate.from_row(model, "short_mi", model_name(model)),
                   what=f"mean I - floor, lags {SHORT_LAGS[0]}..{SHORT_LAGS[1]}")


def _fixed(value: float) -> Estimate:
    return Estimate(value, value, value, "the paper's bound")


def trend_checks(table: pd.DataFrame, settings: TrendSettings | None = None, *,
                 data: pd.Series | None = None) -> pd.DataFrame:
    """The binary models' claims (:func:`miscaling.paper_claims.claims_of` ``binary_trends``)
    that this version decides, one row each (:data:`TREND_COLUMNS`), with the
    :class:`TrendSettings` as constant columns.  ``data``: the training data's row of the model
    table (its ξ and γ), for the claims about the data."""
    s = settings or TrendSettings()
    width, clear = s.width, s.clear_delta_aicc
    depth1 = table[table["depth"] == 1]
    rnn, lstm = (table[table["arch"] == a] for a in ("rnn", "lstm"))
    transformers, ssms = (table[table["arch"] == a] for a in ("transformer", "ssm"))
    lstm1 = depth1[depth1["arch"] == "lstm"]
    no_data = "the training data's fit"
    outcomes = {
        "binary_data_power_law": within_tolerance(
            Estimate.from_row(data, "gamma", "gamma"), 0.4, 0.05) if data is not None
        else not_measured(no_data, "within_tolerance"),
        "rnn_samples_exponential": _decay(rnn, "exponential", clear, "vanilla RNNs"),
        "xi_rnn_grows_with_width": _sweep(depth1[(depth1["arch"] == "rnn")
                                                 & (depth1["width"] <= 32)], "width",
                                          "two depth-1 RNN widths <= 32"),
        "xi_rnn_grows_with_depth": _sweep(rnn[rnn["width"] == width], "depth",
                                          f"two depths of the width-{width} RNN"),
        "small_lstm_samples_exponential": _decay(lstm1[lstm1["width"] <= 4], "exponential",
                                                 clear, "depth-1 LSTMs of width <= 4"),
        "xi_lstm_grows_with_width": _sweep(lstm1[lstm1["width"] <= width], "width",
                                           f"two depth-1 LSTM widths <= {width}"),
        "xi_rnn_below_lstm_same_width": _pair(_model(table, "rnn", width),
                                              _model(table, "lstm", width),
                                              f"the width-{width} depth-1 RNN and LSTM"),
        "xi_rnn_w32_below_lstm_w4": _pair(_model(table, "rnn", 32), _model(table, "lstm", 4),
                                          "the RNN 32 x 1 and the LSTM 4 x 1"),
        "training_xi_about_420": within_tolerance(xi_of(data, "training data"), 420.0, 105.0)
        if data is not None else not_measured(no_data, "within_tolerance"),
        "transformer_samples_algebraic": _decay(transformers, "algebraic", clear,
                                                "Transformers"),
        "ssm_samples_exponential": _decay(ssms, "exponential", clear, "selective SSMs"),
        "xi_ssm_grows_with_state": _sweep(ssms[ssms["depth"] == 1], "width",
                                          "two depth-1 SSM widths"),
        "best_lstm_xi_below_350": ordered(xi_of(lstm.loc[lstm["xi"].idxmax()]), _fixed(350.0),
                                          what="xi")
        if len(lstm) and lstm["xi"].notna().any() else not_measured("an LSTM with xi",
                                                                    "ordered"),
        "transformer_16x1_overestimates_xi": _pair(data, _model(table, "transformer", 16),
                                                   "the Transformer 16 x 1 and the data's fit")
        if data is not None else not_measured(no_data, "ordered"),
        "xi_rnn_saturates_near_100": every(
            [within_tolerance(xi_of(r), 100.0, 50.0) for _, r in depth1[
                (depth1["arch"] == "rnn") & (depth1["width"] >= 64)].iterrows()],
            rule="within_tolerance", missing="a depth-1 RNN of width >= 64"),
        "lstm_depth_beyond_two_no_gain": depth_no_gain(lstm, 2),
        "rnn_8x2_overestimates_short_range": _short_range(data, _model(table, "rnn", 8, 2)),
        "transformer_mi_matches_data": closer_than_lstm(
            table, "a width with both a depth-1 Transformer and LSTM",
            "the I(tau) curves of the models and the data",
            lambda r: f"{r['arch']} w{int(r['width'])}"),
    }
    return decide("binary_trends", outcomes, table, s)
