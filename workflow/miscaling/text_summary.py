"""The language models' family of the summary path (:mod:`miscaling.summary`): Sections 4.2.2, 5.2.

What text samples add to the shared per-model table: :func:`curve_metrics` (window verdicts of
I(τ) − floor, mid- and long-range MI, the distance to the size-matched reference and that
reference's own verdicts), the training columns of each :class:`~miscaling.trained.TrainedModel`
(:func:`training_table`), GPT-2's row, and :func:`text_trend_checks` (the claims, each decided
by its rule).  Metrics and rules: docs/METHODS.md §4 and §5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from miscaling.io import require_columns
from miscaling.recipes import DEPTH_SWEEP_WIDTHS
from miscaling.seed_spread import FALLBACK, SeedSpread
from miscaling.settings import Settings, integer, number
from miscaling.summary import (
    CLEAR_DELTA_AICC,
    REFIT_COLUMNS,
    SPREAD_COLUMNS,
    TEXT,
    TEXT_KEYS,
    LogLagRefit,
    closer_than_lstm,
    curve_of,
    decide,
    depth_no_gain,
    last,
    model_name,
    model_table,
    summarize,
    xi_of,
)
from miscaling.trained import TrainedModel
from miscaling.verdicts import (
    NOT_MEASURED,
    Estimate,
    Outcome,
    every,
    every_decay,
    not_measured,
    ordered,
    window_decay,
    within_tolerance,
)
from miscaling.window_metrics import data_distance, interval_columns, mid_range_mi

#: The labels of the training data's and of GPT-2's rows in ``text_models.csv``.
TEXT_DATA_LABEL = {"level": "char", "arch": "data", "width": 0, "depth": 0}
GPT2_LABEL = {"level": "bpe", "arch": "gpt2", "width": 0, "depth": 0}
#: How the claims name those rows.
UNTRAINED_NAMES = {"data": "training text", "gpt2": "GPT-2"}


@dataclass(frozen=True)
class TextSettings(Settings):
    """What the text summary measures on the curves and compares.

    The windows of the decay verdicts (:func:`miscaling.verdicts.decay_in_window`):
    ``short_lag_max`` (lags 1..: the word scale, the data's exponential part), ``mid_lag_min``
    …``mid_lag_max`` (the intermediate window, the inset of Figure 2(a); also the mean
    mid-range MI and the distance to the data), ``long_lag_min``…``long_lag_max`` (the long
    range of the algebraic tails) and ``far_lag_max`` (the data's and GPT-2's tail, to τ ~
    1000).  A window with no lag above ``floor_sds`` sd of I − floor has no signal.
    ``char_width`` / ``word_width``: the widths of the depth sweeps (paper: 128 and 512)."""

    ADDED_LATER = {"short_lag_max": 10, "far_lag_max": 1000}

    mid_lag_min: int = integer(10, ge=1)
    mid_lag_max: int = integer(100, ge=2)
    long_lag_min: int = integer(50, ge=1)
    long_lag_max: int = integer(500, ge=2)
    floor_sds: float = number(2.0, ge=0)
    char_width: int = integer(DEPTH_SWEEP_WIDTHS["char"], ge=1)
    word_width: int = integer(DEPTH_SWEEP_WIDTHS["word"], ge=1)
    clear_delta_aicc: float = number(CLEAR_DELTA_AICC, ge=0)
    short_lag_max: int = integer(10, ge=2)
    far_lag_max: int = integer(1000, ge=2)

    def conflicts(self) -> list[str]:
        return [f"{high} must be > {low} ({getattr(self, low)}), got {getattr(self, high)!r}"
                for low, high in (("mid_lag_min", "mid_lag_max"),
                                  ("long_lag_min", "long_lag_max"),
                                  ("long_lag_min", "far_lag_max"))
                if getattr(self, high) <= getattr(self, low)]

    def windows(self) -> dict[str, tuple[int, int]]:
        """Window name -> (first, last lag), as the table's column suffixes."""
        return {"short": (1, self.short_lag_max), "mid": (self.mid_lag_min, self.mid_lag_max),
                "long": (self.long_lag_min, self.long_lag_max),
                "far": (self.long_lag_min, self.far_lag_max)}


def window_verdict(curve: pd.DataFrame, low: float, high: float,
                   floor_sds: float = 2.0) -> dict:
    """Exponential vs algebraic decay of I(τ) − floor on every lag ``low``…``high``
    (:func:`miscaling.verdicts.window_decay`): ``verdict``, ``delta_aicc`` (ΔAIC, > 0:
    algebraic), ``n_points`` (lags in the window), ``n_above`` (lags above ``floor_sds`` sd)."""
    decay = window_decay(curve, low, high, signal_sds=floor_sds)
    return {"verdict": decay.verdict, "delta_aicc": decay.delta_aic, "n_points": decay.n_lags,
            "n_above": decay.n_above}


def curve_metrics(curves: pd.DataFrame, settings: TextSettings, keys=TEXT_KEYS,
                  data: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per model (``keys``): the window verdicts (``verdict_<window>``, ``delta_aicc_*``,
    ``n_points_*``, ``n_above_*`` for the short, mid, long and far windows), the mean
    I(τ) − floor with its interval over the short, mid and long windows (``short_mi``,
    ``mid_mi``, ``long_mi``), and, given ``data`` (one curve, or per model with the same
    ``keys``: the size-matched references), the distance to it over the mid window
    (``data_distance``) and the short one (``short_distance``) and its own ``short_mi``
    (``reference_short_mi``), each with its interval."""
    keys = list(keys)
    require_columns(curves, [*keys, "lag", "mi"], "I(tau) table")
    s, rows = settings, []
    for key, curve in curves.groupby(keys, sort=True):
        row = dict(zip(keys, key))
        for name, (low, high) in s.windows().items():
            verdict = window_verdict(curve, low, high, s.floor_sds)
            row.update({f"{k}_{name}": v for k, v in verdict.items()})
        windows = s.windows()
        for name in ("short", "mid", "long"):
            row.update(interval_columns(f"{name}_mi", mid_range_mi(curve, *windows[name])))
        if data is not None:
            ref = curve_of(data, key, keys) if set(keys) <= set(data) else data
            for name, (low, high) in (("data_distance", windows["mid"]),
                                      ("short_distance", windows["short"])):
                row.update(interval_columns(name, data_distance(curve, ref, low, high)))
            for name in ("short", "mid"):
                row.update(interval_columns(f"reference_{name}_mi",
                                            mid_range_mi(ref, *windows[name])))
        rows.append(row)
    return pd.DataFrame(rows)


#: The columns of a size-matched reference's own window verdicts in ``text_models.csv``.
REFERENCE_VERDICT_COLUMNS = [f"{what}_{window}" for window in ("mid", "long")
                             for what in ("verdict", "delta_aicc", "n_points", "n_above")]


def _reference_verdicts(references: pd.DataFrame, settings: TextSettings) -> pd.DataFrame:
    """The size-matched references' window verdicts, as ``reference_<column>``."""
    metrics = curve_metrics(references, settings)[[*TEXT_KEYS, *REFERENCE_VERDICT_COLUMNS]]
    return metrics.rename(columns={c: f"reference_{c}" for c in REFERENCE_VERDICT_COLUMNS})


def training_table(models: Sequence[TrainedModel]) -> pd.DataFrame:
    """One row per trained model: its keys, the validation loss in nats per symbol of its
    level, as bits per character (char) or perplexity (word), parameters and training time."""
    return pd.DataFrame([
        {"level": m.level, "arch": m.arch, "width": m.width, "depth": m.depth,
         "val_loss_nats": m.val_loss_nats,
         "val_bpc": m.val_loss_nats / np.log(2) if m.level == "char" else np.nan,
         "val_perplexity": float(np.exp(m.val_loss_nats)) if m.level == "word" else np.nan,
         "num_parameters": m.num_parameters, "train_seconds": m.train_seconds,
         "epochs_run": np.nan if m.epochs_run is None else m.epochs_run} for m in models])


def with_training(table: pd.DataFrame, models: Sequence[TrainedModel]) -> pd.DataFrame:
    """``table`` with each model's :func:`training_table` row; a model on one side only is an
    error."""
    merged = table.merge(training_table(models), on=TEXT_KEYS, how="outer", indicator=True)
    unmatched = merged[merged["_merge"] != "both"]
    if len(unmatched):
        sides = {"left_only": "samples without a training run",
                 "right_only": "a training run without samples"}
        listed = "; ".join(f"{sides[row['_merge']]}: {row['level']} {row['arch']} width "
                           f"{row['width']} depth {row['depth']}"
                           for _, row in unmatched.iterrows())
        raise ValueError("the sample tables and the training runs name different models "
                         f"({listed})")
    return merged.drop(columns="_merge")


def summarize_text(fits: pd.DataFrame, reference: pd.DataFrame,
                   curves: pd.DataFrame | None = None,
                   reference_curve: pd.DataFrame | None = None, *,
                   references: pd.DataFrame | None = None,
                   reference_fits: pd.DataFrame | None = None,
                   gpt2_fits: pd.DataFrame | None = None,
                   gpt2_curve: pd.DataFrame | None = None,
                   training: Sequence[TrainedModel] | None = None,
                   settings: TextSettings | None = None,
                   refit: LogLagRefit | None = None,
                   restart_fits: pd.DataFrame | None = None,
                   fallback: SeedSpread = FALLBACK) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``text_models.csv`` (every model, then the training data as arch ``"data"`` and GPT-2 as
    arch ``"gpt2"``) and ``text_trends.csv``.  ``references``: the size-matched references'
    I(tau) (the training data curve stands in where they are not given); ``reference_fits``
    their fits (``reference_xi*``); ``training``: the models' training runs.  ``restart_fits``:
    the fit tables of every restart's samples (labelled ``restart``), whose spread, pooled per
    level, widens the models' ξ; a level without them takes ``fallback``."""
    settings = settings or TextSettings()
    if references is not None:
        require_columns(references, [*TEXT_KEYS, "lag", "mi"], "size-matched I(tau) table")
    references = reference_curve if references is None else references

    def measure(part, part_curves, trained):
        refs = references if trained else None
        if part_curves is not None:
            part = part.merge(curve_metrics(part_curves, settings, data=refs), on=TEXT_KEYS,
                              how="left")
            if refs is not None and set(TEXT_KEYS) <= set(refs):
                part = part.merge(_reference_verdicts(refs, settings), on=TEXT_KEYS,
                                  how="left")
        if trained and reference_fits is not None:
            ref = model_table(reference_fits, keys=TEXT_KEYS)[[*TEXT_KEYS, "xi", "xi_ci_low",
                                                               "xi_ci_high"]]
            part = part.merge(ref.rename(columns=lambda c: c if c in TEXT_KEYS
                                         else f"reference_{c}"), on=TEXT_KEYS, how="left")
        if trained and training:
            part = with_training(part, training)
        if part_curves is not None:  # the settings after the measurements, the spread last
            part = settings.as_columns(last(part, REFIT_COLUMNS))
        return last(part, SPREAD_COLUMNS)

    models = summarize(TEXT, fits, curves, measure=measure, refit=refit,
                       untrained=[(reference, reference_curve, TEXT_DATA_LABEL),
                                  (gpt2_fits, gpt2_curve, GPT2_LABEL)],
                       restart_fits=restart_fits, fallback=fallback)
    return models, text_trend_checks(models, settings)


# --------------------------------------------------------------------------- the claims


def _name(row: pd.Series) -> str:
    return UNTRAINED_NAMES.get(row["arch"]) or model_name(row)


def _pick(table: pd.DataFrame, level: str, arch: str) -> pd.DataFrame:
    return table[(table["level"] == level) & (table["arch"] == arch)]


def _window_claim(rows: pd.DataFrame, window: str, expected: str, s: TextSettings,
                  missing: str, *, no_signal_meets: bool = False) -> Outcome:
    """Every model of ``rows`` decays ``expected``ly in ``window`` (short/mid/long/far); not
    clear where the size-matched training text is not itself clearly algebraic there."""
    if rows.empty:
        return not_measured(missing, "every_decay")
    if f"verdict_{window}" not in rows or rows[f"verdict_{window}"].isna().all():
        return not_measured("the models' I(tau) curves", "every_decay")
    verdicts = [(f"{_name(r)} ({int(r[f'n_points_{window}'])} lags)", r[f"verdict_{window}"],
                 float(r[f"delta_aicc_{window}"])) for _, r in rows.iterrows()]
    resolvable = None
    reference = f"reference_verdict_{window}"
    if reference in rows and rows[reference].notna().any():
        # the training text measured from as many symbols: where even it is not clearly
        # algebraic in the window, a sample set of that size cannot tell the decays apart
        resolvable = bool(((rows[reference] == "algebraic")
                           & (rows[f"reference_delta_aicc_{window}"].abs()
                              >= s.clear_delta_aicc)).all())
    outcome = every_decay(verdicts, expected, clear=s.clear_delta_aicc, resolvable=resolvable,
                          no_signal_meets=no_signal_meets)
    if resolvable is not None:
        refs = "; ".join(
            str(r[reference]) + (f" (dAIC {r[f'reference_delta_aicc_{window}']:+.1f})"
                                 if np.isfinite(r[f"reference_delta_aicc_{window}"]) else "")
            for _, r in rows.iterrows())
        outcome = replace(outcome, evidence=f"{outcome.evidence}; size-matched training "
                                            f"text: {refs}")
    return outcome


def _xi(row: pd.Series, prefix: str = "", name: str | None = None) -> Estimate:
    """A model's ξ (:func:`~miscaling.summary.xi_of`) or, with ``prefix``
    ``reference_``, its size-matched text's (as measured)."""
    if prefix:
        return Estimate.from_row(row, f"{prefix}xi", name or _name(row))
    return xi_of(row, name or _name(row))


def _xi_against_reference(rows: pd.DataFrame, missing: str, rule: str, *,
                          below: bool) -> Outcome:
    """Per model, ξ against its size-matched reference's: clearly below (``below``) or
    within half of it (else), every model."""
    if rows.empty:
        return not_measured(missing, rule)
    if "reference_xi" not in rows or rows["reference_xi"].isna().all():
        return not_measured("the size-matched references' fits", rule)
    outcomes = []
    for _, row in rows.sort_values("width").iterrows():
        model, data = _xi(row), _xi(row, "reference_", "its size-matched text")
        outcomes.append(ordered(model, data, what="xi") if below else
                        within_tolerance(model, data.value, 0.5 * data.value))
    return every(outcomes, rule=rule)


def _distance_pair(closer: pd.Series, farther: pd.Series) -> Outcome:
    return ordered(Estimate.from_row(closer, "data_distance", _name(closer)),
                   Estimate.from_row(farther, "data_distance", _name(farther)),
                   what="distance to the data")


def _depth_claim(table: pd.DataFrame, level: str, width: int) -> Outcome:
    rows = _pick(table, level, "transformer").query("width == @width").sort_values("depth")
    if rows["depth"].nunique() < 2 or rows["depth"].min() != 1:
        return not_measured(f"depth 1 and a deeper {level} Transformer of width {width}",
                            "ordered")
    if "data_distance" not in table:
        return not_measured("the models' I(tau) curves", "ordered")
    return _distance_pair(rows.iloc[-1], rows.iloc[0])


def _gpt2_magnitude(table: pd.DataFrame) -> Outcome:
    gpt2, data = table[table["arch"] == "gpt2"], table[table["arch"] == "data"]
    if gpt2.empty or data.empty:
        return not_measured("GPT-2's samples and the training text", "ordered")
    if "mid_mi" not in table:
        return not_measured("the I(tau) curves", "ordered")
    return ordered(Estimate.from_row(data.iloc[0], "mid_mi", "WikiText-2 training text"),
                   Estimate.from_row(gpt2.iloc[0], "mid_mi", "GPT-2"), what="mean I - floor")


#: How close "captures well" / "tracks" is: I(τ) − floor within this relative distance of
#: the size-matched data's over the window.
CLOSE = 0.25


def _smallest(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[rows["width"] == rows["width"].min()] if len(rows) else rows


def _close(rows: pd.DataFrame, column: str, missing: str) -> Outcome:
    """Every model's distance to its size-matched data within :data:`CLOSE`."""
    if rows.empty:
        return not_measured(missing, "within_tolerance")
    if column not in rows:
        return not_measured("the models' I(tau) curves beside their size-matched text",
                            "within_tolerance")
    return every([within_tolerance(Estimate.from_row(r, column, f"{_name(r)} distance"),
                                   0.0, CLOSE) for _, r in rows.iterrows()],
                 rule="within_tolerance")


def _above_reference(rows: pd.DataFrame, missing: str) -> Outcome:
    """Every model's short-range I(τ) − floor above its size-matched data's."""
    if rows.empty:
        return not_measured(missing, "ordered")
    if "short_mi" not in rows or "reference_short_mi" not in rows:
        return not_measured("the models' I(tau) curves beside their size-matched text",
                            "ordered")
    return every([ordered(Estimate.from_row(r, "reference_short_mi", "size-matched text"),
                          Estimate.from_row(r, "short_mi", _name(r)),
                          what=f"{_name(r)}: mean I - floor, lags 1..10")
                  for _, r in rows.iterrows()], rule="ordered")


def _overestimate(rows: pd.DataFrame, factor: float, tolerance: float,
                  missing: str) -> Outcome:
    """Every model's mean mid-range I(τ) − floor is ``factor`` ± ``tolerance`` times its
    size-matched text's (the interval: the model's, the text's value taken as exact)."""
    if rows.empty:
        return not_measured(missing, "within_tolerance")
    if "reference_mid_mi" not in rows:
        return not_measured("the models' I(tau) curves beside their size-matched text",
                            "within_tolerance")
    outcomes = []
    for _, r in rows.iterrows():
        scale = float(r["reference_mid_mi"])
        ratio = Estimate(*(float(r[c]) / scale if scale > 0 else np.nan
                           for c in ("mid_mi", "mid_mi_ci_low", "mid_mi_ci_high")),
                         f"{_name(r)}: its mid-range MI / the size-matched text's")
        outcomes.append(within_tolerance(ratio, factor, tolerance))
    return every(outcomes, rule="within_tolerance")


def _under_capture(rows: pd.DataFrame) -> Outcome:
    """Every depth-1 char Transformer: less short-range MI than its size-matched text, and a
    longer ξ than the text's (the 'spurious long correlation length' of Figure 10(a))."""
    if rows.empty:
        return not_measured("a depth-1 char Transformer", "ordered")
    if "reference_short_mi" not in rows or "reference_xi" not in rows:
        return not_measured("the models' I(tau) curves and fits beside their size-matched "
                            "text", "ordered")
    parts = []
    for _, r in rows.iterrows():
        parts.append(ordered(Estimate.from_row(r, "short_mi", _name(r)),
                             Estimate.from_row(r, "reference_short_mi", "size-matched text"),
                             what="mean I - floor, lags 1..10"))
        parts.append(ordered(_xi(r, "reference_", "size-matched text"), _xi(r), what="xi"))
    return every(parts, rule="ordered")


def _lstm_depth(table: pd.DataFrame, s: TextSettings) -> Outcome:
    """At each level's depth-sweep width, the deepest LSTM gains at most 25% of ξ on depth 1."""
    sweeps = [depth_no_gain(_pick(table, level, "lstm").query("width == @width"), 1)
              for level, width in (("char", s.char_width), ("word", s.word_width))]
    return every([o for o in sweeps if o.status != NOT_MEASURED], rule="no_gain",
                 missing="an LSTM of a depth-sweep width at depth 1 and deeper")


def _long_range_constant(rows: pd.DataFrame, s: TextSettings) -> Outcome:
    """Every LSTM's mean I(τ) − floor over the long window is above zero."""
    if rows.empty:
        return not_measured("an LSTM", "ordered")
    if "long_mi" not in rows:
        return not_measured("the models' I(tau) curves", "ordered")
    zero = Estimate(0.0, 0.0, 0.0, "zero")
    return every([ordered(zero, Estimate.from_row(r, "long_mi", _name(r)),
                          what=f"mean I - floor, lags {s.long_lag_min}..{s.long_lag_max}")
                  for _, r in rows.iterrows()], rule="ordered")


def text_trend_checks(table: pd.DataFrame, settings: TextSettings | None = None) -> pd.DataFrame:
    """The language models' claims (:func:`miscaling.paper_claims.claims_of` ``text_trends``)
    that this version decides, one row each (:data:`~miscaling.summary.TREND_COLUMNS`),
    with the :class:`TextSettings` as constant columns."""
    s = settings or TextSettings()
    require_columns(table, [*TEXT_KEYS, "xi", "xi_ci_low", "xi_ci_high"], "text model table")
    data = table[table["arch"] == "data"]
    char_lstm1 = _pick(table, "char", "lstm").query("depth == 1")
    word_lstm1 = _pick(table, "word", "lstm").query("depth == 1")
    word_t = _pick(table, "word", "transformer")
    outcomes = {
        "wikitext2_short_range_exponential": _window_claim(
            data, "short", "exponential", s, "the training text's I(tau)"),
        "wikitext2_long_range_power_03": _window_claim(
            data, "far", "algebraic", s, "the training text's I(tau)"),
        "char_lstm_samples_exponential_mid": _window_claim(
            _pick(table, "char", "lstm"), "mid", "exponential", s, "a char LSTM"),
        "char_lstm_no_long_range_power_law": _window_claim(
            _pick(table, "char", "lstm"), "long", "exponential", s, "a char LSTM",
            no_signal_meets=True),
        "char_lstm_xi_below_data_below_2048": _xi_against_reference(
            char_lstm1[char_lstm1["width"] < 2048], "a depth-1 char LSTM narrower than 2048",
            "ordered", below=True),
        "word_lstm_captures_intermediate": _xi_against_reference(
            word_lstm1, "a depth-1 word LSTM", "within_tolerance", below=False),
        "char_transformer_captures_mid_range": closer_than_lstm(
            table[table["level"] == "char"], "a width with both a depth-1 char Transformer and "
            "LSTM", "the models' I(tau) curves", _name),
        "deeper_char_transformers_closer_to_data": _depth_claim(table, "char", s.char_width),
        "deeper_word_transformers_closer_to_data": _depth_claim(table, "word", s.word_width),
        "char_transformer_512_algebraic_tail": _window_claim(
            _pick(table, "char", "transformer").query("width == 512 and depth == 1"), "long",
            "algebraic", s, "the char Transformer 512 x 1"),
        "word_transformer_deep_tail_to_500": _window_claim(
            word_t[word_t["depth"].isin([3, 5])], "long", "algebraic", s,
            "word Transformers of depth 3 and 5"),
        "gpt2_samples_algebraic": _window_claim(
            table[table["arch"] == "gpt2"], "far", "algebraic", s, "GPT-2's samples"),
        "gpt2_mi_larger_than_wikitext2": _gpt2_magnitude(table),
        "lstm_mi_decays_to_constant": _long_range_constant(table[table["arch"] == "lstm"], s),
        "lstm_depth_no_gain_text": _lstm_depth(table, s),
        "word_lstm_2048_overestimates": _overestimate(
            word_lstm1[word_lstm1["width"] == 2048], 2.0, 0.5, "the word LSTM 2048 x 1"),
        "char_lstm_short_range_fine_m32": _close(
            char_lstm1[char_lstm1["width"] >= 32], "short_distance",
            "a depth-1 char LSTM of width >= 32"),
        "char_lstm_wide_overestimate_short_range": _above_reference(
            char_lstm1[char_lstm1["width"] >= 1024], "a char LSTM of width 1024 or 2048"),
        "small_word_transformers_track_data": _close(
            _smallest(word_t.query("depth == 1")), "data_distance",
            "a depth-1 word Transformer"),
        "shallow_char_transformers_under_capture_short_range": _under_capture(
            _pick(table, "char", "transformer").query("depth == 1")),
    }
    return decide("text_trends", outcomes, table, s)
