"""The estimator's input: symbol sequences in any accepted form, as compact ids.

All sequences are concatenated once and their symbols relabelled ``0..U−1`` (only the symbols
present), in the smallest unsigned dtype that also holds the sentinel ``U``
(:func:`miscaling.io.smallest_uint_dtype`); input that already is compact is used as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from miscaling.io import smallest_uint_dtype

from .grid import chunked_bincount

__all__ = ["Symbols", "collect", "compact_ids"]


@dataclass(frozen=True)
class Symbols:
    """All sequences concatenated, as compact ids ``0..alphabet−1``."""

    ids: np.ndarray  # length n_symbols, the smallest unsigned dtype that holds `alphabet`
    lengths: np.ndarray  # int64 lengths of the non-empty sequences, in input order
    alphabet: int


def _checked_piece(arr: np.ndarray, where: str) -> np.ndarray:
    """Validate one sequence's dtype and sign; return it without a copy (bool as uint8)."""
    if arr.dtype == np.bool_:
        return arr.view(np.uint8)
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"{where} must hold non-negative integer symbols (bool/uint8/uint16/int*), "
            f"got dtype {arr.dtype}"
        )
    if arr.size == 0:
        return arr
    if np.issubdtype(arr.dtype, np.signedinteger) and arr.min() < 0:
        raise ValueError(f"{where} contains the negative symbol {int(arr.min())}; "
                         "symbols must be >= 0")
    if arr.dtype == np.uint64 and arr.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{where} contains a symbol larger than 2**63 - 1")
    return arr


def _common_dtype(pieces: list[np.ndarray]) -> np.dtype:
    """An integer dtype for the concatenation (numpy promotes int64 with uint64 to float64)."""
    dtype = np.result_type(*pieces) if pieces else np.dtype(np.int64)
    return dtype if np.issubdtype(dtype, np.integer) else np.dtype(np.int64)


def collect(sequences) -> tuple[np.ndarray, np.ndarray]:
    """Flatten the accepted input forms to (integer symbols, per-sequence lengths), copying
    only where sequences have to be concatenated."""
    if isinstance(sequences, (list, tuple)):
        if len(sequences) == 0:
            raise ValueError("sequences is empty: got no sequences")
        if all(np.ndim(s) == 0 for s in sequences):  # a plain list of symbols
            sequences = np.asarray(sequences)
        else:
            pieces = []
            for i, seq in enumerate(sequences):
                arr = np.asarray(seq)
                if arr.ndim != 1:
                    raise ValueError(f"sequence {i} must be 1-D, got shape {arr.shape}")
                pieces.append(_checked_piece(arr, f"sequence {i}"))
            lengths = np.array([p.size for p in pieces], dtype=np.int64)
            return np.concatenate(pieces, dtype=_common_dtype(pieces)), lengths
    arr = np.asarray(sequences)
    if arr.ndim == 1:
        return _checked_piece(arr, "sequences"), np.array([arr.size], dtype=np.int64)
    if arr.ndim == 2:
        rows, cols = arr.shape
        return _checked_piece(arr, "sequences").ravel(), np.full(rows, cols, dtype=np.int64)
    raise ValueError(
        f"sequences must be a 1-D array, a 2-D array (one row per sequence) or a list of 1-D "
        f"arrays, got an array of shape {arr.shape}"
    )


def compact_ids(flat: np.ndarray) -> tuple[np.ndarray, int]:
    """Relabel symbols as 0..U−1 (only symbols present), preserving their order.

    The ids come in :func:`~miscaling.io.smallest_uint_dtype` ``(U)``, so that the sentinel
    ``U`` fits too; input that already is ``0..U−1`` in that dtype is returned as it is (no
    copy, never written to).
    """
    top = int(flat.max())
    if top <= max(4 * flat.size, 2**20):  # a lookup table is cheaper than sorting
        present = chunked_bincount(flat, top + 1) > 0
        alphabet = int(present.sum())
        dtype = smallest_uint_dtype(alphabet)
        if alphabet == top + 1 and flat.dtype == dtype:
            return flat, alphabet
        relabel = (np.cumsum(present) - 1).astype(dtype)
        if flat.dtype == np.uint64:  # fancy indexing casts uint64 indices only with a copy
            flat = flat.view(np.int64)  # validated: all values < 2**63
        return relabel[flat], alphabet  # non-intp indices are cast in buffered chunks
    symbols, ids = np.unique(flat, return_inverse=True)
    return ids.ravel().astype(smallest_uint_dtype(symbols.size)), int(symbols.size)
