"""Shuffle floors and resampling confidence intervals for :mod:`miscaling.mi`.

Global and within-sequence shuffles; resampling units (whole sequences or contiguous blocks) and
replicates by half-sampling without replacement (a delete-d jackknife, the default) or the
textbook bootstrap.  A replicate's counts are a product of per-unit count tables and unit
weights, never a recount, and the tables are built chunk by chunk (memory O(chunk + table)).
Why half-sampling, and the formulas: docs/METHODS.md §1.4–1.5, Eqs. (M8)–(M11).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse

from . import grid as grid_mod
from .entropy import entropy_columns
from .grid import grid_blocks, pair_codes

__all__ = [
    "RESAMPLING",
    "SHUFFLE_SCOPES",
    "ResamplingUnits",
    "replicate_curves",
    "replicate_mi",
    "resampling_units",
    "resampling_weights",
    "shuffle_baseline",
    "shuffle_within",
    "unit_pair_counts",
]

RESAMPLING: tuple[str, ...] = ("half", "replacement")
SHUFFLE_SCOPES: tuple[str, ...] = ("global", "within")
#: With at least this many sequences the units are sequences, otherwise blocks.
MIN_SEQUENCES_FOR_SEQUENCE_UNITS = 10
#: Consecutive sequences are merged into at most this many units.
MAX_SEQUENCE_GROUPS = 1000
# Per-unit count tables with at most this many cells are kept dense (a BLAS matmul per batch
# of replicates); larger ones are scipy.sparse.  Also bounds a batch's cells × replicates.
_DENSE_UNIT_CELLS = 2**22


# --------------------------------------------------------------------------- shuffles


def shuffle_within(ids: np.ndarray, lengths: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Independently permute the symbols inside each sequence (keeps each composition)."""
    if np.all(lengths == lengths[0]):
        return rng.permuted(ids.reshape(lengths.size, int(lengths[0])), axis=1).ravel()
    # Sorting by (sequence index + uniform[0, 1)) keeps sequences apart, shuffles inside.
    seq = np.repeat(np.arange(lengths.size, dtype=np.float64), lengths)
    return ids[np.argsort(seq + rng.random(seq.size))]


def shuffle_baseline(curve: Callable[[np.ndarray], np.ndarray], ids: np.ndarray,
                     lengths: np.ndarray, shuffles: int, rng: np.random.Generator,
                     scope: str = "global") -> tuple[np.ndarray, np.ndarray]:
    """Mean and sample sd (ddof=1; NaN for one shuffle) of ``curve`` over shuffled copies.

    ``scope="global"`` permutes all symbols (sequence lengths kept), ``"within"`` only inside
    each sequence.
    """
    def shuffled() -> np.ndarray:
        return rng.permutation(ids) if scope == "global" else shuffle_within(ids, lengths, rng)

    curves = np.stack([curve(shuffled()) for _ in range(shuffles)])
    sd = (curves.std(axis=0, ddof=1) if shuffles > 1
          else np.full(curves.shape[1], np.nan))
    return curves.mean(axis=0), sd


# --------------------------------------------------------------------------- units


@dataclass(frozen=True)
class ResamplingUnits:
    """Resampling units: contiguous ranges of the concatenated symbols, in order.

    Unit ``u`` holds the symbols at positions ``bounds[u] … bounds[u+1]−1`` (``bounds[0] = 0``,
    ``bounds[-1]`` = the number of symbols); no per-symbol labels are stored.
    """

    bounds: np.ndarray  # int64, n_units + 1
    n_units: int
    kind: str  # "sequence" or "block"
    block_length: int | None

    def labels(self) -> np.ndarray:
        """Unit of every symbol (int64), in concatenated order."""
        return np.repeat(np.arange(self.n_units), np.diff(self.bounds))


def resampling_units(lengths: np.ndarray, max_lag: int,
                     block_length: int | None) -> ResamplingUnits:
    """Units that respect serial dependence.

    With >= 10 sequences the sequences are the units (consecutive ones merged into at most
    ``MAX_SEQUENCE_GROUPS`` groups: still independent units).  Otherwise every sequence is cut
    into contiguous blocks of ``block_length`` symbols, by default
    ``max(2·max_lag, n_symbols // 100)`` (about 100 blocks, each much longer than the longest
    lag), and a pair belongs to the block of its first element.
    """
    n_seq, n = lengths.size, int(lengths.sum())
    starts = np.cumsum(lengths) - lengths
    if n_seq >= MIN_SEQUENCES_FOR_SEQUENCE_UNITS:
        groups = min(n_seq, MAX_SEQUENCE_GROUPS)
        group_of_seq = np.arange(n_seq) * groups // n_seq  # non-decreasing, hits every group
        first_seq = np.searchsorted(group_of_seq, np.arange(groups), side="left")
        return ResamplingUnits(np.append(starts[first_seq], n), groups, "sequence", None)
    if block_length is None:
        block_length = max(2 * max_lag, n // 100)
    blocks_per_seq = -(-lengths // block_length)
    total = int(blocks_per_seq.sum())
    seq = np.repeat(np.arange(n_seq), blocks_per_seq)
    block_in_seq = np.arange(total) - np.repeat(np.cumsum(blocks_per_seq) - blocks_per_seq,
                                                blocks_per_seq)
    bounds = np.append(starts[seq] + block_in_seq * block_length, n)
    return ResamplingUnits(bounds, total, "block", int(block_length))


def resampling_weights(rng: np.random.Generator, n_units: int, replicates: int,
                       method: str) -> np.ndarray:
    """Integer multiplicity of every unit in every replicate (replicates × units).

    ``"half"``: a random subset of ceil(n/2) units, each once; ``"replacement"``: n draws
    with replacement (multinomial).
    """
    if method == "replacement":
        return rng.multinomial(n_units, np.full(n_units, 1.0 / n_units), size=replicates)
    keep = (n_units + 1) // 2
    order = np.argsort(rng.random((replicates, n_units)), axis=1)
    weights = np.zeros((replicates, n_units), dtype=np.int64)
    np.put_along_axis(weights, order[:, :keep], 1, axis=1)
    return weights


def replicate_curves(point: np.ndarray, replicates: np.ndarray, method: str,
                     n_units: int) -> np.ndarray:
    """Replicate curves (lags × replicates) on the scale of the estimate.

    Their per-lag percentiles are the reported interval, and a statistic computed on each of
    them (a fitted γ or ξ) gets its interval the same way.
    ``"replacement"``: the bootstrap replicates themselves (plain percentile bootstrap);
    ``"half"``: the estimate plus the centred replicate deviations scaled by sqrt(r/(n−r))
    (r of n units kept), the delete-d jackknife factor, which is 1 for an even n.
    """
    if method == "replacement":
        return replicates.copy()
    keep = (n_units + 1) // 2
    scale = np.sqrt(keep / (n_units - keep))
    return point[:, None] + (replicates - np.nanmean(replicates, axis=1, keepdims=True)) * scale


# --------------------------------------------------------------------------- replicates


def _sorted_counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of ``keys`` (ascending) and their counts; sorts ``keys`` in place."""
    keys.sort()
    new = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    edges = np.concatenate(([0], new, [keys.size]))
    return keys[edges[:-1]], np.diff(edges)


def unit_pair_counts(lag: int, grid: np.ndarray, starts: np.ndarray, width: int,
                     sentinel: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pair counts of every unit at one lag: ``(pairs_per_unit, code, count)``.

    ``code`` = x·width + y of the distinct pairs of each unit (ascending within a unit, units
    in order; int32 when width² fits), ``count`` their counts (> 0, as float64 for the matrix
    products) and ``pairs_per_unit`` how many distinct pairs each unit has.  Pairs with an
    element equal to ``sentinel`` are left out.

    ``starts`` (n_units + 1) are flat grid indices: unit ``u`` owns the pairs whose first
    element lies in cells ``starts[u] … starts[u+1]−1``.  A unit of at least a chunk is counted
    alone into a dense histogram of all width² codes, chunk by chunk; runs of smaller units
    (at most a chunk of cells and 4 chunks of table) are counted together: a dense
    histogram of unit·width² + code while that table has at most 4 cells per pair, else by
    sorting the codes (sorting one costs about as much as clearing and scanning 4 table
    cells, measured on 5·10^4–2·10^6 codes).
    """
    cells = width * width
    chunk = max(grid_mod.COUNT_CHUNK, cells // 2)  # a histogram per chunk costs O(width²)
    n_units = starts.size - 1
    code_dtype = np.int32 if cells <= 2**31 else np.int64
    buf = np.empty(chunk, dtype=np.int64)
    per_unit = np.zeros(n_units, dtype=np.int64)
    codes: list[np.ndarray] = []
    counts: list[np.ndarray] = []

    def emit(u: int, owner: np.ndarray, code: np.ndarray, count: np.ndarray) -> None:
        """Keep the real pairs of units u + owner (ascending) with these codes and counts."""
        if sentinel is not None:
            x, y = np.divmod(code, width)
            real = (x != sentinel) & (y != sentinel)
            owner, code, count = owner[real], code[real], count[real]
        if owner.size:  # owner is ascending
            per_unit[u: u + owner[-1] + 1] += np.bincount(owner)
        codes.append(code.astype(code_dtype))
        counts.append(count.astype(np.float64))

    u = 0
    while u < n_units:
        lo = int(starts[u])
        if starts[u + 1] - lo >= chunk:  # a large unit on its own
            hist = np.zeros(cells, dtype=np.int64)
            for block in grid_blocks(grid.shape, lo, int(starts[u + 1]), chunk):
                pairs = pair_codes(grid, lag, block, width, buf)
                if pairs is not None:
                    hist += np.bincount(pairs, minlength=cells)
            code = np.flatnonzero(hist)
            emit(u, np.zeros(code.size, dtype=np.intp), code, hist[code])
            u += 1
            continue
        # units u … v−1: whole small units, a chunk of cells and 4 chunks of table at most
        v = int(np.searchsorted(starts, lo + chunk, side="right")) - 1
        v = max(u + 1, min(v, u + 4 * chunk // cells))
        hi = int(starts[v])
        label = np.repeat(np.arange(v - u), np.diff(starts[u: v + 1]))  # unit of each cell
        keys, n_pairs, cols = [], 0, grid.shape[1]
        for block in grid_blocks(grid.shape, lo, hi, chunk):
            pairs = pair_codes(grid, lag, block, width, buf)
            if pairs is None:
                continue
            r0, r1, c0, _ = block
            first = r0 * cols + c0 - lo
            if r1 - r0 > 1:  # whole rows: without their last `lag` columns, like the codes
                owner = label[first: first + (r1 - r0) * cols].reshape(r1 - r0, cols)
                owner = owner[:, : cols - lag].reshape(-1)
            else:
                owner = label[first: first + pairs.size]
            keys.append(owner * cells + pairs)
            n_pairs += pairs.size
        if n_pairs:
            key = np.concatenate(keys)
            if (v - u) * cells <= 4 * n_pairs:
                table = np.bincount(key, minlength=(v - u) * cells)
                key = np.flatnonzero(table)
                count = table[key]
            else:
                key, count = _sorted_counts(key)
            owner, code = np.divmod(key, cells)
            emit(u, owner, code, count)
        u = v
    return per_unit, np.concatenate(codes), np.concatenate(counts)


class _UnitTable:
    """Counts of each key (pair, x or y) in each unit, so that a replicate's counts are one
    matrix product."""

    def __init__(self, table: scipy.sparse.sparray | scipy.sparse.spmatrix):
        self.n_cells, n_units = table.shape
        # Dense (a BLAS matmul per batch of replicates) when small; the counts are exact
        # integers either way.
        if self.n_cells * n_units <= _DENSE_UNIT_CELLS:
            self.matrix = table.toarray()
        else:
            self.matrix = table.tocsr()

    def replicate(self, weights: np.ndarray) -> np.ndarray:
        """Integer counts (cells × replicates) for unit multiplicities ``weights`` (b × units)."""
        # float64 products of integers stay exact below 2**53; rint guards the conversion.
        return np.rint(np.asarray(self.matrix @ weights.T)).astype(np.int64)


def _unit_tables(per_unit: np.ndarray, code: np.ndarray, count: np.ndarray,
                 width: int) -> list[_UnitTable]:
    """Tables of the joint, x and y counts per unit from :func:`unit_pair_counts`; the
    cells of each are its distinct keys in ascending order.  The marginal tables are sums of
    rows of the joint one (a sparse product), not recounts."""
    keys, cell = _compact_codes(code, width * width)
    indptr = np.concatenate(([0], np.cumsum(per_unit)))
    joint = scipy.sparse.csc_matrix((count, cell, indptr), shape=(keys.size, per_unit.size))
    del code, count, cell
    joint = joint.tocsr()
    tables = [joint]
    for key in np.divmod(keys, width):  # x, then y, of every joint cell
        values, group = np.unique(key, return_inverse=True)
        gather = scipy.sparse.csr_matrix(
            (np.ones(keys.size), (group.ravel(), np.arange(keys.size))),
            shape=(values.size, keys.size))
        tables.append(gather @ joint)
    return [_UnitTable(t) for t in tables]


def _compact_codes(code: np.ndarray, cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct codes (ascending) and the index of each code among them (int32 if it fits)."""
    if cells <= max(4 * code.size, 2**20):
        present = np.zeros(cells, dtype=np.bool_)
        present[code] = True
        index_dtype = np.int32 if cells < 2**31 else np.int64
        return np.flatnonzero(present), (np.cumsum(present, dtype=index_dtype) - 1)[code]
    keys, cell = np.unique(code, return_inverse=True)
    return keys, cell.ravel()


def replicate_mi(lag: int, grid: np.ndarray, starts: np.ndarray, alphabet: int,
                 sentinel: bool, weights: np.ndarray, estimator: str) -> np.ndarray:
    """Î(τ) for every replicate (rows of ``weights``) at one lag, from the counting grid.

    ``grid`` holds compact ids (sentinel ``alphabet`` on empty cells); unit ``u`` owns the
    pairs whose first element lies in the flat grid cells ``starts[u] … starts[u+1]−1``.
    Always numpy.
    """
    width = alphabet + int(sentinel)
    tables = _unit_tables(*unit_pair_counts(lag, grid, starts, width,
                                            alphabet if sentinel else None), width)
    batch = max(1, _DENSE_UNIT_CELLS // max(t.n_cells for t in tables))
    out = np.empty(weights.shape[0])
    for lo in range(0, weights.shape[0], batch):
        w = weights[lo: lo + batch].astype(np.float64)
        hxy, hx, hy = (entropy_columns(t.replicate(w), estimator) for t in tables)
        out[lo: lo + batch] = hx + hy - hxy
    return out
