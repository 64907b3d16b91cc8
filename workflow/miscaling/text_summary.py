"""The language models' per-model table and the paper's claims about them (Sections 4.2.2, 5.2).

The same path as the binary models' (:func:`miscaling.model_summary.model_table`, keyed by
:data:`~miscaling.model_summary.TEXT_KEYS`: level, arch, width, depth), with what only text
samples need, since a 2 MB sample's shuffle floor (~1e-3 nats) is comparable to the data's
long-range signal:

* :func:`curve_metrics`: AICc verdicts on a window of lags of I(τ) minus the sample set's own
  floor (the intermediate window, the inset of Figure 2(a); the long range, the algebraic
  tail), the mean mid-range MI and the distance to the size-matched data reference; the same
  verdicts of the size-matched reference itself (``reference_verdict_*``): what the training
  text shows when it is measured from as many characters as the samples, which is the most a
  sample set of that size can show;
* :func:`training_row`: validation loss as bits per character (char) or perplexity (word),
  parameters, training time, from the selected run's ``result.json``;
* :func:`text_trend_checks`: the claims, each expected / measured / holds / clear; a claim
  whose models are missing is "not measured" (``holds`` empty), never held.

``miscaling text-model-summary`` writes ``text_models.csv`` and ``text_trends.csv``, each with
the :class:`TextSettings` (and, for the models, :class:`~miscaling.model_summary.LogLagRefit`)
as constant columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from miscaling.fit import decay_verdict, fit_decay
from miscaling.io import require_columns
from miscaling.model_summary import (
    CLEAR_DELTA_AICC,
    LEVEL_TITLES,
    TEXT_KEYS,
    TREND_COLUMNS,
    LogLagRefit,
    _absent,
    _curve,
    _disjoint,
    _grows_with_width,
    _row,
    model_table,
    verdicts_clear,
)
from miscaling.settings import Settings, check_int, problems_error

#: The labels of the training data's and of GPT-2's rows in ``text_models.csv``.
TEXT_DATA_LABEL = {"level": "char", "arch": "data", "width": 0, "depth": 0}
GPT2_LABEL = {"level": "bpe", "arch": "gpt2", "width": 0, "depth": 0}


@dataclass(frozen=True)
class TextSettings(Settings):
    """What the text summary measures on the curves and compares.

    ``mid_lag_min``…``mid_lag_max``: the intermediate window (the paper's sentence scale, the
    inset of Figure 2(a)) of the exponential-decay verdict, the mean mid-range MI and the
    distance to the data; ``long_lag_min``…``long_lag_max``: the long range of the algebraic-
    tail verdicts (the paper's τ ≲ context).  A window verdict fits I(τ) − floor on the lags
    where it exceeds ``floor_sds`` shuffle-floor standard deviations.  ``char_width`` /
    ``word_width``: the widths of the depth sweeps (paper: 128 and 512); ``clear_delta_aicc``
    as in :class:`TrendSettings`."""

    mid_lag_min: int = 10
    mid_lag_max: int = 100
    long_lag_min: int = 50
    long_lag_max: int = 500
    floor_sds: float = 2.0
    char_width: int = 128
    word_width: int = 512
    clear_delta_aicc: float = CLEAR_DELTA_AICC

    def __post_init__(self) -> None:
        problems = [*check_int("mid_lag_min", self.mid_lag_min, 1),
                    *check_int("long_lag_min", self.long_lag_min, 1),
                    *check_int("char_width", self.char_width, 1),
                    *check_int("word_width", self.word_width, 1)]
        for low, high in (("mid_lag_min", "mid_lag_max"), ("long_lag_min", "long_lag_max")):
            problems += check_int(high, getattr(self, high), 2)
            if not problems and getattr(self, high) <= getattr(self, low):
                problems.append(f"{high} must be > {low} ({getattr(self, low)}), "
                                f"got {getattr(self, high)!r}")
        for name in ("floor_sds", "clear_delta_aicc"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) \
                    or not value >= 0:
                problems.append(f"{name} must be a number >= 0, got {value!r}")
        problems_error("TextSettings", problems)
        for name in ("floor_sds", "clear_delta_aicc"):
            object.__setattr__(self, name, float(getattr(self, name)))


def _excess(curve: pd.DataFrame, low: float, high: float) -> pd.DataFrame:
    """The lags ``low``…``high`` of ``curve`` with ``excess`` = mi − floor (floor 0 if absent)."""
    window = curve[(curve["lag"] >= low) & (curve["lag"] <= high)].sort_values("lag")
    floor = window["baseline"].fillna(0.0) if "baseline" in window else 0.0
    return window.assign(excess=window["mi"] - floor, floor=floor)


def window_verdict(curve: pd.DataFrame, low: float, high: float, floor_sds: float) -> dict:
    """Exponential vs algebraic (AICc, :func:`miscaling.fit.decay_verdict`) of I(τ) − floor
    on the lags ``low``…``high`` where it exceeds ``floor_sds`` floor standard deviations."""
    window = _excess(curve, low, high)
    sd = window["baseline_sd"].fillna(0.0) if "baseline_sd" in window else 0.0
    points = window[window["excess"] > np.maximum(floor_sds * sd, 0.0)]
    result = {"verdict": "undetermined", "delta_aicc": np.nan, "n_points": len(points)}
    fits = fit_decay(points["lag"].to_numpy(float), points["excess"].to_numpy(float),
                     ("exponential", "power"), selection="all", too_few="nan") \
        if len(points) else None
    if fits is not None and np.isfinite(fits["aicc"]).all():
        verdict = decay_verdict(fits)
        result.update(verdict=verdict["verdict"], delta_aicc=verdict["delta_aicc"])
    return result


def mid_range_mi(curve: pd.DataFrame, low: float, high: float) -> tuple[float, float, float]:
    """Mean I(τ) − floor over the lags ``low``…``high``, with the means of the per-lag 95%
    bounds (minus the floor) as its interval: conservative, for the mean of quantities each
    within its bounds lies within the mean of the bounds."""
    window = _excess(curve, low, high)
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
    model, ref = _excess(curve, low, high), _excess(data, low, high)
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


def curve_metrics(curves: pd.DataFrame, settings: TextSettings, keys=TEXT_KEYS,
                  data: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per model (``keys``): the mid-window and long-range verdicts (``verdict_mid``,
    ``delta_aicc_mid``, ``n_points_mid``, ``*_long``), ``mid_mi`` with its interval, and
    ``data_distance`` with its interval to ``data`` (one curve, or per model with the same
    ``keys``: the size-matched references) over the mid window."""
    keys = list(keys)
    require_columns(curves, [*keys, "lag", "mi"], "I(tau) table")
    s, rows = settings, []
    for key, curve in curves.groupby(keys, sort=True):
        row = dict(zip(keys, key))
        for name, low, high in (("mid", s.mid_lag_min, s.mid_lag_max),
                                ("long", s.long_lag_min, s.long_lag_max)):
            verdict = window_verdict(curve, low, high, s.floor_sds)
            row.update({f"{k}_{name}": v for k, v in verdict.items()})
        row["mid_mi"], row["mid_mi_ci_low"], row["mid_mi_ci_high"] = \
            mid_range_mi(curve, s.mid_lag_min, s.mid_lag_max)
        if data is not None:
            ref = _curve(data, key, keys) if set(keys) <= set(data) else data
            row["data_distance"], row["data_distance_ci_low"], row["data_distance_ci_high"] = \
                data_distance(curve, ref, s.mid_lag_min, s.mid_lag_max)
        rows.append(row)
    return pd.DataFrame(rows)


#: The columns of a size-matched reference's own window verdicts in ``text_models.csv``.
REFERENCE_VERDICT_COLUMNS = [f"{what}_{window}" for window in ("mid", "long")
                             for what in ("verdict", "delta_aicc", "n_points")]


def _reference_verdicts(references: pd.DataFrame, settings: TextSettings) -> pd.DataFrame:
    """The size-matched references' window verdicts, as ``reference_<column>``."""
    metrics = curve_metrics(references, settings)[[*TEXT_KEYS, *REFERENCE_VERDICT_COLUMNS]]
    return metrics.rename(columns={c: f"reference_{c}" for c in REFERENCE_VERDICT_COLUMNS})


def training_row(level: str, result: dict) -> dict:
    """A selected run's numbers (its ``result.json``): the model's keys, the validation loss in
    nats per symbol of ``level``, as bits per character (char) or perplexity (word),
    parameters and training time."""
    if level not in LEVEL_TITLES:
        raise ValueError(f"level must be one of {sorted(LEVEL_TITLES)}, got {level!r}")
    missing = [k for k in ("best_val_loss", "num_parameters", "total_seconds", "model_config")
               if k not in result]
    if missing:
        raise ValueError(f"the training result lacks {missing} (a result.json of `miscaling "
                         f"train` has them)")
    config, loss = result["model_config"], float(result["best_val_loss"])
    return {"level": level, "arch": config["arch"], "width": int(config["width"]),
            "depth": int(config["depth"]), "val_loss_nats": loss,
            "val_bpc": loss / np.log(2) if level == "char" else np.nan,
            "val_perplexity": float(np.exp(loss)) if level == "word" else np.nan,
            "num_parameters": int(result["num_parameters"]),
            "train_seconds": float(result["total_seconds"]),
            "epochs_run": result.get("epochs_run", np.nan)}


def text_model_table(fits: pd.DataFrame, curves: pd.DataFrame | None = None, *,
                     references: pd.DataFrame | None = None,
                     reference_fits: pd.DataFrame | None = None,
                     training: pd.DataFrame | None = None,
                     settings: TextSettings | None = None,
                     refit: LogLagRefit | None = None) -> pd.DataFrame:
    """One row per text model (:data:`TEXT_KEYS`): :func:`model_table`'s columns, with the
    ``curves`` :func:`curve_metrics` (distance to the size-matched ``references``), the
    size-matched reference's ξ (``reference_xi*``, from ``reference_fits``) and the training
    rows (:func:`training_row`); the settings as columns when the curves are given."""
    settings = settings or TextSettings()
    table = model_table(fits, curves, refit, keys=TEXT_KEYS)
    if curves is not None:
        if references is not None:
            require_columns(references, [*TEXT_KEYS, "lag", "mi"], "size-matched I(tau) table")
        metrics = curve_metrics(curves, settings, data=references)
        table = table.merge(metrics, on=TEXT_KEYS, how="left")
        if references is not None and set(TEXT_KEYS) <= set(references):
            table = table.merge(_reference_verdicts(references, settings), on=TEXT_KEYS,
                                how="left")
    if reference_fits is not None:
        ref = model_table(reference_fits, keys=TEXT_KEYS)[[*TEXT_KEYS, "xi", "xi_ci_low",
                                                           "xi_ci_high"]]
        table = table.merge(ref.rename(columns=lambda c: c if c in TEXT_KEYS
                                       else f"reference_{c}"), on=TEXT_KEYS, how="left")
    if training is not None:
        table = table.merge(training, on=TEXT_KEYS, how="left")
    if curves is None:
        return table
    recorded = list((refit or LogLagRefit()).column_names().values())  # settings last
    return settings.as_columns(table[[c for c in table if c not in recorded] + recorded])


def training_from_selection(level: str, selection: str) -> dict:
    """:func:`training_row` of the run that ``selection`` (a ``miscaling select`` file, or a run
    folder) names."""
    import json

    from miscaling.checkpoint import RESULT_NAME
    from miscaling.selection import resolve_run_dir

    path = resolve_run_dir(selection) / RESULT_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{str(path)!r} (named by {selection!r}) does not exist")
    return training_row(level, json.loads(path.read_text()))


# --------------------------------------------------------------------------- the claims


def _name(row: pd.Series) -> str:
    if row["arch"] == "gpt2":
        return "GPT-2"
    return f"{row['level']} w{int(row['width'])}d{int(row['depth'])}"


def _interval(row: pd.Series, name: str) -> str:
    return f"{row[name]:.4g} [{row[name + '_ci_low']:.4g}, {row[name + '_ci_high']:.4g}]"


def _pick(table: pd.DataFrame, level: str, arch: str) -> pd.DataFrame:
    return table[(table["level"] == level) & (table["arch"] == arch)]


def _window_claim(table: pd.DataFrame, rows: pd.DataFrame, window: str, verdict: str,
                  check: str, expected: str, what: str, s: TextSettings) -> dict:
    """Every model of ``rows`` is ``verdict`` by AICc on the ``window`` (mid or long)."""
    if rows.empty:
        return _absent(check, expected, what)
    if f"verdict_{window}" not in rows or rows[f"verdict_{window}"].isna().all():
        return _row(check, expected, "not measured: no I(tau) curves given", None, None, "")
    verdicts, deltas = rows[f"verdict_{window}"], rows[f"delta_aicc_{window}"]
    measured = "; ".join(f"{_name(r)}: {v} (dAICc {d:+.1f}, {int(n)} lags)" for (_, r), v, d, n
                         in zip(rows.iterrows(), verdicts, deltas, rows[f"n_points_{window}"]))
    low, high = ((s.mid_lag_min, s.mid_lag_max) if window == "mid"
                 else (s.long_lag_min, s.long_lag_max))
    holds = bool((verdicts == verdict).all())
    clear = verdicts_clear(rows, verdict, holds, s.clear_delta_aicc,
                           [(f"verdict_{window}", f"delta_aicc_{window}")])
    criterion = (f"AICc of I(tau) - floor on lags {low}..{high} above {s.floor_sds:g} floor sd; "
                 f"dAICc = AICc(exponential) - AICc(power); clear: |dAICc| >= "
                 f"{s.clear_delta_aicc:g} for every model (a failure: some model clearly of "
                 f"the other decay)")
    reference = f"reference_verdict_{window}"
    if reference in rows and rows[reference].notna().any():
        # The training text measured from as many characters: where even it is not clearly
        # algebraic in the window, a sample set of that size cannot tell the decays apart.
        ref_verdicts, ref_deltas = rows[reference], rows[f"reference_delta_aicc_{window}"]
        measured += "; size-matched training text: " + "; ".join(
            f"{_name(r)}: {v} (dAICc {d:+.1f}, {int(n)} lags)" for (_, r), v, d, n
            in zip(rows.iterrows(), ref_verdicts, ref_deltas,
                   rows[f"reference_n_points_{window}"].fillna(0)))
        resolved = bool((ref_verdicts == "algebraic").all()
                        and (ref_deltas.abs() >= s.clear_delta_aicc).all())
        clear = clear and (resolved or not holds)  # a clear contrary verdict needs no reference
        criterion += (", and the size-matched training text clearly algebraic in the same "
                      "window (else a sample set of this size cannot show the difference)")
    return _row(check, expected, measured, holds, clear, criterion)


def _mid_mi_claim(table: pd.DataFrame, s: TextSettings) -> dict:
    check = "char_transformer_mid_mi_above_char_lstm"
    expected = ("depth-1 character-level Transformers capture more mid-range MI than "
                "character-level LSTMs of the same width")
    t, lstm = (_pick(table, "char", a).query("depth == 1") for a in ("transformer", "lstm"))
    widths = sorted(set(t["width"]) & set(lstm["width"]))
    if not widths:
        return _absent(check, expected, "a width with both a depth-1 char Transformer and LSTM")
    if "mid_mi" not in table:
        return _row(check, expected, "not measured: no I(tau) curves given", None, None, "")
    parts, holds, clear, refuted = [], True, True, False
    for width in widths:
        a = t[t["width"] == width].iloc[0]
        b = lstm[lstm["width"] == width].iloc[0]
        parts.append(f"w{width}: transformer {_interval(a, 'mid_mi')} vs LSTM "
                     f"{_interval(b, 'mid_mi')}")
        holds &= bool(a.mid_mi > b.mid_mi)
        clear &= bool(a.mid_mi_ci_low > b.mid_mi_ci_high)
        refuted |= bool(a.mid_mi_ci_high < b.mid_mi_ci_low)
    return _row(check, expected, "; ".join(parts), holds, clear if holds else refuted,
                f"mean I(tau) - floor over lags {s.mid_lag_min}..{s.mid_lag_max}, interval: "
                "mean of the per-lag 95% bounds; clear: disjoint intervals at every width (a "
                "failure: the Transformer's interval below the LSTM's at some width)")


def _depth_claim(table: pd.DataFrame, level: str, width: int) -> dict:
    check = f"deeper_{level}_transformers_closer_to_data"
    expected = (f"deeper {LEVEL_TITLES[level]} Transformers (width {width}) are closer to the "
                "data's I(tau) than depth 1")
    rows = _pick(table, level, "transformer").query("width == @width").sort_values("depth")
    if rows["depth"].nunique() < 2 or rows["depth"].min() != 1:
        return _absent(check, expected, f"depth 1 and a deeper {level} Transformer of width "
                                        f"{width}")
    if "data_distance" not in table:
        return _row(check, expected, "not measured: no I(tau) curves given", None, None, "")
    first, last = rows.iloc[0], rows.iloc[-1]
    measured = "; ".join(
        f"d{int(r.depth)}: {_interval(r, 'data_distance')}, xi {_interval(r, 'xi')}"
        for _, r in rows.iterrows())
    holds = bool(last.data_distance < first.data_distance)
    clear = (_disjoint(last, first, "data_distance") if holds
             else _disjoint(first, last, "data_distance"))
    return _row(check, expected, measured, holds, clear,
                "distance: sum |I - I_data| / sum I_data (each minus its floor) over the mid "
                "window, to the size-matched reference; holds: deepest < depth 1; clear: "
                "disjoint intervals (in either order)")


def text_trend_checks(table: pd.DataFrame, settings: TextSettings | None = None) -> pd.DataFrame:
    """The paper's claims about the language models (Sections 4.2.2, 5.2, Appendix E), one row
    each (:data:`~miscaling.model_summary.TREND_COLUMNS`), with the :class:`TextSettings` as
    constant columns.  ``holds`` is empty where the models a claim needs are missing."""
    s = settings or TextSettings()
    require_columns(table, [*TEXT_KEYS, "xi", "xi_ci_low", "xi_ci_high"], "text model table")
    mid, long = f"lags {s.mid_lag_min}..{s.mid_lag_max}", f"lags {s.long_lag_min}..{s.long_lag_max}"
    rows = [
        _window_claim(table, _pick(table, "char", "lstm"), "mid", "exponential",
                      "char_lstm_samples_exponential_mid",
                      f"every character-level LSTM's sample I(tau) decays exponentially at "
                      f"intermediate tau ({mid})", "no char LSTM", s),
        _grows_with_width(table, "lstm", np.inf, level="char"),
        _grows_with_width(table, "lstm", np.inf, level="word"),
        _mid_mi_claim(table, s),
        _depth_claim(table, "char", s.char_width),
        _depth_claim(table, "word", s.word_width),
        _window_claim(table, _pick(table, "char", "transformer"), "long", "algebraic",
                      "char_transformer_samples_algebraic_tail",
                      f"every character-level Transformer's sample I(tau) keeps an algebraic "
                      f"tail ({long})", "no char Transformer", s),
        _window_claim(table, table[table["arch"] == "gpt2"], "long", "algebraic",
                      "gpt2_samples_algebraic",
                      f"GPT-2's sample I(tau) decays algebraically ({long})", "GPT-2", s),
    ]
    return s.as_columns(pd.DataFrame(rows, columns=TREND_COLUMNS))


def summarize_text(fits: pd.DataFrame, reference: pd.DataFrame,
                   curves: pd.DataFrame | None = None,
                   reference_curve: pd.DataFrame | None = None, *,
                   references: pd.DataFrame | None = None,
                   reference_fits: pd.DataFrame | None = None,
                   gpt2_fits: pd.DataFrame | None = None,
                   gpt2_curve: pd.DataFrame | None = None,
                   training: pd.DataFrame | None = None,
                   settings: TextSettings | None = None,
                   refit: LogLagRefit | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``text_models.csv`` (every model, then the training data as arch ``"data"`` and GPT-2 as
    arch ``"gpt2"``) and ``text_trends.csv``.  ``references``: the size-matched references'
    I(tau) (the training data curve stands in where they are not given)."""
    settings = settings or TextSettings()
    if curves is not None and references is None:
        references = reference_curve
    table = text_model_table(fits, curves, references=references,
                             reference_fits=reference_fits, training=training,
                             settings=settings, refit=refit)
    extra = [(reference, reference_curve, TEXT_DATA_LABEL), (gpt2_fits, gpt2_curve, GPT2_LABEL)]
    parts = [table]
    for part_fits, part_curve, label in extra:
        if part_fits is None:
            continue
        part_curve = None if part_curve is None or curves is None else part_curve.assign(**label)
        parts.append(text_model_table(part_fits.assign(**label), part_curve,
                                      settings=settings, refit=refit))
    models = pd.concat(parts, ignore_index=True)
    return models, text_trend_checks(models, settings)
