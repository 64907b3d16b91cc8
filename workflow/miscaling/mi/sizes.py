"""How much data stands behind an I(τ) table, read back from its pair counts.

A table records ``n_pairs`` per lag: sequences of lengths L_1 … L_n give Σ max(L_i − τ, 0)
pairs at lag τ, so for lags below the shortest sequence the count falls by n per unit of lag.
The figures and the report say from this how many sequences and symbols a curve rests on,
without going back to the data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["describe_amount", "format_amount", "sample_shape", "sample_size", "sample_sizes"]


def _first_lags(curve: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    if "n_pairs" not in curve or curve["lag"].nunique() < 2:
        return None
    rows = curve.drop_duplicates("lag").sort_values("lag")
    lag, pairs = rows["lag"].to_numpy(float), rows["n_pairs"].to_numpy(float)
    return (lag, pairs) if np.isfinite(pairs[:2]).all() else None


def sample_size(curve: pd.DataFrame) -> tuple[int, int] | None:
    """(number of sequences, number of symbols) behind an I(tau) table, from the pair counts
    of its two smallest lags (which must both be shorter than every sequence, as they are for
    the lags 1, 2, … the pipeline measures).  None when the table cannot say (no ``n_pairs``,
    one lag, or counts that no whole number of sequences gives)."""
    first = _first_lags(curve)
    if first is None:
        return None
    lag, pairs = first
    n = (pairs[0] - pairs[1]) / (lag[1] - lag[0])
    if n < 1 or n != round(n):
        return None
    return int(n), int(pairs[0] + n * lag[0])


def sample_shape(curve: pd.DataFrame) -> tuple[int, int] | None:
    """(number of sequences, their length) behind an I(tau) table when every sequence has the
    same length: n sequences of length L give n·(L − τ) pairs at every lag τ.  None when the
    table cannot say (see :func:`sample_size`) or the lengths differ."""
    size = sample_size(curve)
    if size is None:
        return None
    n, symbols = size
    lag, pairs = _first_lags(curve)
    length = symbols / n
    if length != round(length) or not np.array_equal(pairs, n * (length - lag)):
        return None
    return n, int(length)


def format_amount(n_sequences, n_symbols, equal_lengths: bool) -> str | None:
    """``"2,000 × 512"`` (sequences × length) when the sequences have ``equal_lengths``, else
    ``"500 sequences, 2,349,038 symbols"``; None for a missing or non-positive count."""
    if not (np.isfinite(n_sequences) and np.isfinite(n_symbols)) or n_sequences < 1:
        return None
    n, symbols = int(n_sequences), int(n_symbols)
    if equal_lengths:
        return f"{n:,} × {symbols // n:,}"
    return f"{n:,} {'sequence' if n == 1 else 'sequences'}, {symbols:,} symbols"


def describe_amount(curve: pd.DataFrame) -> str | None:
    """:func:`format_amount` of an I(tau) table: sequences × length when its pair counts show
    equal lengths (:func:`sample_shape`), else sequences and symbols; None when it cannot say."""
    size = sample_size(curve)
    if size is None:
        return None
    return format_amount(*size, equal_lengths=sample_shape(curve) is not None)


def sample_sizes(curves: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per curve of ``curves`` (I(tau) tables stacked, told apart by ``keys``): the
    keys, ``n_sequences`` and ``n_symbols`` (:func:`sample_size`; NaN where it cannot say)."""
    rows = [dict(zip(keys, key if isinstance(key, tuple) else (key,)),
                 **dict(zip(("n_sequences", "n_symbols"), sample_size(curve) or (np.nan,) * 2)))
            for key, curve in curves.groupby(keys)]
    return pd.DataFrame(rows, columns=[*keys, "n_sequences", "n_symbols"])
