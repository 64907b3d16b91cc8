"""How much data stands behind an I(τ) table: the shape its input had.

``miscaling mi`` records it in every table (:func:`shape_columns`: sequences, symbols, shortest
and longest sequence); tables written before it did are read back from their pair counts
(sequences of lengths L_1 … L_n give Σ max(L_i − τ, 0) pairs at lag τ, docs/METHODS.md (M2)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["SHAPE_COLUMNS", "describe_amount", "format_amount", "sample_shape", "sample_size",
           "sample_sizes", "shape_columns"]

#: The input's shape, as columns of an I(tau) table.
SHAPE_COLUMNS = ("n_sequences", "n_symbols", "min_length", "max_length")


def shape_columns(sequences) -> dict[str, int]:
    """The shape of what an I(tau) table is measured on (a 1-D array is one sequence, a 2-D
    array one per row, a list one per non-empty array): :data:`SHAPE_COLUMNS`."""
    if isinstance(sequences, np.ndarray) and sequences.ndim <= 2:
        rows = sequences.reshape(1, -1) if sequences.ndim == 1 else sequences
        lengths = np.full(rows.shape[0], rows.shape[1]) if rows.size else np.zeros(0, int)
    else:
        lengths = np.array([len(seq) for seq in sequences if len(seq)], dtype=np.int64)
    lengths = lengths[lengths > 0]
    if not lengths.size:
        raise ValueError("no symbols to measure")
    return {"n_sequences": int(lengths.size), "n_symbols": int(lengths.sum()),
            "min_length": int(lengths.min()), "max_length": int(lengths.max())}


def _recorded(curve: pd.DataFrame) -> pd.Series | None:
    """The recorded shape of a table (None for a table written before it was recorded)."""
    if not set(SHAPE_COLUMNS) <= set(curve) or curve.empty:
        return None
    row = curve[list(SHAPE_COLUMNS)].iloc[0]
    return row if row.notna().all() else None


def _first_lags(curve: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    if "n_pairs" not in curve or curve["lag"].nunique() < 2:
        return None
    rows = curve.drop_duplicates("lag").sort_values("lag")
    lag, pairs = rows["lag"].to_numpy(float), rows["n_pairs"].to_numpy(float)
    return (lag, pairs) if np.isfinite(pairs[:2]).all() else None


def sample_size(curve: pd.DataFrame) -> tuple[int, int] | None:
    """(number of sequences, number of symbols) behind an I(tau) table: recorded, or from the
    pair counts of its two smallest lags (both shorter than every sequence, as the lags 1, 2, …
    the pipeline measures are).  None when it cannot say."""
    recorded = _recorded(curve)
    if recorded is not None:
        return int(recorded["n_sequences"]), int(recorded["n_symbols"])
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
    recorded = _recorded(curve)
    if recorded is not None:
        if recorded["min_length"] != recorded["max_length"]:
            return None
        return int(recorded["n_sequences"]), int(recorded["max_length"])
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
