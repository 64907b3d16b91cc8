"""The numpy counter: joint histograms of (x_t, x_{t+τ}) over the counting grid, per lag.

The joint histogram of a lag is either a dense ``np.bincount`` of pair codes ``x·V + y``
(when ``V²`` cells is no more than about the number of pairs) or, for large alphabets, the
run lengths of the sorted codes, so that memory never scales like ``U²``.  Every counter
(this one, :class:`miscaling.mi.torch_counter.TorchCounter`) has the same interface
(:class:`Counter`): ``joints(lags, pool)`` returns one
:class:`~miscaling.mi.entropy.CountSummary` per lag.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

import numpy as np

from . import grid as grid_mod
from .entropy import CountSummary, summarize_counts
from .grid import (
    chunked_bincount,
    grid_blocks,
    pair_codes,
    real_pair_codes,
    run_lengths_from_changes,
)

__all__ = ["Counter", "CounterFactory", "NumpyCounter", "map_items"]

#: The dense joint table is used when V² <= min(DENSE_MAX_CELLS, max(grid cells, 4096)),
#: V the alphabet size (+1 with a sentinel), grid cells ≈ the number of pairs at lag 1.
#: Measured on 2M symbols (2 cores): dense and sort-based counting break even at V² ≈ 1.2 N,
#: at 20M symbols at V² ≈ 0.7 N; the cap keeps one table at <= 128 MiB per thread.
DENSE_MAX_CELLS = 2**24
#: The dense path counts a batch of lags per pass over the grid, so that widening a chunk of
#: ids to int64 and computing x·V is done once per chunk and batch, not per lag.  A batch
#: has at most DENSE_BATCH_LAGS lags and DENSE_BATCH_BYTES of tables (V = 2000: 8 lags; with
#: 2 the widening cost 7% at 4M symbols).
DENSE_BATCH_LAGS = 32
DENSE_BATCH_BYTES = 2**28
#: A dense chunk holds at least this many codes per table cell, up to DENSE_CHUNK_MAX codes:
#: each chunk's fresh table is added to the lag's sum, which costs about as much per cell as
#: counting a code into a large table (measured at V = 2000, 20M symbols: chunks of 2 tables
#: 9% slower than unchunked, of 4 on par).  Scratch: 3 int64 chunk buffers (<= 768 MiB).
DENSE_CHUNK_TABLES = 4
DENSE_CHUNK_MAX = 2**25


class Counter(Protocol):
    """What the engine needs of a counter (built by a :data:`CounterFactory`)."""

    def joints(self, lags: list[int], pool: ThreadPoolExecutor | None) -> list[CountSummary]:
        """Joint histogram summaries of the given lags (``pool``: threads it may use)."""
        ...


CounterFactory = Callable[[np.ndarray, int, bool, bool, str], Counter]


def map_items(pool: ThreadPoolExecutor | None, fn: Callable, items) -> list:
    """``[fn(item) for item in items]``, on ``pool``'s threads when there is one."""
    return list(pool.map(fn, items)) if pool is not None else [fn(i) for i in items]


class NumpyCounter:
    """Joint histograms of (x_t, x_{t+τ}) over a grid of compact ids (thread-safe).

    The grid is only read (it may be the caller's array).  Dense path: for a batch of lags
    at a time, one pass over the grid in chunks of :data:`~miscaling.mi.grid.COUNT_CHUNK`
    cells computes x·V once per chunk, then per lag the chunk's int64 codes and their
    ``np.bincount``; the chunks' tables are summed.  Sparse path: per lag, the codes of all
    pairs (int32 when they fit) are sorted and their run lengths are the non-zero counts.
    """

    def __init__(self, grid: np.ndarray, alphabet: int, sentinel: bool, dense: bool,
                 estimator: str):
        self.grid = grid
        self.alphabet, self.sentinel, self.dense = alphabet, sentinel, dense
        self.estimator = estimator
        self.width = alphabet + int(sentinel)
        # int32 codes sort twice as fast; np.bincount wants intp anyway.
        self.code_dtype = np.dtype(np.int32 if not dense and self.width**2 < 2**31
                                   else np.int64)
        # No joint count can exceed the count of the most frequent symbol: when that is below
        # the lookup table's size the per-lag search for huge counts is skipped.
        self.max_count = int(chunked_bincount(grid, self.width)[:alphabet].max())
        self._scratch = threading.local()

    def _buffer(self, name: str, size: int, dtype) -> np.ndarray:
        """A per-thread scratch array of at least ``size`` elements, reused across lags
        (fresh large arrays cost page faults: ~5% per lag); grows geometrically."""
        arr = getattr(self._scratch, name, None)
        if arr is None or arr.size < size:
            arr = np.empty(max(size, 0 if arr is None else 3 * arr.size // 2), dtype=dtype)
            setattr(self._scratch, name, arr)
        return arr[:size]

    def joints(self, lags: list[int], pool: ThreadPoolExecutor | None = None
               ) -> list[CountSummary]:
        if not self.dense:
            # np.sort releases the GIL, np.bincount does not: two threads on the dense path
            # were measured 25% slower than one (contention), so only sorting runs in parallel.
            return map_items(pool, self._sparse_joint, lags)
        cells = self.width**2
        per_batch = max(1, min(DENSE_BATCH_LAGS, DENSE_BATCH_BYTES // (8 * cells)))
        out: list[CountSummary] = []
        for lo in range(0, len(lags), per_batch):
            out += self._dense_joints(lags[lo: lo + per_batch])
        return out

    def joint(self, lag: int) -> CountSummary:
        return self.joints([lag])[0]

    def _dense_joints(self, lags: list[int]) -> list[CountSummary]:
        grid, width, cells = self.grid, self.width, self.width**2
        cols, reach = grid.shape[1], max(lags)
        chunk = max(grid_mod.COUNT_CHUNK, min(DENSE_CHUNK_TABLES * cells, DENSE_CHUNK_MAX))
        # Per chunk, its ids and the next `reach` ones are widened to int64 once, and x·V
        # computed once; each lag is then one same-dtype add (mixed-dtype ufuncs are slower).
        wide_buf = self._buffer("wide", chunk + reach, np.int64)
        first = self._buffer("first", chunk, np.int64)
        codes = self._buffer("codes", chunk, np.int64)
        tables: list[np.ndarray | None] = [None] * len(lags)
        for r0, r1, c0, c1 in grid_blocks(grid.shape, 0, grid.size, chunk):
            rows, stop = r1 - r0, min(cols, c1 + reach)
            wide = wide_buf[: rows * (stop - c0)].reshape(rows, stop - c0)
            np.copyto(wide, grid[r0:r1, c0:stop])
            xv = first[: rows * (c1 - c0)].reshape(rows, c1 - c0)
            np.multiply(wide[:, : c1 - c0], width, out=xv)
            for i, lag in enumerate(lags):
                n = min(c1, cols - lag) - c0  # pairs per row that start in this chunk
                if n <= 0:
                    continue
                out = codes[: rows * n].reshape(rows, n)
                np.add(xv[:, :n], wide[:, lag: lag + n], out=out)
                counts = np.bincount(out.reshape(-1), minlength=cells)
                if tables[i] is None:
                    tables[i] = counts
                else:
                    tables[i] += counts
        terms = self._buffer("terms", cells, np.float64)
        summaries = []
        for table in tables:
            assert table is not None  # every lag < the row length has pairs in a chunk
            if self.sentinel:
                table = table.reshape(width, width)[: self.alphabet, : self.alphabet]
            summaries.append(summarize_counts(table, self.estimator, max_count=self.max_count,
                                              out=terms))
        return summaries

    def _sparse_joint(self, lag: int) -> CountSummary:
        grid = self.grid
        rows, cols = grid.shape
        n = rows * (cols - lag)
        codes = self._buffer("codes", rows * (cols - 1), self.code_dtype)[:n]
        filled = 0
        for block in grid_blocks(grid.shape, 0, grid.size, grid_mod.COUNT_CHUNK):
            part = pair_codes(grid, lag, block, self.width, codes[filled:])
            if part is not None:
                filled += part.size
        codes.sort()
        flag = np.not_equal(codes[1:], codes[:-1], out=self._buffer("flag", n - 1, np.bool_))
        change = np.flatnonzero(flag)
        lengths = run_lengths_from_changes(
            change, n, self._buffer("lengths", change.size + 1, np.int64))
        if self.sentinel:
            keys = np.append(codes[change], codes[-1])
            lengths = lengths[real_pair_codes(keys, self.alphabet)]
        return summarize_counts(lengths, self.estimator, max_count=self.max_count,
                                positive=True, out=self._buffer("terms", lengths.size,
                                                                np.float64))
