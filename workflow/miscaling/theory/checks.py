"""The "checks" table every theory topic returns: one row per prediction tested.

A row states what the paper (or an exact computation) predicts, what was measured, and the
tolerance that the difference must not exceed; ``passed`` is ``|measured - predicted| <=
tolerance`` (docs/METHODS.md, Eq. (M39)), the same rule for every row, so a reader never has to
guess how a row was judged.
"""

from __future__ import annotations

import math

import pandas as pd

CHECK_COLUMNS = [
    "topic", "check", "case", "predicted", "measured", "abs_error", "tolerance", "passed", "note",
]


def check_row(topic: str, check: str, case: str, predicted: float, measured: float,
              tolerance: float, note: str = "") -> dict:
    """One row of a checks table; a NaN anywhere fails the check rather than passing silently."""
    predicted, measured, tolerance = float(predicted), float(measured), float(tolerance)
    abs_error = abs(measured - predicted)
    passed = math.isfinite(abs_error) and abs_error <= tolerance
    return {
        "topic": topic, "check": check, "case": case, "predicted": predicted,
        "measured": measured, "abs_error": abs_error, "tolerance": tolerance,
        "passed": bool(passed), "note": note,
    }


def checks_table(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)
