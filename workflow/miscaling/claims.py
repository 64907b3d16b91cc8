"""One tidy table of the paper's claims and what this run measured (``results/claims.csv``).

Every row comes from a table the pipeline wrote; nothing here types a claim's outcome by hand.
The sources (:data:`SOURCES`) and how a row of each becomes a claim:

* ``binary_trends`` / ``text_trends`` (``miscaling model-summary`` / ``text-model-summary``):
  one claim per ``check``; ``holds`` and ``clear`` give the status, ``criterion`` what would
  settle it; a claim that fails only because xi or an AICc verdict is undetermined (too few
  points) is inconclusive;
* ``fig5_gamma`` (Figure 5): one claim per true γ, "γ̂ within the tolerance of γ"; clear when
  the whole 95% interval of γ̂ lies within γ ± tolerance;
* ``theory_linear_rnn`` / ``theory_repetitive`` / ``theory_ising``: one claim per check name,
  held when every case ``passed`` (numerical checks have no "unclear" state);
* ``size_matched_control`` (the control of Figure 6's non-uniformity): one claim per corpus,
  split and quantity, "the split differs from training text of its own size" — ``differs``
  holds, ``within`` does not, ``undetermined`` is inconclusive.

Status (:data:`STATUSES`): *holds* = holds, clearly; *does not hold* = fails, clearly (the
evidence against it is as clear as a held claim's must be: intervals disjoint the other way, a
contrary AICc verdict by at least the clear ΔAICc, a control verdict, a failed numerical
check); *inconclusive* = the point estimates say one thing and the intervals do not decide
(either way), or the source calls the value undetermined; *not measured* = the source row is
empty or the source table was not made in this run.  A claim is never counted as held without
a measurement, nor as failed on point estimates alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from miscaling.io import read_table, require_columns

__all__ = ["CLAIM_COLUMNS", "SOURCES", "STATUSES", "Source", "build_claims", "claim_status",
           "summary_counts", "summary_line"]

HOLDS, FAILS, INCONCLUSIVE, NOT_MEASURED = "holds", "does not hold", "inconclusive", "not measured"
#: In the order the report's summary line counts them.
STATUSES = (HOLDS, FAILS, INCONCLUSIVE, NOT_MEASURED)

CLAIM_COLUMNS = ["section", "figure", "claim", "measurement", "scale", "status", "source",
                 "what_would_settle_it"]


# --------------------------------------------------------------------------- status


def _flag(value) -> bool | None:
    """A ``holds``/``clear``/``passed`` cell as True, False or None (empty: not measured)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("", "nan", "none", "<na>"):
            return None
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ValueError(f"expected True, False or empty in a holds/clear column, got {value!r}")
    return bool(value)


def claim_status(holds, clear, undetermined: bool = False) -> str:
    """The status of one claim from its source's ``holds`` and ``clear`` cells.

    ``clear`` says whether the outcome, held or failed, is clear.  An empty ``holds`` is *not
    measured* whatever else the row says; ``undetermined`` (the source could not compute the
    value) is *inconclusive*; a clear outcome is *holds* or *does not hold*; an unclear one
    *inconclusive*.
    """
    holds = _flag(holds)
    if holds is None:
        return NOT_MEASURED
    if undetermined or not _flag(clear):
        return INCONCLUSIVE
    return HOLDS if holds else FAILS


# --------------------------------------------------------------------------- what settles it

_CLEAR_AICC = re.compile(r"\|dAICc\| >= ([0-9.eE+-]+)")


def _settle_trend(status: str, measured: str, criterion: str, holds: bool | None = True) -> str:
    """One sentence, from the kind of check (its criterion), on what would decide the claim
    (``holds``: its point estimates' side, which tells an open claim leaning for it from one
    leaning against it)."""
    if status == FAILS:
        return ("refuted clearly at this run's scale: only larger or longer-trained models "
                "(presets/paper.yaml's recipes) could reopen it.")
    if status == NOT_MEASURED:
        reason = measured.split("not measured:", 1)[-1].strip() or "the models it needs"
        return f"a run whose configuration includes what is missing ({reason})."
    if criterion.endswith("undetermined"):
        return ("more sample sequences, so that I(tau) stays above the fit threshold on enough "
                "lags to fit xi with an interval.")
    if "AICc" in criterion and status == INCONCLUSIVE and "undetermined (dAICc" in measured:
        return ("more sample sequences or characters, so that every model's I(tau) stays above "
                "its shuffle floor on enough lags for the AICc comparison.")
    if "AICc" in criterion:
        threshold = _CLEAR_AICC.search(criterion)
        level = threshold.group(1) if threshold else "10"
        if not holds:
            return (f"more sample sequences or longer-trained models: the verdicts go against "
                    f"the claim, but no model's by |dAICc| >= {level}, which would refute it, "
                    f"and not every model's the claimed way, which would confirm it.")
        if "size-matched training text" in criterion:
            return (f"more sample characters (until the size-matched training text is itself "
                    f"clearly algebraic) or longer-trained models, so that |dAICc| >= {level} "
                    f"for every model.")
        if status == INCONCLUSIVE:
            return (f"more sample sequences or longer-trained models so that |dAICc| >= {level} "
                    f"for every model, on every lag and on log-spaced lags.")
        return (f"longer-trained models or more restarts, with |dAICc| >= {level} for the "
                f"models whose verdict disagrees, to tell a real difference from under-training.")
    if "disjoint" in criterion:
        if holds:
            return ("more samples per model (narrower 95% intervals) so that the intervals "
                    "become disjoint.")
        return ("more samples and restarts per model: the point estimates go against the "
                "claim but the 95% intervals overlap; disjoint intervals in the other order "
                "would refute it clearly.")
    return "a larger run (more samples, longer training) that resolves the check's criterion."


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True)
class Source:
    """A table the pipeline writes and how its rows become claims.

    ``rows`` turns the table into dicts with the keys of :data:`CLAIM_COLUMNS` except scale and
    source; ``missing`` says, for a run that did not make the table, what would make it.
    """

    key: str
    section: str
    figure: str
    description: str
    missing: str
    rows: Callable[[pd.DataFrame, Source], list[dict]]


#: Where a trends check sits in the paper: (pattern of the check name, section, figure).
_TREND_PLACES = (
    (r"^xi_rnn_w\d+_below_lstm", "4.2.1", "Fig. 1"),
    (r"^xi_(rnn|lstm)_grows_with_width", "4.2.1", "Fig. 1(c)"),
    (r"^rnn_samples_exponential", "4.2.1", "Fig. 1"),
    (r"^transformer_samples_algebraic", "5.1", "Fig. 3(a), 9"),
    (r"^char_lstm_samples_exponential", "4.2.2", "Fig. 2"),
    (r"lstm.*grows_with_width", "4.2.2", "Fig. 2, 8"),
    (r"^char_transformer_mid_mi", "5.2", "Fig. 3(b-c)"),
    (r"^deeper_\w+_transformers", "5.2, App. E.2.2", "Fig. 10"),
    (r"^char_transformer_samples_algebraic", "5.2", "Fig. 3(b-c)"),
    (r"^gpt2_samples", "5.2", "Fig. 3(d)"),
)


def _trend_place(check: str, source: Source) -> tuple[str, str]:
    for pattern, section, figure in _TREND_PLACES:
        if re.search(pattern, check):
            return section, figure
    return source.section, source.figure


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


#: A model's AICc verdict in a trends row's ``measured`` text: "w8d1: exponential (dAICc -3.1)".
_VERDICT = re.compile(r":\s*(exponential|algebraic|undetermined) \(dAICc")


def _undetermined(check: str, measured: str, criterion: str) -> bool:
    """Whether a trends row failed only for want of a value: xi could not be fitted ("xi
    undetermined"), or an AICc claim's models are undetermined where none has the contrary
    verdict (too few points above the floor to compare the decays)."""
    if criterion.endswith("undetermined"):
        return True
    verdicts = set(_VERDICT.findall(measured))
    expected = {"exponential", "algebraic"} & set(check.split("_"))
    contrary = {"exponential", "algebraic"} - expected
    return "undetermined" in verdicts and len(expected) == 1 and not verdicts & contrary


def _trend_rows(table: pd.DataFrame, source: Source) -> list[dict]:
    require_columns(table, ["check", "expected", "measured", "holds", "clear", "criterion"],
                    f"{source.key} table")
    rows = []
    for _, row in table.iterrows():
        measured, criterion = _text(row["measured"]), _text(row["criterion"])
        undetermined = _undetermined(str(row["check"]), measured, criterion)
        status = claim_status(row["holds"], row["clear"], undetermined)
        section, figure = _trend_place(str(row["check"]), source)
        rows.append({
            "section": section, "figure": figure, "claim": _text(row["expected"]),
            "measurement": measured, "status": status, "check": str(row["check"]),
            "what_would_settle_it": "" if status == HOLDS else
            _settle_trend(status, measured, criterion, _flag(row["holds"])),
        })
    return rows


def _gamma_rows(table: pd.DataFrame, source: Source) -> list[dict]:
    require_columns(table, ["gamma", "gamma_hat", "ci_low", "ci_high", "tolerance",
                            "within_tolerance"], f"{source.key} table")
    rows = []
    for _, row in table.iterrows():
        gamma, tolerance = float(row["gamma"]), float(row["tolerance"])
        interval_inside = (gamma - tolerance <= row["ci_low"]) and \
            (row["ci_high"] <= gamma + tolerance)
        interval_outside = row["ci_high"] < gamma - tolerance or row["ci_low"] > gamma + tolerance
        within = _flag(row["within_tolerance"])
        status = claim_status(within, interval_inside if within else interval_outside)
        settle = {
            INCONCLUSIVE: f"more sequences per gamma (estimator_benchmark.n_seq), so that the "
                          f"95% interval of gamma-hat lies within {gamma:g} ± {tolerance:g} "
                          f"(or wholly outside it).",
            FAILS: "more and longer sequences per gamma, to tell the estimator's bias at this "
                   "gamma from the sampling error of this run.",
        }.get(status, "")
        rows.append({
            "section": source.section, "figure": source.figure,
            "claim": f"the estimator recovers gamma = {gamma:g} of I = A tau^-gamma "
                     f"(|gamma-hat - gamma| <= {tolerance:g})",
            "measurement": f"gamma-hat = {row['gamma_hat']:.4g} [{row['ci_low']:.4g}, "
                           f"{row['ci_high']:.4g}] (95% CI)",
            "status": status, "check": f"gamma={gamma:g}", "what_would_settle_it": settle,
        })
    return rows


def _theory_rows(table: pd.DataFrame, source: Source) -> list[dict]:
    require_columns(table, ["check", "case", "abs_error", "tolerance", "passed", "note"],
                    f"{source.key} table")
    rows = []
    for check, group in table.groupby("check", sort=False):
        passed = [_flag(value) for value in group["passed"]]
        failed = [case for case, ok in zip(group["case"], passed) if not ok]
        holds = None if any(ok is None for ok in passed) else not failed
        measurement = (f"{len(passed) - len(failed)} of {len(passed)} cases within tolerance; "
                       f"largest |error| {group['abs_error'].max():.3g} "
                       f"(tolerance {group['tolerance'].min():.3g} .. "
                       f"{group['tolerance'].max():.3g})")
        if failed:
            measurement += f"; failed: {', '.join(map(str, failed))}"
        status = claim_status(holds, True)
        rows.append({
            "section": source.section, "figure": source.figure,
            "claim": f"{str(check).replace('_', ' ')}: {_text(group['note'].iloc[0])}",
            "measurement": measurement,
            "status": status, "check": str(check),
            "what_would_settle_it": "" if status == HOLDS else
            "rerun the failing cases with larger Monte Carlo sizes (theory.* in the config) "
            "to tell a real disagreement from sampling noise.",
        })
    return rows


def _control_rows(table: pd.DataFrame, source: Source) -> list[dict]:
    require_columns(table, ["corpus", "target", "quantity", "value", "ci_low", "ci_high",
                            "n_chunks", "chunk_min", "chunk_max", "verdict"],
                    f"{source.key} table")
    holds_for = {"differs": True, "within": False, "undetermined": False}
    rows = []
    for _, row in table.iterrows():
        verdict = _text(row["verdict"])
        if verdict not in holds_for:
            raise ValueError(f"{source.key}: verdict must be one of {sorted(holds_for)}, "
                             f"got {verdict!r}")
        status = claim_status(holds_for[verdict], True, verdict == "undetermined")
        settle = {
            INCONCLUSIVE: "at least two size-matched chunks with a finite value "
                          "(corpora.size_matched_chunks) and a split long enough for the fit.",
            FAILS: "more size-matched chunks (corpora.size_matched_chunks): within the chunks' "
                   "spread, the split is indistinguishable from training text of its size.",
        }.get(status, "")
        rows.append({
            "section": source.section, "figure": source.figure,
            "claim": f"{row['corpus']} {row['target']}: long-range {row['quantity']} differs "
                     f"from training text of the same size (the non-uniformity)",
            "measurement": f"{row['value']:.3g} [{row['ci_low']:.3g}, {row['ci_high']:.3g}] "
                           f"vs {int(row['n_chunks'])} chunks in [{row['chunk_min']:.3g}, "
                           f"{row['chunk_max']:.3g}]: {verdict}",
            "status": status, "check": f"{row['corpus']}/{row['target']}/{row['quantity']}",
            "what_would_settle_it": settle,
        })
    return rows


#: Every claims source, in the paper's order (data, estimator, theory, binary, language models).
SOURCES = {
    source.key: source for source in (
        Source("size_matched_control", "4.2.2, App. D.2", "Fig. 6",
               "the validation and test splits differ from same-size training text",
               "a corpus (corpora.names) and corpora.size_matched_chunks >= 2.",
               _control_rows),
        Source("fig5_gamma", "App. D.1", "Fig. 5",
               "the estimator recovers the exponent of I = A tau^-gamma", "", _gamma_rows),
        Source("theory_linear_rnn", "4.1, App. A", "linear RNN",
               "linear RNNs' mutual information decays exponentially", "", _theory_rows),
        Source("theory_repetitive", "App. C", "Fig. 4",
               "Eq. 52: mutual information of repetitive sequences", "", _theory_rows),
        Source("theory_ising", "App. G", "Ising chain",
               "Eq. 62: conditional sampling of the Ising chain", "", _theory_rows),
        Source("binary_trends", "4.2.1, 5.1", "Fig. 1, 3(a), 7, 9",
               "the binary sequence models' claims (binary_trends.csv)",
               "binary models in binary_models.architectures.", _trend_rows),
        Source("text_trends", "4.2.2, 5.2", "Fig. 2, 3(b-d), 8, 10",
               "the language models' claims (text_trends.csv)",
               "text_models.enabled: true and a corpus.", _trend_rows),
    )
}


def build_claims(tables: Mapping[str, str | Path | None], scale: str) -> pd.DataFrame:
    """The claims table (:data:`CLAIM_COLUMNS`) from the source tables at ``tables``.

    ``tables`` maps a key of :data:`SOURCES` to its path; a source left out, mapped to None or
    whose file does not exist gives one *not measured* row naming what would make it.  ``scale``
    (e.g. ``smoke``, ``quick``, ``paper``) is the run's scale, written on every row.
    """
    unknown = sorted(set(tables) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown claims sources {unknown}; expected some of {list(SOURCES)}")
    if not str(scale).strip():
        raise ValueError("scale must name the run's scale (e.g. 'quick'), got an empty string")
    rows = []
    for key, source in SOURCES.items():
        path = tables.get(key)
        origin = str(path) if path else f"the {key} table"
        if path is None or not Path(path).is_file():
            rows.append({
                "section": source.section, "figure": source.figure,
                "claim": source.description, "measurement": "", "status": NOT_MEASURED,
                "source": f"{origin} (not made in this run)",
                "what_would_settle_it": f"a run that makes {origin}: "
                                        f"{source.missing or 'its rule in the DAG.'}",
            })
            continue
        for row in source.rows(read_table(path), source):
            check = row.pop("check")
            rows.append({**row, "source": f"{origin}: {check}"})
    claims = pd.DataFrame(rows, columns=CLAIM_COLUMNS)
    claims["scale"] = str(scale)
    return claims


def summary_counts(claims: pd.DataFrame) -> dict[str, int]:
    """How many claims have each status, in :data:`STATUSES` order."""
    require_columns(claims, ["status"], "claims table")
    unknown = sorted(set(claims["status"]) - set(STATUSES))
    if unknown:
        raise ValueError(f"claims table has unknown statuses {unknown}; expected {STATUSES}")
    return {status: int((claims["status"] == status).sum()) for status in STATUSES}


def summary_line(claims: pd.DataFrame) -> str:
    """E.g. ``23 claims at scale quick: 15 hold, 2 do not hold, 4 inconclusive, 2 not measured``."""
    counts = summary_counts(claims)
    scales = ", ".join(sorted(set(map(str, claims["scale"])))) or "none"
    return (f"{len(claims)} claims at scale {scales}: {counts[HOLDS]} hold, "
            f"{counts[FAILS]} do not hold, {counts[INCONCLUSIVE]} inconclusive, "
            f"{counts[NOT_MEASURED]} not measured")
