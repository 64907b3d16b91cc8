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
* :func:`trend_checks`: the binary models' claims of the registry
  (:func:`miscaling.paper_claims.claims_of` ``binary_trends``), each decided by its rule of
  :mod:`miscaling.verdicts` (the decays by the window rule on every lag of each model's curve,
  ``verdict_window``), one row per claim with its status, lean and evidence.

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
from miscaling.paper_claims import claim, claims_of
from miscaling.seed_spread import (
    FALLBACK,
    SeedSpread,
    pooled_models,
    pooled_spread,
    restart_xi,
)
from miscaling.settings import Settings, check_choice, check_int, problems_error
from miscaling.verdicts import (
    MIXED,
    NOT_MEASURED,
    Estimate,
    Outcome,
    every,
    every_decay,
    grows,
    no_gain,
    not_measured,
    ordered,
    window_decay,
    with_seed_spread,
    within_tolerance,
)

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
#: A trends table: one row per claim decided (:mod:`miscaling.paper_claims`), its outcome.
TREND_COLUMNS = ["claim", "status", "lean", "value", "ci_low", "ci_high", "evidence", "settle",
                 "rule"]


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
            # the window rule on every lag (weighing the tail, where most lags lie) and on
            # log-spaced lags (weighing every scale alike): a verdict on both is robust
            last = float(curve["lag"].max())
            decay = window_decay(curve, 1, last)
            logs = window_decay(curve[curve["lag"].isin(log_spaced(last, refit.lags))], 1, last)
            # an exponential fit to an algebraic decay measures no correlation length
            row.update(verdict_window=decay.verdict, delta_aic_window=decay.delta_aic,
                       n_above_window=decay.n_above, verdict_window_log=logs.verdict,
                       delta_aic_window_log=logs.delta_aic,
                       xi_is_correlation_length=decay.verdict != "algebraic")
            row.update(floor_counts(curve))
            size = sample_size(curve)  # what the curve rests on, from its pair counts
            row["n_sequences"], row["n_symbols"] = size if size else (np.nan, np.nan)
        rows.append(row)
    table = pd.DataFrame(rows)
    return table if curves is None else refit.as_columns(table)


def log_spaced(last: float, count: int) -> np.ndarray:
    """``count`` log-spaced lags from 1 to ``last``, rounded (fewer where rounding repeats)."""
    return np.unique(np.geomspace(1, last, count).round())


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


def _model(table: pd.DataFrame, arch: str, width: int, depth: int = 1) -> pd.Series | None:
    pick = table[(table["arch"] == arch) & (table["width"] == width) & (table["depth"] == depth)]
    return pick.iloc[0] if len(pick) else None


def _label(row: pd.Series) -> str:
    return f"{row['arch']} w{int(row['width'])}d{int(row['depth'])}"


def xi_of(row: pd.Series, name: str | None = None) -> Estimate:
    """A row's ξ with its interval, named after the model; a trained model's interval widened
    by the spread between training seeds its row records (:func:`with_seed_spread`,
    :class:`~miscaling.seed_spread.SeedSpread`), the data's and GPT-2's (no seed of ours) not."""
    estimate = Estimate.from_row(row, "xi", name or _label(row))
    if row.get("arch") in UNTRAINED:
        return estimate
    return with_seed_spread(estimate, SeedSpread.from_row(row).relative_sd)


def seed_note(table: pd.DataFrame) -> str:
    """What the claims on ``table``'s trained models say about the seed spread behind their
    ξ intervals: one note, or one per spread naming the models it widened."""
    trained = table[~table["arch"].isin(UNTRAINED)] if "arch" in table else table
    spreads = [SeedSpread.from_row(row) for _, row in trained.iterrows()]
    if len(set(spreads)) <= 1:
        return (spreads[0] if spreads else FALLBACK).note()
    kinds = [_kind(row) for _, row in trained.iterrows()]
    groups: dict[SeedSpread, list[str]] = {}
    for kind in dict.fromkeys(kinds):  # a kind (level and arch) whose models share a spread
        members = [i for i, k in enumerate(kinds) if k == kind]
        if len({spreads[i] for i in members}) == 1:
            groups.setdefault(spreads[members[0]], []).append(f"every {kind}")
        else:
            for i in members:
                groups.setdefault(spreads[i], []).append(_model_name(trained.iloc[i]))
    ordered_groups = sorted(groups.items(), key=lambda g: (not g[0].measured, g[0].relative_sd))
    return "; ".join(f"{', '.join(names)}: {spread.note()}" for spread, names in ordered_groups)


def _level(row: pd.Series) -> str:
    """'char ' / 'word ' for a text model's row, '' for a binary one."""
    return f"{row['level']} " if isinstance(row.get("level"), str) else ""


def _kind(row: pd.Series) -> str:
    return f"{_level(row)}{row['arch']}"


def _model_name(row: pd.Series) -> str:
    return f"{_level(row)}{_label(row)}"


def with_spread(table: pd.DataFrame, spread: SeedSpread, keys=None,
                measured_models: set | None = None) -> pd.DataFrame:
    """``table`` with the columns that record the seed spread of its trained rows: ``spread``
    for the models in ``measured_models`` (tuples of their ``keys``: those whose restarts
    gave it; None: every model), its stand-in for the others (one restart sampled)."""
    out = table.copy()
    rows = []
    for _, row in table.iterrows():
        if row["arch"] in UNTRAINED:
            rows.append({})
            continue
        own = measured_models is None or _key(row, keys) in measured_models
        chosen = spread if own or not spread.measured else \
            spread.standing_in("one restart sampled")
        rows.append(chosen.as_columns())
    columns = pd.DataFrame(rows, index=table.index, columns=list(FALLBACK.as_columns()))
    for column in columns:
        out[column] = columns[column]
    return out


def _key(row, keys) -> tuple[str, ...]:
    return tuple(str(row[k]) for k in keys)


def stand_in_spread(binary_models: pd.DataFrame | None) -> SeedSpread:
    """The spread that stands in for models whose restarts were not measured: the one a
    binary model table measured in this run, else :data:`~miscaling.seed_spread.FALLBACK`."""
    if binary_models is None or "xi_seed_sd" not in binary_models:
        return FALLBACK
    for _, row in binary_models.iterrows():
        spread = SeedSpread.from_row(row)
        if spread.measured:
            return spread.standing_in()
    return FALLBACK


def measured_spread(restart_fits: pd.DataFrame | None, keys, source: str,
                    fallback: SeedSpread = FALLBACK) -> tuple[SeedSpread, set]:
    """The pooled seed spread of the restarts' fits (:mod:`miscaling.seed_spread`) and the
    models it was measured on (tuples of their ``keys``, as text); ``fallback`` and no model
    where none has two restarts measured."""
    if restart_fits is None or restart_fits.empty:
        return fallback, set()
    restarts = restart_xi(restart_fits, list(keys))
    pooled = pooled_spread(restarts, list(keys), source)
    if pooled is None:
        return fallback.standing_in("no model's restarts gave two fitted xi"), set()
    return pooled, set(pooled_models(restarts, list(keys)))


#: The rows of the model tables that no training seed of this run made.
UNTRAINED = ("data", "gpt2")


def outcome_row(claim_id: str, outcome: Outcome, note: str = "") -> dict:
    """One row of a trends table: the registered claim and what its rule decided; a claim
    between models carries ``note`` (:func:`seed_note`)."""
    registered = claim(claim_id)
    if outcome.rule and registered.rule and outcome.rule != registered.rule:
        raise ValueError(f"claim {claim_id!r} is registered with rule {registered.rule!r}, "
                         f"decided with {outcome.rule!r}")
    row = {"claim": claim_id, **outcome.as_dict(), "rule": registered.rule}
    if registered.seed_spread_matters and outcome.status != NOT_MEASURED and note:
        row["evidence"] = f"{row['evidence']} ({note})"
    return row


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
            out.append((_label(row), pairs[0][0], delta))
        else:
            out.append((_label(row) + " (" + ", ".join(f"{v} {d:+.1f}" for v, d in pairs)
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


def depth_no_gain(rows: pd.DataFrame, base_depth: int, name=_label) -> Outcome:
    """At every width of ``rows`` with depth ``base_depth`` and a deeper model, the deepest
    model's ξ gains at most 25% on the ``base_depth`` one's (:func:`no_gain`)."""
    outcomes = []
    for _, group in rows.groupby("width"):
        base = group[group["depth"] == base_depth]
        deeper = group[group["depth"] > base_depth].sort_values("depth")
        if len(base) and len(deeper):
            outcomes.append(no_gain(xi_of(base.iloc[0], name(base.iloc[0])),
                                    xi_of(deeper.iloc[-1], name(deeper.iloc[-1]))))
    return every(outcomes, rule="no_gain",
                 missing=f"a width with depth {base_depth} and a deeper model")


def _short_range(data: pd.Series | None, model: pd.Series | None) -> Outcome:
    """The model's mean short-range I(τ) − floor above the data's."""
    if data is None or model is None:
        return not_measured("the RNN 8 x 2 and the training data", "ordered")
    if "short_mi" not in model or "short_mi" not in data:
        return not_measured("the I(tau) curves of the models and the data", "ordered")
    return ordered(Estimate.from_row(data, "short_mi", "training data"),
                   Estimate.from_row(model, "short_mi", _label(model)),
                   what=f"mean I - floor, lags {SHORT_LAGS[0]}..{SHORT_LAGS[1]}")


def _closer_than_lstm(table: pd.DataFrame) -> Outcome:
    """At every width with a depth-1 Transformer and LSTM, the Transformer's I(τ) closer to
    the data's than the LSTM's."""
    t, lstm = (table[(table["arch"] == a) & (table["depth"] == 1)]
               for a in ("transformer", "lstm"))
    widths = sorted(set(t["width"]) & set(lstm["width"]))
    if not widths:
        return not_measured("a width with both a depth-1 Transformer and LSTM", "ordered")
    if "data_distance" not in table:
        return not_measured("the I(tau) curves of the models and the data", "ordered")
    return every([ordered(Estimate.from_row(t[t["width"] == w].iloc[0], "data_distance",
                                            f"transformer w{w}"),
                          Estimate.from_row(lstm[lstm["width"] == w].iloc[0], "data_distance",
                                            f"lstm w{w}"), what="distance to the data")
                  for w in widths], rule="ordered")


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
    transformers = table[table["arch"] == "transformer"]
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
        "transformer_mi_matches_data": _closer_than_lstm(table),
    }
    note = seed_note(table)
    rows = [outcome_row(c.id, outcomes[c.id], note) for c in claims_of("binary_trends")
            if c.id in outcomes]
    return s.as_columns(pd.DataFrame(rows, columns=TREND_COLUMNS))


def read_tables(paths: list[str]) -> pd.DataFrame:
    """The tables at ``paths`` (fits or curves) stacked into one."""
    if not paths:
        raise ValueError("no model tables given")
    return pd.concat([read_table(p) for p in paths], ignore_index=True)


#: The label of the training data's row in the per-model table.
DATA_LABEL = {"arch": "data", "width": 0, "depth": 0}


#: The short range of the binary data (the paper's "short-range correlation", τ ≲ 10).
SHORT_LAGS = (1, 10)


def compare_with_data(table: pd.DataFrame, curves: pd.DataFrame, data_curve: pd.DataFrame,
                      keys=MODEL_KEYS) -> pd.DataFrame:
    """``table`` with, per model and for the data row, the mean short-range I(τ) − floor
    (``short_mi`` with its interval, lags :data:`SHORT_LAGS`) and, per model, the distance of
    its I(τ) − floor to the data's over every lag both have (``data_distance``)."""
    from miscaling.window_metrics import data_distance, interval_columns, mid_range_mi

    rows = []
    for _, row in table.iterrows():
        key = tuple(row[k] for k in keys)
        is_data = row["arch"] == "data"
        curve = data_curve if is_data else _curve(curves, key, keys)
        short = mid_range_mi(curve, *SHORT_LAGS)
        distance = (np.nan,) * 3 if is_data else \
            data_distance(curve, data_curve, 1, float(curve["lag"].max()))
        rows.append({**dict(zip(keys, key)), **interval_columns("short_mi", short),
                     **interval_columns("data_distance", distance)})
    merged = table.merge(pd.DataFrame(rows), on=keys, how="left")
    recorded = [c for c in LogLagRefit.column_names().values() if c in merged]  # settings last
    return merged[[c for c in merged if c not in recorded] + recorded]


def summarize(fits: pd.DataFrame, reference: pd.DataFrame, curves: pd.DataFrame | None = None,
              reference_curve: pd.DataFrame | None = None,
              settings: TrendSettings | None = None,
              refit: LogLagRefit | None = None,
              restart_fits: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The per-model table (every model, then the training data as arch ``"data"``, the row
    every model is compared with) and the trend checks on the models.  ``restart_fits``: the
    fit tables of every restart's samples (labelled ``restart``), whose pooled spread widens
    the models' ξ (else :data:`~miscaling.seed_spread.FALLBACK`)."""
    spread, measured = measured_spread(restart_fits, MODEL_KEYS, "this run's binary models")
    table = with_spread(model_table(fits, curves, refit), spread, MODEL_KEYS, measured)
    data_curve = reference_curve.assign(**DATA_LABEL) if reference_curve is not None else None
    data = model_table(reference.assign(**DATA_LABEL), data_curve, refit)
    if curves is not None and reference_curve is not None:
        table = compare_with_data(table, curves, reference_curve)
        data = compare_with_data(data, curves, reference_curve)
    return (pd.concat([table, data], ignore_index=True),
            trend_checks(table, settings, data=data.iloc[0]))

