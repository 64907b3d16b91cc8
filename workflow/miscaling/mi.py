"""Auto-mutual information I(τ) = I(x_t; x_{t+τ}) of symbol sequences (paper Sec. 3, App. D.1).

For every lag τ the pairs (x_t, x_{t+τ}) are pooled over all sequences — never across a
sequence boundary — and the mutual information is estimated as (paper Eq. 54)

    Î(τ) = Ĥ(X) + Ĥ(Y) − Ĥ(X, Y),

X the first and Y the second element of the pairs, each entropy estimated from counts with
one of the estimators of :mod:`miscaling.entropy` (the paper's is Eq. 53, ``"grassberger"``).

How the counting is organised (the slow part; see ``benchmarks/bench_mi.py``):

* Symbols are remapped once to compact ids ``0..U−1`` and laid out in a 2-D grid (one row per
  sequence, or all sequences in one row separated by gaps); cells that hold no symbol carry a
  sentinel id ``U`` and every pair touching a sentinel is dropped.  A lag is then just two
  slices of the grid, so no per-lag masks are needed.
* The joint histogram of a lag is either a dense ``np.bincount`` of pair codes ``x·V + y``
  (when ``V²`` cells is no more than about the number of pairs) or, for large alphabets, the
  run lengths of the sorted codes, so that memory never scales like ``U²``.
* The marginals are the same for neighbouring lags up to the few symbols that lose their
  partner, so they are updated incrementally from lag to lag instead of being recounted.
* Histograms become entropies through lookup tables of ``n g(n)`` (:mod:`miscaling.entropy`).

Memory (see ``benchmarks/bench_mi_memory.py``): ids are kept in the smallest unsigned dtype
that holds ``U`` (the input itself when it already is compact), and everything of the length
of the data beyond that is built chunk by chunk (:data:`miscaling.mi_resample.COUNT_CHUNK`
cells): the dense path computes the int64 codes of one chunk at a time for a batch of lags and
sums the chunks' histograms, the marginals only look at the ``max lag`` symbols at each
sequence edge, and the resampling units are ranges, not per-symbol labels.  Only the sparse
path needs the codes of all pairs of a lag at once (to sort them).

Only the per-lag joint counting depends on the backend (numpy here, torch in
:mod:`miscaling.mi_torch`); the shuffle baseline and the resampling intervals
(:mod:`miscaling.mi_resample`) are shared.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Protocol

import numpy as np
import pandas as pd

from . import mi_resample
from .entropy import CountSummary, check_estimator, entropy_from_summary, summarize_counts
from .mi_resample import (
    RESAMPLING,
    SHUFFLE_SCOPES,
    ResamplingUnits,
    chunked_bincount,
    grid_blocks,
    pair_codes,
    replicate_curves,
    replicate_mi,
    resampling_units,
    resampling_weights,
    shuffle_baseline,
)

log = logging.getLogger(__name__)

__all__ = ["BACKENDS", "COLUMNS", "mutual_information", "parse_lags"]

BACKENDS: tuple[str, ...] = ("numpy", "torch", "auto")
COLUMNS: list[str] = [
    "lag", "mi", "ci_low", "ci_high", "baseline", "baseline_sd", "n_pairs", "estimator",
]

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


# --------------------------------------------------------------------------- lags


def _parse_int(text: str, spec: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(
            f"cannot read {what} {text.strip()!r} in lag spec {spec!r}; expected an integer "
            "(forms: '1,2,5', '1:1000' or 'log:1000:60')"
        ) from None


def _log_lags(top: int, count: int) -> np.ndarray:
    """About ``count`` unique log-spaced integers in [1, top], always containing 1 and top."""
    if count >= top:
        return np.arange(1, top + 1, dtype=np.int64)
    # Rounding merges the small lags, so add grid points until `count` distinct ones survive.
    n = count
    while True:
        lags = np.unique(np.rint(np.geomspace(1, top, n)).astype(np.int64))
        if lags.size >= count or n >= 64 * count:
            return lags
        n += count - lags.size


def parse_lags(spec: str) -> np.ndarray:
    """Parse a lag specification into sorted unique int64 lags >= 1.

    Forms: ``"1,2,5"`` (a list), ``"1:1000"`` (inclusive range) and ``"log:1000:60"`` (about
    60 unique log-spaced integers in [1, 1000], always containing 1 and 1000).
    Raises ``ValueError`` naming the offending part otherwise.
    """
    if not isinstance(spec, str):
        raise ValueError(f"lag spec must be a string, got {type(spec).__name__}")
    text = spec.strip()
    if not text:
        raise ValueError("lag spec is empty; expected '1,2,5', '1:1000' or 'log:1000:60'")
    parts = text.split(":")
    if parts[0].strip().lower() == "log":
        if len(parts) != 3:
            raise ValueError(f"lag spec {spec!r}: the log form is 'log:MAX:COUNT'")
        top = _parse_int(parts[1], spec, "maximum lag")
        count = _parse_int(parts[2], spec, "number of lags")
        if top < 1:
            raise ValueError(f"lag spec {spec!r}: maximum lag {top} must be >= 1")
        if count < 2 and top > 1:
            raise ValueError(f"lag spec {spec!r}: number of lags {count} must be >= 2")
        return _log_lags(top, count)
    if len(parts) == 2:
        lo = _parse_int(parts[0], spec, "first lag")
        hi = _parse_int(parts[1], spec, "last lag")
        if lo < 1:
            raise ValueError(f"lag spec {spec!r}: first lag {lo} must be >= 1")
        if hi < lo:
            raise ValueError(f"lag spec {spec!r}: last lag {hi} must be >= first lag {lo}")
        return np.arange(lo, hi + 1, dtype=np.int64)
    if len(parts) > 2:
        raise ValueError(f"lag spec {spec!r}: a range is 'FIRST:LAST' (inclusive)")
    values = np.array([_parse_int(p, spec, "lag") for p in text.split(",")], dtype=np.int64)
    if values.min() < 1:
        raise ValueError(f"lag spec {spec!r}: lag {values.min()} must be >= 1")
    return np.unique(values)


def _as_lags(lags) -> np.ndarray:
    if isinstance(lags, str):
        return parse_lags(lags)
    arr = np.atleast_1d(np.asarray(lags))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"lags must be a non-empty 1-D list of integers, got shape {arr.shape}")
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"lags must be integers, got dtype {arr.dtype}")
    if arr.min() < 1:
        raise ValueError(f"lag {arr.min()} must be >= 1")
    return np.unique(arr.astype(np.int64))


# --------------------------------------------------------------------------- input


@dataclass(frozen=True)
class _Symbols:
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


def _collect(sequences) -> tuple[np.ndarray, np.ndarray]:
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


def _id_dtype(top: int) -> np.dtype:
    """The smallest unsigned dtype that holds ``0..top`` (ids plus the sentinel ``top``)."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.int64)


def _compact_ids(flat: np.ndarray) -> tuple[np.ndarray, int]:
    """Relabel symbols as 0..U−1 (only symbols present), preserving their order.

    The ids come in :func:`_id_dtype` ``(U)``, so that the sentinel ``U`` fits too; input that
    already is ``0..U−1`` in that dtype is returned as it is (no copy, never written to).
    """
    top = int(flat.max())
    if top <= max(4 * flat.size, 2**20):  # a lookup table is cheaper than sorting
        present = chunked_bincount(flat, top + 1) > 0
        alphabet = int(present.sum())
        dtype = _id_dtype(alphabet)
        if alphabet == top + 1 and flat.dtype == dtype:
            return flat, alphabet
        relabel = (np.cumsum(present) - 1).astype(dtype)
        if flat.dtype == np.uint64:  # fancy indexing casts uint64 indices only with a copy
            flat = flat.view(np.int64)  # validated: all values < 2**63
        return relabel[flat], alphabet  # non-intp indices are cast in buffered chunks
    symbols, ids = np.unique(flat, return_inverse=True)
    return ids.ravel().astype(_id_dtype(symbols.size)), int(symbols.size)


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class _Layout:
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
        step = 8 * mi_resample.COUNT_CHUNK  # bounds the int64 cell indices
        for lo in range(0, values.size, step):
            hi = min(values.size, lo + step)
            grid[self.cells_of(np.arange(lo, hi))] = values[lo:hi]
        return grid.reshape(self.shape)


def _choose_layout(lengths: np.ndarray, max_lag: int) -> _Layout:
    """Rectangular data need nothing; ragged data get the cheaper of two sentinel layouts.

    Padding every row to the longest costs ``S·L_max`` cells; one row with ``max_lag``
    sentinels between sequences costs ``N + (S−1)·max_lag`` and is just as safe, because a
    pair that would cross a boundary always lands on a sentinel.
    """
    n_seq, n = lengths.size, int(lengths.sum())
    if np.all(lengths == lengths[0]):
        return _Layout((n_seq, int(lengths[0])), "plain", lengths)
    longest = int(lengths.max())
    padded, gapped = n_seq * longest, n + (n_seq - 1) * max_lag
    if padded <= gapped:
        return _Layout((n_seq, longest), "padded", lengths)
    return _Layout((1, gapped), "gapped", lengths, max_lag)


# --------------------------------------------------------------------------- marginals


class _MarginalPlan:
    """Incremental marginal histograms over lags (sorted ascending).

    At lag τ, X counts every symbol with at least τ successors in its sequence and Y every
    symbol with at least τ predecessors — exactly the symbols that form pairs — so going from
    one lag to the next only removes the symbols whose distance to the end (start) of their
    sequence falls in [τ_prev, τ).  Only the symbols within ``max lag`` of a sequence edge
    are ever removed, so only they are listed.
    """

    def __init__(self, lengths: np.ndarray, lags: np.ndarray):
        top = int(lags[-1])
        near = np.minimum(lengths, top)  # symbols within `top` of each edge, per sequence
        ends = np.cumsum(lengths)
        seq = np.repeat(np.arange(lengths.size), near)
        # 0 … near−1 within each sequence; positions come out ascending on both sides
        rank = np.arange(seq.size) - np.repeat(np.cumsum(near) - near, near)
        self.lags = lags
        self.sides = [
            self._plan((ends - near)[seq] + rank, (near - 1)[seq] - rank, lags),  # to the end
            self._plan((ends - lengths)[seq] + rank, rank, lags),  # from the start
        ]

    @staticmethod
    def _plan(index: np.ndarray, distance: np.ndarray,
              lags: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if lags[-1] < 2**15:
            distance = distance.astype(np.int16)  # numpy sorts 16-bit keys by radix sort
        by_distance = np.argsort(distance, kind="stable")
        return index[by_distance], np.searchsorted(distance[by_distance], lags, side="left")

    def summaries(
        self, ids: np.ndarray, alphabet: int, estimator: str
    ) -> tuple[list[CountSummary], list[CountSummary]]:
        out: list[list[CountSummary]] = []
        all_counts = chunked_bincount(ids, alphabet)
        for order, cuts in self.sides:
            counts = all_counts.copy()
            removed = ids[order]
            side, prev = [], 0
            for cut in cuts:
                counts -= np.bincount(removed[prev:cut], minlength=alphabet)
                prev = cut
                side.append(summarize_counts(counts, estimator))
            out.append(side)
        return out[0], out[1]


# --------------------------------------------------------------------------- joint counting


class _Counter(Protocol):
    def joints(self, lags: list[int], pool: ThreadPoolExecutor | None) -> list[CountSummary]:
        """Joint histogram summaries of the given lags (``pool``: threads it may use)."""
        ...


CounterFactory = Callable[[np.ndarray, int, bool, bool, str], _Counter]


def _map(pool: ThreadPoolExecutor | None, fn: Callable, items) -> list:
    return list(pool.map(fn, items)) if pool is not None else [fn(i) for i in items]


def _run_lengths_from_changes(change: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
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


def run_lengths(sorted_codes: np.ndarray, flag_out: np.ndarray | None = None,
                lengths_out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Run lengths of a sorted non-empty 1-D array, and the index of the last element of all
    runs but the final one (whose last element is ``sorted_codes[-1]``).

    ``flag_out`` (bool, at least as long as the input) and ``lengths_out`` (int64, at least
    as long as the number of runs) are optional scratch arrays.
    """
    n = sorted_codes.size
    flag = np.not_equal(sorted_codes[1:], sorted_codes[:-1],
                        out=None if flag_out is None else flag_out[: n - 1])
    change = np.flatnonzero(flag)
    if lengths_out is None:
        lengths_out = np.empty(change.size + 1, dtype=np.int64)
    return _run_lengths_from_changes(change, n, lengths_out), change


def real_pair_codes(keys: np.ndarray, alphabet: int) -> np.ndarray:
    """Mask of pair codes ``x·(U+1) + y`` in which neither element is the sentinel ``U``."""
    width = alphabet + 1
    return (keys < alphabet * width) & (keys % width != alphabet)


class NumpyCounter:
    """Joint histograms of (x_t, x_{t+τ}) over a grid of compact ids (thread-safe).

    The grid is only read (it may be the caller's array).  Dense path: for a batch of lags
    at a time, one pass over the grid in chunks of :data:`~miscaling.mi_resample.COUNT_CHUNK`
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
            return _map(pool, self._sparse_joint, lags)
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
        chunk = max(mi_resample.COUNT_CHUNK, min(DENSE_CHUNK_TABLES * cells, DENSE_CHUNK_MAX))
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
        for block in grid_blocks(grid.shape, 0, grid.size, mi_resample.COUNT_CHUNK):
            part = pair_codes(grid, lag, block, self.width, codes[filled:])
            if part is not None:
                filled += part.size
        codes.sort()
        flag = np.not_equal(codes[1:], codes[:-1], out=self._buffer("flag", n - 1, np.bool_))
        change = np.flatnonzero(flag)
        lengths = _run_lengths_from_changes(
            change, n, self._buffer("lengths", change.size + 1, np.int64))
        if self.sentinel:
            keys = np.append(codes[change], codes[-1])
            lengths = lengths[real_pair_codes(keys, self.alphabet)]
        return summarize_counts(lengths, self.estimator, max_count=self.max_count,
                                positive=True, out=self._buffer("terms", lengths.size,
                                                                np.float64))


# --------------------------------------------------------------------------- engine


@dataclass(frozen=True)
class _Plan:
    """Everything about the data that does not change under within-sequence shuffles."""

    lengths: np.ndarray
    alphabet: int
    lags: np.ndarray
    layout: _Layout
    dense: bool
    marginals: _MarginalPlan


def _make_plan(symbols: _Symbols, lags: np.ndarray, path: str | None) -> _Plan:
    layout = _choose_layout(symbols.lengths, int(lags[-1]))
    cells = layout.shape[0] * layout.shape[1]
    width = symbols.alphabet + int(layout.sentinel)
    dense = width**2 <= min(DENSE_MAX_CELLS, max(cells, 4096)) if path is None else path == "dense"
    log.debug("MI plan: grid %s, sentinel=%s, V=%d, %s path", layout.shape, layout.sentinel,
              width, "dense" if dense else "sparse")
    return _Plan(symbols.lengths, symbols.alphabet, lags, layout, dense,
                 _MarginalPlan(symbols.lengths, lags))


def _mi_curve(ids: np.ndarray, plan: _Plan, estimator: str, make_counter: CounterFactory,
              pool: ThreadPoolExecutor | None) -> tuple[np.ndarray, np.ndarray]:
    """Î(τ) and the number of pairs for every lag of the plan."""
    grid = plan.layout.arrange(ids, fill=plan.alphabet)
    counter = make_counter(grid, plan.alphabet, plan.layout.sentinel, plan.dense, estimator)
    joints = counter.joints(plan.lags.tolist(), pool)
    del counter, grid  # free the counter's scratch before the marginals
    xs, ys = plan.marginals.summaries(ids, plan.alphabet, estimator)
    mi = np.empty(plan.lags.size)
    for i, (j, x, y) in enumerate(zip(joints, xs, ys)):
        if not j.n == x.n == y.n:  # cheap guard against a layout/marginal mismatch
            raise RuntimeError(f"pair count mismatch at lag {plan.lags[i]}: {j.n}, {x.n}, {y.n}")
        mi[i] = (entropy_from_summary(x, estimator) + entropy_from_summary(y, estimator)
                 - entropy_from_summary(j, estimator))
    return mi, np.array([j.n for j in joints], dtype=np.int64)


# --------------------------------------------------------------------------- resampling


def _replicate_curves(symbols: _Symbols, plan: _Plan, point: np.ndarray,
                      units: ResamplingUnits, replicates: int, method: str, estimator: str,
                      pool, rng: np.random.Generator) -> np.ndarray:
    """Resampling replicate curves (lags × replicates) on the scale of the estimate.

    The same unit weights are used at every lag, so a replicate is a whole curve and a
    statistic of the curve (a fitted exponent) can be recomputed on each one.
    """
    if units.n_units < 2:
        log.warning("only %d resampling unit: no confidence interval", units.n_units)
        return np.full((point.size, replicates), np.nan)
    weights = resampling_weights(rng, units.n_units, replicates, method)
    grid = plan.layout.arrange(symbols.ids, fill=plan.alphabet)
    # Units are contiguous in the concatenated order and the layout keeps that order, so each
    # unit is a range of flat grid cells (gaps and padding are sentinels, never counted).
    starts = np.append(plan.layout.cells_of(units.bounds[:-1]), grid.size)
    fn = partial(replicate_mi, grid=grid, starts=starts, alphabet=plan.alphabet,
                 sentinel=plan.layout.sentinel, weights=weights, estimator=estimator)
    reps = np.stack(_map(pool, fn, plan.lags.tolist()))  # lags × replicates
    return replicate_curves(point, reps, method, units.n_units)


# --------------------------------------------------------------------------- public API


def _check_options(estimator: str, backend: str, shuffles: int, bootstrap: int,
                   confidence: float, block_length: int | None, threads: int,
                   resampling: str, shuffle_scope: str, path: str | None) -> None:
    check_estimator(estimator)
    if shuffle_scope not in SHUFFLE_SCOPES:
        raise ValueError(f"unknown shuffle_scope {shuffle_scope!r}; expected one of "
                         f"{', '.join(SHUFFLE_SCOPES)}")
    if resampling not in RESAMPLING:
        raise ValueError(f"unknown resampling {resampling!r}; expected one of "
                         f"{', '.join(RESAMPLING)}")
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    for name, value in (("shuffles", shuffles), ("bootstrap", bootstrap)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    if not (isinstance(confidence, (int, float, np.number)) and 0.0 < confidence < 1.0):
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    if block_length is not None and (not isinstance(block_length, (int, np.integer))
                                     or block_length < 1):
        raise ValueError(f"block_length must be None or an integer >= 1, got {block_length!r}")
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ValueError(f"threads must be an integer >= 1, got {threads!r}")
    if path not in (None, "dense", "sparse"):
        raise ValueError(f"_path must be None, 'dense' or 'sparse', got {path!r}")


def _resolve_backend(backend: str, device) -> tuple[CounterFactory, str, str | None]:
    """(counter factory, backend name, device name); imports torch only when it is used."""
    if backend == "auto":
        backend = "numpy"
        if importlib.util.find_spec("torch") is not None:
            import torch

            if torch.cuda.is_available():
                backend = "torch"
    if backend == "numpy":
        return NumpyCounter, "numpy", None
    from .mi_torch import TorchCounter, resolve_device

    dev = resolve_device(device)
    return partial(TorchCounter, device=dev), "torch", str(dev)


@contextlib.contextmanager
def _executor(threads: int) -> Iterator[ThreadPoolExecutor | None]:
    if threads == 1:
        yield None
        return
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="mi") as pool:
        yield pool


def mutual_information(sequences, lags, estimator: str = "grassberger", *, shuffles: int = 0,
                       bootstrap: int = 0, confidence: float = 0.95,
                       block_length: int | None = None, seed: int | None = 0,
                       backend: str = "numpy", device=None, threads: int = 1,
                       resampling: str = "half", shuffle_scope: str = "global",
                       return_replicates: bool = False, _path: str | None = None):
    """Auto-mutual information Î(τ) = Ĥ(X) + Ĥ(Y) − Ĥ(X,Y) (paper Eq. 54), in nats.

    Parameters
    ----------
    sequences
        A 1-D array, a 2-D array (one row per sequence) or a list/tuple of 1-D arrays (ragged
        allowed; empty ones are dropped) of non-negative integer symbols (bool and any integer
        dtype; floats are rejected even when integral).  Pairs (x_t, x_{t+τ}) are pooled over
        all sequences and never cross a sequence boundary.
    lags
        Integers >= 1 or a spec for :func:`parse_lags`; every lag must be smaller than the
        longest sequence.  Rows come out in ascending lag order, duplicates merged.
    estimator
        One of :data:`miscaling.entropy.ESTIMATORS`; the paper's is ``"grassberger"`` (Eq. 53).
    shuffles, shuffle_scope
        K >= 0 independent random permutations; ``baseline`` / ``baseline_sd`` are the mean /
        sample sd (ddof=1) of their Î(τ).  ``"global"`` (default) permutes all symbols across
        sequences (lengths kept): the estimator's floor for independent symbols with the same
        frequencies.  ``"within"`` permutes inside each sequence, keeping each composition
        (see :mod:`miscaling.mi_resample`).
    bootstrap, confidence, block_length, resampling
        B >= 0 resampling replicates for an interval at ``confidence``.  Units are sequences
        when there are >= 10 of them, else contiguous blocks of ``block_length`` symbols
        (default ``max(2·max lag, n_symbols // 100)``); the same replicate units are used at
        every lag, and replicates are always counted with numpy.  ``resampling="half"``
        (default): each replicate keeps a random half of the units, and the interval is the
        estimate plus percentiles of the centred replicates (delete-d jackknife);
        ``"replacement"``: percentile interval of the classic with-replacement bootstrap,
        which is biased whenever the estimator's bias is not negligible (see
        :mod:`miscaling.mi_resample`).
    seed
        Seeds the shuffles and the resampling (independent streams); ``None``: fresh entropy.
    backend, device
        ``"numpy"``, ``"torch"`` (``device`` default: CUDA if available, else CPU) or
        ``"auto"`` (torch on CUDA when available, else numpy).  Same numbers either way.
    threads
        Lags are counted on this many threads; results do not depend on it.
    return_replicates
        Also return the resampling replicate curves (see below).

    Returns
    -------
    DataFrame with columns :data:`COLUMNS`; ``ci_*`` are NaN when ``bootstrap=0`` and
    ``baseline*`` NaN when ``shuffles=0``.  ``df.attrs`` holds the metadata.  With
    ``return_replicates=True`` a pair ``(df, replicates)``, ``replicates`` a long table with
    columns ``replicate, lag, mi``: B whole curves on the scale of the estimate whose per-lag
    percentiles are ``ci_low``/``ci_high`` (empty when ``bootstrap=0``).  Refit a model on
    each of them for an interval that carries the correlation between lags
    (:func:`miscaling.fit.fit_replicates`).
    """
    _check_options(estimator, backend, shuffles, bootstrap, confidence, block_length, threads,
                   resampling, shuffle_scope, _path)
    lag_arr = _as_lags(lags)
    flat, lengths = _collect(sequences)
    if flat.size == 0:
        raise ValueError("sequences is empty: it holds no symbols")
    if lag_arr[-1] >= lengths.max():
        raise ValueError(f"lag {lag_arr[-1]} must be < the longest sequence length "
                         f"{lengths.max()}")
    make_counter, backend_name, device_name = _resolve_backend(backend, device)

    ids, alphabet = _compact_ids(flat)
    del flat  # a concatenation of the input, if one was needed
    symbols = _Symbols(ids, lengths[lengths > 0], alphabet)
    plan = _make_plan(symbols, lag_arr, _path)
    shuffle_rng, resample_rng = (np.random.default_rng(s)
                                 for s in np.random.SeedSequence(seed).spawn(2))
    nan = np.full(lag_arr.size, np.nan)
    units = None
    with _executor(int(threads)) as pool:
        def curve(ids_: np.ndarray) -> np.ndarray:
            return _mi_curve(ids_, plan, estimator, make_counter, pool)[0]

        mi, n_pairs = _mi_curve(symbols.ids, plan, estimator, make_counter, pool)
        baseline, baseline_sd = nan, nan
        if shuffles:
            baseline, baseline_sd = shuffle_baseline(curve, symbols.ids, symbols.lengths,
                                                     int(shuffles), shuffle_rng, shuffle_scope)
        ci_low, ci_high = nan, nan
        reps = np.empty((lag_arr.size, 0))
        if bootstrap:
            units = resampling_units(symbols.lengths, int(lag_arr[-1]), block_length)
            reps = _replicate_curves(symbols, plan, mi, units, int(bootstrap), resampling,
                                     estimator, pool, resample_rng)
            alpha = (1.0 - float(confidence)) / 2.0
            if np.isfinite(reps).any():
                ci_low, ci_high = np.nanquantile(reps, [alpha, 1.0 - alpha], axis=1)

    df = pd.DataFrame({
        "lag": lag_arr, "mi": mi, "ci_low": ci_low, "ci_high": ci_high, "baseline": baseline,
        "baseline_sd": baseline_sd, "n_pairs": n_pairs, "estimator": estimator,
    }, columns=COLUMNS)
    df.attrs.update({
        "n_sequences": int(symbols.lengths.size), "n_symbols": int(ids.size),
        "alphabet_size": alphabet, "backend": backend_name, "device": device_name,
        "counting_path": "dense" if plan.dense else "sparse",
        "bootstrap_unit": units.kind if units else None,
        "block_length": units.block_length if units else None,
        "bootstrap_units": units.n_units if units else None,
        "resampling": resampling if bootstrap else None,
        "confidence": float(confidence), "shuffles": int(shuffles),
        "shuffle_scope": shuffle_scope if shuffles else None,
        "bootstrap": int(bootstrap), "seed": seed, "threads": int(threads),
    })
    if not return_replicates:
        return df
    replicates = pd.DataFrame({
        "replicate": np.tile(np.arange(reps.shape[1]), lag_arr.size),
        "lag": np.repeat(lag_arr, reps.shape[1]),
        "mi": reps.ravel(),
    })
    return df, replicates
