"""The counting grid and the primitives every counter builds on.

Compact ids in a 2-D grid (one row per sequence, or all sequences in one row separated by gaps),
empty cells holding the sentinel ``U`` whose pairs are dropped; a lag τ is two slices of the grid,
its pairs coded as ``x·V + y``.  Everything of the length of the data is processed in chunks of
:data:`COUNT_CHUNK` cells (scratch memory O(chunk)).  Layout: docs/METHODS.md §1.3.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

__all__ = [
    "COUNT_CHUNK",
    "Layout",
    "choose_layout",
    "chunked_bincount",
    "grid_blocks",
    "pair_codes",
    "real_pair_codes",
    "run_lengths_from_changes",
]

#: Grid cells per chunk in the chunked counting passes (the counters, the layout and the
#: resampling tables).
#: A chunk's int64 pair codes then stay in the L3 cache (2^19–2^20 measured fastest on 2M
#: symbols, 2 cores) and scratch memory is O(chunk) instead of O(symbols).  Read at call time,
#: so tests can set it tiny to exercise the chunk boundaries.
COUNT_CHUNK = 2**19


# --------------------------------------------------------------------------- chunked counting


def chunked_bincount(values: np.ndarray, minlength: int) -> np.ndarray:
    """``np.bincount(values.ravel(), minlength=minlength)`` for non-negative integers of any
    dtype, all ``< minlength``.

    np.bincount first converts its whole input to intp (8 bytes per element); feeding it one
    chunk at a time bounds that copy.
    """
    flat = np.ravel(values)
    step = 8 * COUNT_CHUNK  # only a bounded copy is wanted here, not cache locality
    total = np.zeros(minlength, dtype=np.int64)
    for lo in range(0, flat.size, step):
        total += np.bincount(flat[lo: lo + step].astype(np.intp, copy=False),
                             minlength=minlength)
    return total


def grid_blocks(shape: tuple[int, int], start: int, stop: int,
                chunk: int) -> Iterator[tuple[int, int, int, int]]:
    """Rectangles ``(r0, r1, c0, c1)`` of a ``rows × cols`` grid that cover its flat (row-major)
    cells ``start … stop−1`` in order, each of about ``chunk`` cells or fewer.

    A rectangle is either part of one row or a run of whole rows, so that the pairs starting in
    it at a lag τ are two 2-D slices (see :func:`pair_codes`).
    """
    cols = shape[1]
    flat = start
    while flat < stop:
        row, col = divmod(flat, cols)
        if col or stop - flat < cols or cols > chunk:  # (part of) one row
            end = min(cols, col + max(chunk, 1), stop - row * cols)
            yield row, row + 1, col, end
            flat = row * cols + end
        else:
            n_rows = min(max(1, chunk // cols), (stop - flat) // cols)
            yield row, row + n_rows, 0, cols
            flat += n_rows * cols


def pair_codes(grid: np.ndarray, lag: int, block: tuple[int, int, int, int], width: int,
               out: np.ndarray) -> np.ndarray | None:
    """Codes ``x·width + y`` of the pairs (x, y) = (grid[r, c], grid[r, c + lag]) whose first
    element lies in ``block`` (from :func:`grid_blocks`), row-major, written to the start of
    ``out`` (1-D, at least the block's size, of the codes' dtype).  None when no pair starts
    in the block (it lies in the last ``lag`` columns)."""
    r0, r1, c0, c1 = block
    end = min(c1, grid.shape[1] - lag)
    if end <= c0:
        return None
    codes = out[: (r1 - r0) * (end - c0)].reshape(r1 - r0, end - c0)
    # dtype= makes numpy compute in the codes' dtype: uint8/uint16 ids would overflow.
    np.multiply(grid[r0:r1, c0:end], width, out=codes, dtype=out.dtype)
    np.add(codes, grid[r0:r1, c0 + lag: end + lag], out=codes)
    return codes.reshape(-1)


def run_lengths_from_changes(change: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Run lengths of a sorted array of ``n`` elements whose runs end at ``change`` (all
    runs but the last), written to ``out[:change.size + 1]``."""
    lengths = out[: change.size + 1]
    if change.size:
        lengths[0] = change[0] + 1
        np.subtract(change[1:], change[:-1], out=lengths[1:-1])
        lengths[-1] = n - 1 - change[-1]
    else:
        lengths[0] = n
    return lengths


def real_pair_codes(keys: np.ndarray, alphabet: int) -> np.ndarray:
    """Mask of pair codes ``x·(U+1) + y`` in which neither element is the sentinel ``U``."""
    width = alphabet + 1
    return (keys < alphabet * width) & (keys % width != alphabet)


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class Layout:
    """Where each symbol sits in the 2-D counting grid; empty cells hold the sentinel.

    ``kind`` ``"plain"``: the concatenated symbols reshaped (rectangular data, no sentinel);
    ``"padded"``: one row per sequence, padded to the longest; ``"gapped"``: one row with
    ``gap`` empty cells after every sequence but the last.
    """

    shape: tuple[int, int]
    kind: str
    lengths: np.ndarray
    gap: int = 0

    @property
    def sentinel(self) -> bool:
        return self.kind != "plain"

    def cells_of(self, positions: np.ndarray) -> np.ndarray:
        """Flat grid index of the symbols at these concatenated positions (int64)."""
        positions = np.asarray(positions, dtype=np.int64)
        if self.kind == "plain":
            return positions
        ends = np.cumsum(self.lengths)
        seq = np.searchsorted(ends, positions, side="right")
        if self.kind == "gapped":
            return positions + seq * self.gap
        return seq * self.shape[1] + positions - (ends - self.lengths)[seq]

    def arrange(self, values: np.ndarray, fill: int) -> np.ndarray:
        if self.kind == "plain":
            return values.reshape(self.shape)
        grid = np.full(self.shape[0] * self.shape[1], fill, dtype=values.dtype)
        step = 8 * COUNT_CHUNK  # bounds the int64 cell indices
        for lo in range(0, values.size, step):
            hi = min(values.size, lo + step)
            grid[self.cells_of(np.arange(lo, hi))] = values[lo:hi]
        return grid.reshape(self.shape)


def choose_layout(lengths: np.ndarray, max_lag: int) -> Layout:
    """Rectangular data need nothing; ragged data get the cheaper of two sentinel layouts.

    Padding every row to the longest costs ``S·L_max`` cells; one row with ``max_lag``
    sentinels between sequences costs ``N + (S−1)·max_lag`` and is just as safe, because a
    pair that would cross a boundary always lands on a sentinel.
    """
    n_seq, n = lengths.size, int(lengths.sum())
    if np.all(lengths == lengths[0]):
        return Layout((n_seq, int(lengths[0])), "plain", lengths)
    longest = int(lengths.max())
    padded, gapped = n_seq * longest, n + (n_seq - 1) * max_lag
    if padded <= gapped:
        return Layout((n_seq, longest), "padded", lengths)
    return Layout((1, gapped), "gapped", lengths, max_lag)

