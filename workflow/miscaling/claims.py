"""One tidy table of the paper's claims and what this run measured (``results/claims.csv``).

One row per claim of :data:`miscaling.paper_claims.CLAIMS` (per instance for a claim about each
γ, theory check or split), its status decided by the summary's rule or, for tables of numbers
only, by the same rules applied here (never derived from text), with the rule's measured error
rates from a calibration table.  Statuses (:data:`STATUSES`): docs/METHODS.md §5; *not measured*
also marks a claim whose models or tables the run lacks, or that no rule decides yet.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from miscaling.io import read_table, require_columns
from miscaling.paper_claims import CLAIMS, Claim
from miscaling.verdicts import (
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    NOT_MEASURED,
    STATUSES,
    Estimate,
    Outcome,
    Placement,
    placed_among,
    within_tolerance,
)

__all__ = ["CLAIM_COLUMNS", "SOURCES", "STATUSES", "Source", "build_claims", "rule_rates_text",
           "summary_counts", "summary_line"]

CLAIM_COLUMNS = ["id", "section", "figure", "claim", "measurement", "scale", "status", "rule",
                 "rule_error_rates", "source", "what_would_settle_it"]

#: The rule whose calibrated rates stand for a claim's rule (a claim about every model's decay
#: rests on the window rule, applied to each model).
CALIBRATED_AS = {"every_decay": "decay_in_window", "decay_in_window": "decay_in_window"}
#: Rules that compare a number with an exact formula: no error rate to calibrate.
EXACT_RULES = {"numerical_check"}


@dataclass(frozen=True)
class Source:
    """A table the pipeline writes: what would make it, and how its rows become outcomes
    (a list of (instance, outcome) per claim id)."""

    key: str
    missing: str
    outcomes: Callable[[pd.DataFrame, str], dict[str, list[tuple[str, Outcome]]]]


def _trend_outcomes(table: pd.DataFrame, key: str) -> dict:
    require_columns(table, ["claim", "status", "lean", "evidence", "settle"], f"{key} table")
    unknown = sorted(set(table["status"]) - set(STATUSES))
    if unknown:
        raise ValueError(f"{key} table: status must be one of {STATUSES}, got {unknown}")
    out = {}
    for _, row in table.iterrows():
        lean = row["lean"]
        lean = None if lean is None or (isinstance(lean, float) and math.isnan(lean)) \
            else str(lean).lower() in ("true", "1")
        outcome = Outcome(row["status"], lean, evidence=_text(row["evidence"]),
                          settle=_text(row["settle"]))
        out.setdefault(str(row["claim"]), []).append(("", outcome))
    return out


def _gamma_outcomes(table: pd.DataFrame, key: str) -> dict:
    require_columns(table, ["gamma", "gamma_hat", "ci_low", "ci_high", "tolerance"],
                    f"{key} table")
    rows = []
    for _, row in table.iterrows():
        gamma = float(row["gamma"])
        estimate = Estimate(float(row["gamma_hat"]), float(row["ci_low"]),
                            float(row["ci_high"]), "gamma-hat")
        rows.append((f"gamma = {gamma:g}",
                     within_tolerance(estimate, gamma, float(row["tolerance"]))))
    return {"estimator_recovers_gamma": rows}


def _theory_outcomes(claim_id: str):
    def outcomes(table: pd.DataFrame, key: str) -> dict:
        require_columns(table, ["check", "case", "abs_error", "tolerance", "passed", "note"],
                        f"{key} table")
        rows = []
        for check, group in table.groupby("check", sort=False):
            passed = [str(v).strip().lower() in ("true", "1") for v in group["passed"]]
            failed = [str(case) for case, ok in zip(group["case"], passed) if not ok]
            evidence = (f"{len(passed) - len(failed)} of {len(passed)} cases within "
                        f"tolerance; largest |error| {group['abs_error'].max():.3g} (tolerance "
                        f"{group['tolerance'].min():.3g} .. {group['tolerance'].max():.3g})"
                        + (f"; failed: {', '.join(failed)}" if failed else ""))
            status = FAILS if failed else HOLDS
            settle = "" if status == HOLDS else (
                "rerun the failing cases with larger Monte Carlo sizes (theory.* in the "
                "config) to tell a real disagreement from sampling noise.")
            rows.append((f"{str(check).replace('_', ' ')}: {_text(group['note'].iloc[0])}",
                         Outcome(status, not failed, evidence=evidence, settle=settle)))
        return {claim_id: rows}
    return outcomes


#: The place the paper expects a split among its training chunks, per quantity (text8, which
#: the paper splits itself, is "more uniform": within).
CONTROL_EXPECTED = {"excess": "above", "gamma": "below", "gamma_excess": "below"}
CONTROL_CLAIM = {"excess": "nonuniformity_split_mi_larger",
                 "gamma": "nonuniformity_split_decay_missing",
                 "gamma_excess": "nonuniformity_split_decay_missing"}
UNIFORM_CORPORA = ("text8",)


def _control_outcomes(table: pd.DataFrame, key: str) -> dict:
    require_columns(table, ["corpus", "target", "quantity", "value", "ci_low", "ci_high",
                            "n_chunks", "chunk_min", "chunk_max", "interval_low",
                            "interval_high"], f"{key} table")
    out: dict = {}
    for _, row in table.iterrows():
        quantity = str(row["quantity"])
        if quantity not in CONTROL_EXPECTED:
            raise ValueError(f"{key}: quantity must be one of {sorted(CONTROL_EXPECTED)}, "
                             f"got {quantity!r}")
        expected = "within" if row["corpus"] in UNIFORM_CORPORA else CONTROL_EXPECTED[quantity]
        place = Placement(Estimate(float(row["value"]), float(row["ci_low"]),
                                   float(row["ci_high"])), int(row["n_chunks"]),
                          float(row["chunk_min"]), float(row["chunk_max"]),
                          float(row["interval_low"]), float(row["interval_high"]))
        instance = f"{row['corpus']} {row['target']}, {quantity.replace('_', ' ')}: " \
                   f"expected {expected} the chunks"
        out.setdefault(CONTROL_CLAIM[quantity], []).append(
            (instance, placed_among(place, expected)))
    return out


#: Every table the claims are read from.
SOURCES = {source.key: source for source in (
    Source("size_matched_control", "a corpus (corpora.names) and "
           "corpora.size_matched_chunks >= 2.", _control_outcomes),
    Source("fig5_gamma", "Figure 5 (estimator_benchmark).", _gamma_outcomes),
    Source("theory_linear_rnn", "the linear RNN check.", _theory_outcomes("theory_linear_rnn")),
    Source("theory_repetitive", "Figure 4's check.", _theory_outcomes("theory_repetitive")),
    Source("theory_ising", "the Ising check.", _theory_outcomes("theory_ising")),
    Source("corpus_trends", "a corpus (corpora.names).", _trend_outcomes),
    Source("binary_trends", "binary models in binary_models.architectures.", _trend_outcomes),
    Source("text_trends", "text_models.enabled: true and a corpus.", _trend_outcomes),
    Source("bipartite_trends", "bipartite.enabled: true and trained models.", _trend_outcomes),
)}


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def rule_rates_text(rule: str, calibration: pd.DataFrame | None) -> str:
    """The calibrated error rates of ``rule`` (from ``miscaling calibrate``'s table), per
    scale: worst wrong-clear and median correct-clear over its simulated cases."""
    if rule in EXACT_RULES:
        return "exact (a numerical check against the formula)"
    if not rule:
        return ""
    if calibration is None:
        return "not calibrated in this run"
    from miscaling.calibration import rule_rates

    name = CALIBRATED_AS.get(rule, rule)
    rates = rule_rates(calibration[calibration["rule"] == name])
    if rates.empty:
        return f"{name}: no simulated cases"
    return "; ".join(
        f"{r.scale or 'run'}: wrong-clear <= {r.worst_wrong_clear:.1%}, correct-clear "
        f"{r.median_correct_clear:.0%} (median of {int(r.cases)} cases)"
        for r in rates.itertuples())


def _row(claim: Claim, instance: str, outcome: Outcome, origin: str, rates: str) -> dict:
    statement = claim.statement + (f" [{instance}]" if instance else "")
    return {"id": claim.id, "section": claim.section, "figure": claim.figure,
            "claim": statement, "measurement": outcome.evidence, "status": outcome.status,
            "rule": claim.rule, "rule_error_rates": rates, "source": origin,
            "what_would_settle_it": "" if outcome.status == HOLDS else outcome.settle}


def build_claims(tables: Mapping[str, str | Path | None], scale: str, *,
                 calibration: pd.DataFrame | None = None) -> pd.DataFrame:
    """The claims table (:data:`CLAIM_COLUMNS`), one row per registered claim (per instance).

    ``tables`` maps a key of :data:`SOURCES` to its path; a claim whose table is left out,
    None or absent is *not measured* and names what would make it.  ``scale`` (e.g. ``smoke``,
    ``quick``, ``paper``) is the run's scale, written on every row; ``calibration``: the
    rules' simulated error rates (``miscaling calibrate``).
    """
    unknown = sorted(set(tables) - set(SOURCES))
    if unknown:
        raise ValueError(f"unknown claims sources {unknown}; expected some of {list(SOURCES)}")
    if not str(scale).strip():
        raise ValueError("scale must name the run's scale (e.g. 'quick'), got an empty string")
    decided: dict[str, dict] = {}
    for key, source in SOURCES.items():
        path = tables.get(key)
        if path is not None and Path(path).is_file():
            decided[key] = source.outcomes(read_table(path), key)
    rows = []
    for claim in CLAIMS:
        rates = rule_rates_text(claim.rule, calibration)
        path = tables.get(claim.source)
        origin = str(path) if path else f"the {claim.source} table"
        if not claim.decided:
            reason = claim.note or "this version has no decision rule for this claim yet"
            rows.append(_row(claim, "", Outcome(
                NOT_MEASURED, evidence=f"not measured: {reason}",
                settle="a decision rule for it (see the open issue on the claims)."),
                origin, rates))
            continue
        if claim.source not in SOURCES or claim.source not in decided:
            missing = SOURCES[claim.source].missing if claim.source in SOURCES else \
                "its table."
            rows.append(_row(claim, "", Outcome(
                NOT_MEASURED, evidence=f"not measured: {origin} was not made in this run",
                settle=f"a run that makes {origin}: {missing}"), f"{origin} (not made)",
                rates))
            continue
        outcomes = decided[claim.source].get(claim.id)
        if not outcomes:
            rows.append(_row(claim, "", Outcome(
                NOT_MEASURED, evidence=f"not measured: {origin} has no row for it",
                settle="rerun the summary that writes the table with this version."),
                origin, rates))
            continue
        for instance, outcome in outcomes:
            rows.append(_row(claim, instance, outcome, f"{origin}: {claim.id}", rates))
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
