"""Per-model numbers and the paper's Section 6 claims, measured on the binary models' samples.

* :func:`model_table`: one row per model (arch, width, depth): ξ of I = I0·e^(−τ/ξ) with its
  95% interval, γ of the power law with its interval, and the AICc verdict (exponential or
  algebraic) that calls the decay by a number rather than by eye. Given the I(τ) curves too, the
  verdict is recomputed on log-spaced lags of the same fitted window (``*_log_lags`` columns):
  the fit on every lag weighs the tail (of lags 1…511, 80% lie above 100), log spacing weighs
  every scale alike, so a verdict that holds on both does not hang on the tail.  The curves
  also say how many lags beat each of the two floors (:func:`floor_counts`): the global shuffle
  floor, which a lag must beat to show any dependence, and the within-sequence floor, which it
  must beat to show more than each sequence's own symbol mix; and the sequences and symbols
  behind each curve (``n_sequences``, ``n_symbols``, from its pair counts).
* :func:`trend_checks`: the claims the quick reproduction must show, each as one row with what
  was expected, what was measured (with intervals), whether it holds on the point estimates and
  whether that outcome is *clear* (disjoint 95% intervals, or ΔAICc of at least 10 — the level
  at which Burnham & Anderson call the losing model "essentially unsupported" — on every lag
  and, where the curves are given, on log-spaced lags as well).  Clear works both ways: a claim
  that holds is clear when the evidence for it is, one that fails when the evidence against it
  is (intervals disjoint in the contrary order, a contrary verdict with such a ΔAICc); a
  failure on point estimates alone is not clear.

The CLI ``miscaling model-summary`` writes both tables, each recording the settings that made
it as constant columns (:class:`LogLagRefit` in the model table when the curves are given,
:class:`TrendSettings` in the checks); the Figure 1/3/7/9 plots read the same ``model_table``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from miscaling.fit import decay_verdict, fit_decay
from miscaling.io import read_table, require_columns
from miscaling.mi.sizes import sample_size
from miscaling.settings import Settings, check_choice, check_int, problems_error

MODEL_KEYS = ["arch", "width", "depth"]
ARCH_TITLES = {"rnn": "vanilla RNN", "lstm": "LSTM", "transformer": "Transformer"}
#: The label columns that name a text model (``level``: the model's own tokens, char or word).
TEXT_KEYS = ["level", "arch", "width", "depth"]
LEVEL_TITLES = {"char": "character-level", "word": "word-level"}
# |AICc(exponential) - AICc(power)| from which a verdict counts as clear.
CLEAR_DELTA_AICC = 10.0
#: A lag beats a floor where its estimate exceeds the floor's mean by this many of the
#: floor's standard deviations (the pipeline's ``fit.floor_sds`` default).
FLOOR_SDS = 2.0
# Log-spaced lags requested over each fitted window (fewer remain where rounding repeats one).
LOG_LAGS = 60
TREND_COLUMNS = ["check", "expected", "measured", "holds", "clear", "criterion"]


@dataclass(frozen=True)
class LogLagRefit(Settings):
    """The exponential-vs-power refit on log-spaced lags: ``lags`` log-spaced lags requested
    over each model's fitted window, points chosen by ``selection`` (see
    :func:`miscaling.fit.fit_decay`) above the fit's own ``min_mi``.  Table columns
    ``log_lags_requested`` and ``log_lags_selection``."""

    COLUMN_NAMES = {"lags": "log_lags_requested", "selection": "log_lags_selection"}

    lags: int = LOG_LAGS
    selection: str = "all"

    def __post_init__(self) -> None:
        problems_error("LogLagRefit", [*check_int("lags", self.lags, 2),
                                       *check_choice("selection", self.selection,
                                                     ("all", "contiguous"))])
        object.__setattr__(self, "lags", int(self.lags))


@dataclass(frozen=True)
class TrendSettings(Settings):
    """What :func:`trend_checks` compares: the RNN/LSTM ``width`` (also the largest "small"
    width) and the ``clear_delta_aicc`` from which an AICc verdict is clear.  Table columns
    ``comparison_width`` and ``clear_delta_aicc``."""

    COLUMN_NAMES = {"width": "comparison_width"}

    width: int = 8
    clear_delta_aicc: float = CLEAR_DELTA_AICC

    def __post_init__(self) -> None:
        problems = check_int("width", self.width, 1)
        value = self.clear_delta_aicc
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) \
                or not value >= 0:
            problems.append(f"clear_delta_aicc must be a number >= 0, got {value!r}")
        problems_error("TrendSettings", problems)
        object.__setattr__(self, "width", int(self.width))
        object.__setattr__(self, "clear_delta_aicc", float(value))


def model_table(fits: pd.DataFrame, curves: pd.DataFrame | None = None,
                refit: LogLagRefit | None = None, *, keys=MODEL_KEYS) -> pd.DataFrame:
    """One row per model: ξ (exponential fit) with its CI, γ (power law), AICc verdict.

    curves: the models' I(τ) tables (lag, mi and the ``keys``); adds the verdict on
    log-spaced lags (``verdict_log_lags``, ``delta_aicc_log_lags``, ``n_points_log_lags``)
    made with ``refit`` (default :class:`LogLagRefit`), recorded as its columns.
    keys: the label columns that name a model (binary: :data:`MODEL_KEYS`; text models:
    :data:`TEXT_KEYS`).
    """
    keys = list(keys)
    needed = [*keys, "model", "parameter", "value", "ci_low", "ci_high", "aicc",
              "n_points", "lag_max"]
    if curves is not None:
        needed += ["lag_min", "min_mi"]  # the window and threshold the refit reuses
        require_columns(curves, [*keys, "lag", "mi"], "I(tau) table")
        refit = refit or LogLagRefit()
    require_columns(fits, needed, "model fit table")
    rows = []
    for key, group in fits.groupby(keys, sort=True):
        row = dict(zip(keys, key))
        for model, name, prefix in (("exponential", "xi", "xi"), ("power", "gamma", "gamma")):
            pick = group[(group["model"] == model) & (group["parameter"] == name)]
            value = pick.iloc[0] if len(pick) else None
            row[prefix] = float(value["value"]) if value is not None else np.nan
            row[f"{prefix}_ci_low"] = float(value["ci_low"]) if value is not None else np.nan
            row[f"{prefix}_ci_high"] = float(value["ci_high"]) if value is not None else np.nan
        row["n_points"] = int(group["n_points"].iloc[0])
        row["lag_max"] = float(group["lag_max"].iloc[0])
        fitted = group[np.isfinite(group["aicc"])]
        if {"exponential", "power"} <= set(fitted["model"]):
            verdict = decay_verdict(fitted)
            row["verdict"], row["delta_aicc"] = verdict["verdict"], verdict["delta_aicc"]
            row["best_model"] = verdict["best_model"]
        else:  # too few points above the threshold for a comparison
            row["verdict"], row["delta_aicc"], row["best_model"] = "undetermined", np.nan, ""
        if curves is not None:
            curve = _curve(curves, key, keys)
            row.update(_log_lag_verdict(group, curve, refit))
            row.update(floor_counts(curve))
            size = sample_size(curve)  # what the curve rests on, from its pair counts
            row["n_sequences"], row["n_symbols"] = size if size else (np.nan, np.nan)
        rows.append(row)
    table = pd.DataFrame(rows)
    return table if curves is None else refit.as_columns(table)


def _curve(curves: pd.DataFrame, key: tuple, keys=MODEL_KEYS) -> pd.DataFrame:
    pick = curves
    for column, value in zip(keys, key):
        pick = pick[pick[column] == value]
    if pick.empty:
        raise ValueError(f"no I(tau) curve for the model {dict(zip(keys, key))}")
    return pick


def floor_counts(curve: pd.DataFrame, sds: float = FLOOR_SDS) -> dict:
    """How many of the lags of ``curve`` (an I(τ) table) beat each floor by ``sds`` of the
    floor's standard deviations: ``lags_measured``, ``lags_above_floor`` (the global shuffle:
    dependence at all) and ``lags_above_within_floor`` (the within-sequence shuffle: more than
    each sequence's composition); NaN for a floor the table does not have."""
    mi = curve["mi"].to_numpy(float)
    counts = {"lags_measured": int(len(curve))}
    for name, column in (("lags_above_floor", "baseline"),
                         ("lags_above_within_floor", "baseline_within")):
        floor = curve[column].to_numpy(float) if column in curve else np.full(mi.size, np.nan)
        sd = (np.nan_to_num(curve[f"{column}_sd"].to_numpy(float)) if f"{column}_sd" in curve
              else 0.0)
        counts[name] = (int(np.sum(mi > floor + sds * sd)) if np.isfinite(floor).any()
                        else np.nan)
    return counts


def _log_lag_verdict(fits: pd.DataFrame, curve: pd.DataFrame, refit: LogLagRefit) -> dict:
    """The exponential-vs-power verdict refitted on log-spaced lags of the fitted window."""
    first = fits.iloc[0]
    result = {"verdict_log_lags": "undetermined", "delta_aicc_log_lags": np.nan,
              "n_points_log_lags": 0}
    if not (np.isfinite(first["lag_min"]) and np.isfinite(first["lag_max"])):
        return result
    wanted = np.unique(np.geomspace(first["lag_min"], first["lag_max"], refit.lags).round())
    points = curve[curve["lag"].isin(wanted)]
    # the fit's own point rule: its threshold and, where it used one, the curve's floor
    floor_sds = first.get("fit_floor_sds")
    floor = {}
    if floor_sds is not None and np.isfinite(floor_sds):
        require_columns(points, ["baseline", "baseline_sd"], "I(tau) table (the fits used its "
                        "shuffle floor)")
        floor = {"floor_sds": float(floor_sds), "baseline": points["baseline"].to_numpy(float),
                 "baseline_sd": points["baseline_sd"].to_numpy(float)}
    refit = fit_decay(points["lag"].to_numpy(float), points["mi"].to_numpy(float),
                      ("exponential", "power"), min_mi=float(first["min_mi"]),
                      selection=refit.selection, too_few="nan", **floor)
    if not np.isfinite(refit["aicc"]).all():
        return result
    verdict = decay_verdict(refit)
    return {"verdict_log_lags": verdict["verdict"], "delta_aicc_log_lags": verdict["delta_aicc"],
            "n_points_log_lags": int(refit["n_points"].iloc[0])}


def reference_xi(reference: pd.DataFrame) -> tuple[float, float, float]:
    """ξ of the training data with its interval, from its fit table."""
    pick = reference[(reference["model"] == "exponential") & (reference["parameter"] == "xi")]
    if pick.empty:
        raise ValueError("the reference fit table has no exponential xi row")
    row = pick.iloc[0]
    return float(row["value"]), float(row["ci_low"]), float(row["ci_high"])


def _xi_text(row: pd.Series) -> str:
    return f"{row['xi']:.4g} [{row['xi_ci_low']:.4g}, {row['xi_ci_high']:.4g}]"


def _model(table: pd.DataFrame, arch: str, width: int, depth: int = 1) -> pd.Series | None:
    pick = table[(table["arch"] == arch) & (table["width"] == width) & (table["depth"] == depth)]
    return pick.iloc[0] if len(pick) else None


def _row(check: str, expected: str, measured: str, holds, clear, criterion: str) -> dict:
    return {"check": check, "expected": expected, "measured": measured,
            "holds": holds, "clear": clear, "criterion": criterion}


def _absent(check: str, expected: str, what: str) -> dict:
    return _row(check, expected, f"not measured: {what} not in the model grid", None, None, "")


def _compare_widths(table: pd.DataFrame, arch_a: str, arch_b: str, width: int) -> dict:
    check = f"xi_{arch_a}_w{width}_below_{arch_b}_w{width}"
    expected = (f"xi({ARCH_TITLES[arch_a]}, width {width}) "
                f"< xi({ARCH_TITLES[arch_b]}, width {width})")
    a, b = _model(table, arch_a, width), _model(table, arch_b, width)
    if a is None or b is None:
        return _absent(check, expected, f"width-{width} depth-1 {arch_a} and {arch_b}")
    measured = f"{arch_a}: {_xi_text(a)}; {arch_b}: {_xi_text(b)}"
    if not (np.isfinite(a["xi"]) and np.isfinite(b["xi"])):
        return _row(check, expected, measured, False, False, "xi undetermined")
    holds = bool(a["xi"] < b["xi"])
    clear = _disjoint(a, b, "xi") if holds else _disjoint(b, a, "xi")
    return _row(check, expected, measured, holds, clear,
                "clear: disjoint 95% intervals (in either order)")


def _disjoint(low: pd.Series, high: pd.Series, name: str) -> bool:
    """Whether ``low``'s 95% interval of ``name`` lies wholly below ``high``'s."""
    return bool(low[f"{name}_ci_high"] < high[f"{name}_ci_low"])


def _grows_with_width(table: pd.DataFrame, arch: str, max_width: float,
                      level: str | None = None) -> dict:
    """ξ of the depth-1 ``arch`` (of ``level``, for text models) grows with width."""
    name, title = (arch, ARCH_TITLES[arch]) if level is None else \
        (f"{level}_{arch}", f"{LEVEL_TITLES[level]} {ARCH_TITLES[arch]}")
    check = f"xi_{name}_grows_with_width"
    finite = np.isfinite(max_width)
    expected = f"xi of the depth-1 {title} grows with width" + \
        (f" up to width {max_width}" if finite else "")
    if level is not None:
        table = table[table["level"] == level]
    rows = table[(table["arch"] == arch) & (table["depth"] == 1)
                 & (table["width"] <= max_width)].sort_values("width")
    if len(rows) < 2:
        return _absent(check, expected, f"two depth-1 {name} widths"
                       + (f" <= {max_width}" if finite else ""))
    measured = "; ".join(f"w{int(r.width)}: {_xi_text(r)}" for _, r in rows.iterrows())
    xi = rows["xi"].to_numpy()
    if not np.isfinite(xi).all():
        return _row(check, expected, measured, False, False, "xi undetermined")
    holds = bool((np.diff(xi) > 0).all())
    if holds:
        clear = _disjoint(rows.iloc[0], rows.iloc[-1], "xi")
    else:  # clearly refuted: some step down with disjoint intervals
        clear = any(_disjoint(wider, narrower, "xi") for (_, narrower), (_, wider)
                    in zip(rows.iloc[:-1].iterrows(), rows.iloc[1:].iterrows()))
    return _row(check, expected, measured, holds, clear,
                "holds: increasing at every step; clear: smallest and largest width's "
                "95% intervals disjoint (a failure: some step down with disjoint intervals)")


def _verdicts(table: pd.DataFrame, arch: str, verdict: str, clear_delta: float) -> dict:
    check = f"{arch}_samples_{verdict}"
    expected = f"every {ARCH_TITLES[arch]}'s sample I(tau) is {verdict} by AICc"
    rows = table[table["arch"] == arch]
    if rows.empty:
        return _absent(check, expected, f"no {arch}")
    measured = "; ".join(
        f"{_label(r)}: {r['verdict']} (dAICc {r['delta_aicc']:+.1f})" for _, r in rows.iterrows())
    holds = bool((rows["verdict"] == verdict).all())
    criterion = (f"dAICc = AICc(exponential) - AICc(power); clear: |dAICc| >= "
                 f"{clear_delta:g} for every model")
    columns = [("verdict", "delta_aicc")]
    if "verdict_log_lags" in rows:
        measured += "; on log-spaced lags: " + "; ".join(
            f"{_label(r)}: {r['verdict_log_lags']} (dAICc {r['delta_aicc_log_lags']:+.1f})"
            for _, r in rows.iterrows())
        columns.append(("verdict_log_lags", "delta_aicc_log_lags"))
        criterion += ", on every lag and on log-spaced lags"
    criterion += " (a failure: some model clearly of the other decay)"
    return _row(check, expected, measured, holds,
                verdicts_clear(rows, verdict, holds, clear_delta, columns), criterion)


#: The other decay of an AICc verdict.
CONTRARY = {"exponential": "algebraic", "algebraic": "exponential"}


def verdicts_clear(rows: pd.DataFrame, verdict: str, holds: bool, clear_delta: float,
                   columns=(("verdict", "delta_aicc"),)) -> bool:
    """Whether "every model of ``rows`` is ``verdict``" is decided clearly, on every pair of
    (verdict, ΔAICc) ``columns``: held, when every model has it with |ΔAICc| >= ``clear_delta``;
    failed, when some model has the contrary verdict with such a ΔAICc on every pair."""
    if holds:
        return all(bool(((rows[v] == verdict) & (rows[d].abs() >= clear_delta)).all())
                   for v, d in columns)
    contrary = np.ones(len(rows), dtype=bool)
    for v, d in columns:
        contrary &= ((rows[v] == CONTRARY[verdict]) & (rows[d].abs() >= clear_delta)).to_numpy()
    return bool(contrary.any())


def _label(row: pd.Series) -> str:
    return f"w{int(row['width'])}d{int(row['depth'])}"


def trend_checks(table: pd.DataFrame, settings: TrendSettings | None = None, *,
                 width: int | None = None) -> pd.DataFrame:
    """The quick reproduction's claims (paper Sections 4.2.1 and 5.1), one row each, with the
    :class:`TrendSettings` recorded as constant columns after :data:`TREND_COLUMNS`.

    ``width`` (the keyword of old) overrides ``settings.width``.  ``holds`` is None where the
    grid lacks the models a check needs (the row says which).
    """
    settings = settings or TrendSettings()
    if width is not None:
        settings = settings.replace(width=width)
    width, clear_delta = settings.width, settings.clear_delta_aicc
    rows = [
        _compare_widths(table, "rnn", "lstm", width),
        _grows_with_width(table, "rnn", width),
        _grows_with_width(table, "lstm", width),
        _verdicts(table, "transformer", "algebraic", clear_delta),
        _verdicts(table, "rnn", "exponential", clear_delta),
    ]
    return settings.as_columns(pd.DataFrame(rows, columns=TREND_COLUMNS))


def read_tables(paths: list[str]) -> pd.DataFrame:
    """The tables at ``paths`` (fits or curves) stacked into one."""
    if not paths:
        raise ValueError("no model tables given")
    return pd.concat([read_table(p) for p in paths], ignore_index=True)


#: The label of the training data's row in the per-model table.
DATA_LABEL = {"arch": "data", "width": 0, "depth": 0}


def summarize(fits: pd.DataFrame, reference: pd.DataFrame, curves: pd.DataFrame | None = None,
              reference_curve: pd.DataFrame | None = None,
              settings: TrendSettings | None = None,
              refit: LogLagRefit | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The per-model table (every model, then the training data as arch ``"data"``, the row
    every model is compared with) and the trend checks on the models."""
    table = model_table(fits, curves, refit)
    data_curve = reference_curve.assign(**DATA_LABEL) if reference_curve is not None else None
    data = model_table(reference.assign(**DATA_LABEL), data_curve, refit)
    return pd.concat([table, data], ignore_index=True), trend_checks(table, settings)

