"""One summary path for every family of trained models: binary, character and word level.

:func:`summarize` makes a :class:`Family`'s per-model table: :func:`model_table` (ξ, γ, the
decay verdicts, the :class:`LogLagRefit` on log-spaced lags, lags above each floor), each
model's seed spread (:func:`with_seed_spreads`), the family's own columns and its untrained rows
(training data, GPT-2).  :func:`decide` turns a family's outcomes into its trends table.  The
families: :mod:`miscaling.model_summary` (binary), :mod:`miscaling.text_summary` (char, word).
Fits, rules and the seed spread: docs/METHODS.md §3, §5 and §6.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from miscaling.fit import FitConfig, decay_verdict, fit_decay
from miscaling.io import read_table, require_columns, stack_tables
from miscaling.mi.sizes import sample_size
from miscaling.paper_claims import claim, claims_of
from miscaling.seed_spread import FALLBACK, SeedSpread, pooled_models, pooled_spread, restart_xi
from miscaling.settings import Settings, choice, integer
from miscaling.verdicts import (
    NOT_MEASURED,
    Estimate,
    Outcome,
    every,
    no_gain,
    not_measured,
    ordered,
    window_decay,
    with_seed_spread,
)

#: The label columns that name a binary model, and a text model (``level``: char or word).
MODEL_KEYS = ["arch", "width", "depth"]
TEXT_KEYS = ["level", "arch", "width", "depth"]
ARCH_TITLES = {"rnn": "vanilla RNN", "lstm": "LSTM", "transformer": "Transformer", "ssm": "SSM"}
LEVEL_TITLES = {"char": "character-level", "word": "word-level"}
#: |AICc(exponential) - AICc(power)| from which a verdict counts as clear.
CLEAR_DELTA_AICC = 10.0
#: A lag beats a floor where its estimate exceeds the floor's mean by this many of the
#: floor's standard deviations (the pipeline's ``fit.floor_sds`` default).
FLOOR_SDS = 2.0
#: Log-spaced lags requested over each fitted window (fewer remain where rounding repeats one).
LOG_LAGS = 60
#: A trends table: one row per claim decided (:mod:`miscaling.paper_claims`), its outcome.
TREND_COLUMNS = ["claim", "status", "lean", "value", "ci_low", "ci_high", "evidence", "settle",
                 "rule"]
#: The rows of the model tables that no training seed of this run made.
UNTRAINED = ("data", "gpt2")
#: The columns that record which seed spread widened a trained model's ξ.
SPREAD_COLUMNS = list(FALLBACK.as_columns())


@dataclass(frozen=True)
class Family:
    """The models one summary serves: the label columns that name one (``keys``) and the
    column whose values split them into groups that pool their own seed spread
    (``pooled_by``; None: the whole family pools one)."""

    name: str
    keys: tuple[str, ...]
    pooled_by: str | None = None

    def source(self, group: str | None = None) -> str:
        """Whose restarts a pooled spread was measured on (``xi_seed_sd_source``)."""
        return f"this run's {group}-level models" if group else f"this run's {self.name} models"


BINARY = Family("binary", tuple(MODEL_KEYS))
TEXT = Family("text", tuple(TEXT_KEYS), pooled_by="level")


@dataclass(frozen=True)
class LogLagRefit(Settings):
    """The exponential-vs-power refit on log-spaced lags: ``lags`` log-spaced lags requested
    over each model's fitted window, points chosen by ``selection`` (see
    :func:`miscaling.fit.fit_decay`) above the fit's own ``min_mi``.  Table columns
    ``log_lags_requested`` and ``log_lags_selection``."""

    COLUMN_NAMES = {"lags": "log_lags_requested", "selection": "log_lags_selection"}

    lags: int = integer(LOG_LAGS, ge=2)
    selection: str = choice("all", ("all", "contiguous"))


REFIT_COLUMNS = list(LogLagRefit.column_names().values())


# --------------------------------------------------------------------------- tables


def read_tables(paths: list[str]) -> pd.DataFrame:
    """The tables at ``paths`` (fits or curves) stacked into one."""
    return stack_tables([read_table(p) for p in paths])


def last(table: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """``table`` with those of ``columns`` it has moved to the end, in that order."""
    moved = [c for c in columns if c in table]
    return table[[c for c in table if c not in moved] + moved]


def curve_of(curves: pd.DataFrame, key: tuple, keys=MODEL_KEYS) -> pd.DataFrame:
    """The I(τ) rows of the model whose ``keys`` are ``key``."""
    pick = curves
    for column, value in zip(keys, key):
        pick = pick[pick[column] == value]
    if pick.empty:
        raise ValueError(f"no I(tau) curve for the model {dict(zip(keys, key))}")
    return pick


def model_kind(row: pd.Series) -> str:
    """'lstm', or 'char lstm' for a text model's row."""
    level = f"{row['level']} " if isinstance(row.get("level"), str) else ""
    return f"{level}{row['arch']}"


def model_name(row: pd.Series) -> str:
    """'lstm w8d1', or 'char lstm w8d1' for a text model's row."""
    return f"{model_kind(row)} w{int(row['width'])}d{int(row['depth'])}"


def model_table(fits: pd.DataFrame, curves: pd.DataFrame | None = None,
                refit: LogLagRefit | None = None, *, keys=MODEL_KEYS) -> pd.DataFrame:
    """One row per model (``keys``): ξ (exponential fit) and γ (power law) with their CIs and
    the AICc verdict.  Given the models' I(τ) ``curves``, also the verdict on log-spaced lags
    (``*_log_lags``, made with ``refit``, recorded as its columns), the window rule's verdicts,
    the lags above each floor (:func:`floor_counts`) and the curve's sample size."""
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
            curve = curve_of(curves, key, keys)
            row.update(_log_lag_verdict(group, curve, refit))
            # the window rule on every lag (weighing the tail, where most lags lie) and on
            # log-spaced lags (weighing every scale alike): a verdict on both is robust
            end = float(curve["lag"].max())
            decay = window_decay(curve, 1, end)
            logs = window_decay(curve[curve["lag"].isin(log_spaced(end, refit.lags))], 1, end)
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


def log_spaced(end: float, count: int) -> np.ndarray:
    """``count`` log-spaced lags from 1 to ``end``, rounded (fewer where rounding repeats)."""
    return np.unique(np.geomspace(1, end, count).round())


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
                      ("exponential", "power"), config=FitConfig(
                          min_mi=float(first["min_mi"]), selection=refit.selection,
                          too_few="nan", floor_sds=floor.get("floor_sds")),
                      baseline=floor.get("baseline"), baseline_sd=floor.get("baseline_sd"))
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


#: A family's own columns of a part of its table: (part, the part's curves, trained?) -> part.
Measure = Callable[[pd.DataFrame, pd.DataFrame | None, bool], pd.DataFrame]


def summarize(family: Family, fits: pd.DataFrame, curves: pd.DataFrame | None = None, *,
              untrained: Iterable[tuple] = (), measure: Measure | None = None,
              refit: LogLagRefit | None = None, restart_fits: pd.DataFrame | None = None,
              fallback: SeedSpread = FALLBACK) -> pd.DataFrame:
    """``family``'s per-model table: every trained model (:func:`model_table` of ``fits`` and
    ``curves``, its seed spread from ``restart_fits``, ``measure``'s columns), then a row for
    each ``untrained`` (fits, curve, label): the training data, GPT-2 (a curve only with
    ``curves``)."""
    keys, measure = list(family.keys), measure or (lambda part, _curves, _trained: part)
    table = with_seed_spreads(model_table(fits, curves, refit, keys=keys), family,
                              restart_fits, fallback)
    parts = [measure(table, curves, True)]
    for part_fits, part_curve, label in untrained:
        if part_fits is None:
            continue
        curve = None if part_curve is None or curves is None else part_curve.assign(**label)
        parts.append(measure(model_table(part_fits.assign(**label), curve, refit, keys=keys),
                             curve, False))
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- the seed spread


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


def with_spread(table: pd.DataFrame, spread: SeedSpread, keys=None,
                measured_models: set | None = None) -> pd.DataFrame:
    """``table`` with the columns that record the seed spread of its trained rows: ``spread``
    for the models in ``measured_models`` (tuples of their ``keys``: those whose restarts
    gave it; None: every model), its stand-in for the others (one restart sampled)."""
    rows = []
    for _, row in table.iterrows():
        if row["arch"] in UNTRAINED:
            rows.append({})
            continue
        own = measured_models is None or tuple(str(row[k]) for k in keys) in measured_models
        chosen = spread if own or not spread.measured else \
            spread.standing_in("one restart sampled")
        rows.append(chosen.as_columns())
    out = table.copy()
    columns = pd.DataFrame(rows, index=table.index, columns=SPREAD_COLUMNS)
    for column in columns:
        out[column] = columns[column]
    return out


def with_seed_spreads(table: pd.DataFrame, family: Family, restart_fits: pd.DataFrame | None,
                      fallback: SeedSpread = FALLBACK) -> pd.DataFrame:
    """``table`` with each trained model's seed spread, pooled per group of ``family`` from
    its ``restart_fits``; a group without two restarts of a model takes ``fallback``."""
    by = family.pooled_by
    groups = [(None, table)] if by is None else list(table.groupby(by, sort=False))
    parts = []
    for group, part in groups:
        fits = restart_fits if restart_fits is None or by is None else \
            restart_fits[restart_fits[by] == group]
        spread, measured = measured_spread(fits, family.keys, family.source(group), fallback)
        parts.append(with_spread(part, spread, family.keys, measured))
    return pd.concat(parts, ignore_index=True) if parts else table


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


def xi_of(row: pd.Series, name: str | None = None) -> Estimate:
    """A row's ξ with its interval, named after the model; a trained model's interval widened
    by the spread between training seeds its row records (:func:`with_seed_spread`,
    :class:`~miscaling.seed_spread.SeedSpread`), the data's and GPT-2's (no seed of ours) not."""
    estimate = Estimate.from_row(row, "xi", name or model_name(row))
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
    kinds = [model_kind(row) for _, row in trained.iterrows()]
    groups: dict[SeedSpread, list[str]] = {}
    for kind in dict.fromkeys(kinds):  # a kind (level and arch) whose models share a spread
        members = [i for i, k in enumerate(kinds) if k == kind]
        if len({spreads[i] for i in members}) == 1:
            groups.setdefault(spreads[members[0]], []).append(f"every {kind}")
        else:
            for i in members:
                groups.setdefault(spreads[i], []).append(model_name(trained.iloc[i]))
    ordered_groups = sorted(groups.items(), key=lambda g: (not g[0].measured, g[0].relative_sd))
    return "; ".join(f"{', '.join(names)}: {spread.note()}" for spread, names in ordered_groups)


# --------------------------------------------------------------------------- the claims


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


def decide(group: str, outcomes: dict[str, Outcome], table: pd.DataFrame,
           settings: Settings) -> pd.DataFrame:
    """The trends table (:data:`TREND_COLUMNS`) of the claims of ``group`` that ``outcomes``
    decides, in the registry's order, with the seed note of ``table``'s models and the
    ``settings`` as constant columns."""
    note = seed_note(table)
    rows = [outcome_row(c.id, outcomes[c.id], note) for c in claims_of(group)
            if c.id in outcomes]
    return settings.as_columns(pd.DataFrame(rows, columns=TREND_COLUMNS))


def depth_no_gain(rows: pd.DataFrame, base_depth: int, name=model_name) -> Outcome:
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


def closer_than_lstm(rows: pd.DataFrame, missing: str, no_curves: str,
                     name: Callable[[pd.Series], str]) -> Outcome:
    """At every width of ``rows`` with a depth-1 Transformer and LSTM, the Transformer's
    I(τ) − floor closer to the data's than the LSTM's."""
    t, lstm = (rows[(rows["arch"] == a) & (rows["depth"] == 1)] for a in ("transformer", "lstm"))
    widths = sorted(set(t["width"]) & set(lstm["width"]))
    if not widths:
        return not_measured(missing, "ordered")
    if "data_distance" not in rows:
        return not_measured(no_curves, "ordered")
    return every([ordered(*(Estimate.from_row(r, "data_distance", name(r)) for r in
                            (t[t["width"] == w].iloc[0], lstm[lstm["width"] == w].iloc[0])),
                          what="distance to the data") for w in widths], rule="ordered")
