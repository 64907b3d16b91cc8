"""Entropy estimators computed from histograms of counts (all results in nats).

:data:`ESTIMATORS`: ``"grassberger"`` (the paper's, Eq. 53), ``"grassberger2003"``,
``"plugin"`` and ``"miller_madow"``, all of the form Ĥ = ln N − (1/N) Σ n_i g(n_i) [+ a
correction], so a histogram is summarised by ``(N, S, m)`` (:class:`CountSummary`), with
``n g(n)`` read from a lookup table below ``LOOKUP_CAP``.  Formulas: docs/METHODS.md §1.2,
Eqs. (M3)–(M7).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.special import digamma

__all__ = [
    "ESTIMATORS",
    "LOOKUP_CAP",
    "CountSummary",
    "check_estimator",
    "entropy_from_counts",
    "entropy_from_summary",
    "entropy_columns",
    "ng_exact",
    "ng_table",
    "summarize_counts",
]

ESTIMATORS: tuple[str, ...] = ("grassberger", "grassberger2003", "plugin", "miller_madow")

#: ``n g(n)`` is tabulated for ``0 <= n < LOOKUP_CAP`` (8 MiB per estimator family).
LOOKUP_CAP = 2**20

# Histograms at most this large are summarised by calling ``ng_exact`` on the non-zero cells:
# cheaper than touching the lookup table and exact for every count.
_SMALL_HISTOGRAM = 4096

# plugin and miller_madow share g(n) = ln n and so share one lookup table.
_FAMILY = {
    "grassberger": "digamma",
    "grassberger2003": "g2003",
    "plugin": "log",
    "miller_madow": "log",
}


@dataclass(frozen=True)
class CountSummary:
    """Sufficient statistics of a histogram for every estimator in :data:`ESTIMATORS`.

    ``n`` total count N, ``s`` = Σ n_i g(n_i) for the estimator's ``g``, ``m`` non-empty bins.
    """

    n: int
    s: float
    m: int


def check_estimator(estimator: str) -> str:
    """Return ``estimator`` if it is known, else raise ``ValueError`` listing the choices."""
    if estimator not in ESTIMATORS:
        raise ValueError(
            f"unknown estimator {estimator!r}; expected one of {', '.join(ESTIMATORS)}"
        )
    return estimator


def ng_exact(n: np.ndarray, estimator: str) -> np.ndarray:
    """``n · g(n)`` in float64 for positive integer counts ``n`` (no lookup table).

    ``g = ψ`` (Eq. 53), ``g = G`` (Grassberger 2003) or ``g = ln`` (plug-in, Miller–Madow).
    """
    nf = np.asarray(n, dtype=np.float64)
    family = _FAMILY[check_estimator(estimator)]
    if family == "digamma":
        return nf * digamma(nf)
    if family == "g2003":
        # (−1)^n as ±1 from the parity of the integer count.
        sign = 1.0 - 2.0 * (np.asarray(n, dtype=np.int64) & 1)
        g = digamma(nf) + 0.5 * sign * (digamma((nf + 1.0) / 2.0) - digamma(nf / 2.0))
        return nf * g
    return nf * np.log(nf)


@functools.cache
def _table_for_family(family: str) -> np.ndarray:
    estimator = next(name for name, fam in _FAMILY.items() if fam == family)
    n = np.arange(LOOKUP_CAP, dtype=np.int64)
    table = np.zeros(LOOKUP_CAP, dtype=np.float64)
    table[1:] = ng_exact(n[1:], estimator)  # empty bins contribute 0 (0 · g(0) := 0)
    table.flags.writeable = False  # shared between threads and callers
    return table


def ng_table(estimator: str) -> np.ndarray:
    """Read-only lookup table ``t[n] = n g(n)`` for ``0 <= n < LOOKUP_CAP`` (``t[0] = 0``)."""
    return _table_for_family(_FAMILY[check_estimator(estimator)])


def summarize_counts(counts: np.ndarray, estimator: str, *, max_count: int | None = None,
                     positive: bool = False, out: np.ndarray | None = None) -> CountSummary:
    """Summarise a histogram (any shape, non-negative integers, zeros allowed) as (N, S, m).

    ``S`` is gathered from the lookup table (empty cells read ``t[0] = 0``); the rare counts
    ``>= LOOKUP_CAP`` are evaluated exactly.  Gathering beat a histogram of the counts
    ("counts of counts") on both dense tables and run lengths of 1M+ cells.

    The keywords only save passes over large inputs (the MI engine calls this per lag):
    ``max_count`` a known upper bound on the counts (skips the search for huge counts when it
    is below ``LOOKUP_CAP``), ``positive`` all counts are > 0 (so m = size), ``out`` a float64
    scratch array of at least ``counts.size`` elements for the gathered terms.
    """
    flat = np.ravel(counts)
    if flat.size == 0:
        return CountSummary(0, 0.0, 0)
    if flat.size <= _SMALL_HISTOGRAM:
        nz = flat if positive else flat[flat > 0]
        return CountSummary(int(nz.sum()), float(ng_exact(nz, estimator).sum()), int(nz.size))
    table = ng_table(estimator)
    terms = None if out is None else out[: flat.size]
    s = float(table.take(flat, mode="clip", out=terms).sum())
    if max_count is None or max_count >= LOOKUP_CAP:
        if int(flat.max()) >= LOOKUP_CAP:
            # 'clip' read t[cap − 1] for these cells: swap in the exact values.
            big = flat[flat >= LOOKUP_CAP]
            s += float(ng_exact(big, estimator).sum() - big.size * table[-1])
    m = flat.size if positive else int(np.count_nonzero(flat))
    return CountSummary(int(flat.sum()), s, m)


def entropy_from_summary(summary: CountSummary, estimator: str) -> float:
    """Ĥ = ln N − S/N (+ (m − 1)/(2N) for Miller–Madow); NaN for an empty histogram."""
    n = summary.n
    if n <= 0:
        return math.nan
    h = math.log(n) - summary.s / n
    if estimator == "miller_madow":
        h += (summary.m - 1) / (2.0 * n)
    return h


def entropy_columns(counts: np.ndarray, estimator: str) -> np.ndarray:
    """Entropy of every column of a 2-D array of non-negative integer counts (bootstrap).

    Columns with no counts give NaN.
    """
    counts = np.asarray(counts)
    table = ng_table(estimator)
    s = table.take(counts, mode="clip").sum(axis=0)
    big = counts >= LOOKUP_CAP
    if big.any():
        rows, cols = np.nonzero(big)
        fix = ng_exact(counts[rows, cols], estimator) - table[-1]
        s = s + np.bincount(cols, weights=fix, minlength=counts.shape[1])
    n = counts.sum(axis=0).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.log(n) - s / n
        if estimator == "miller_madow":
            h += (np.count_nonzero(counts, axis=0) - 1) / (2.0 * n)
    h[n <= 0] = np.nan
    return h


def entropy_from_counts(counts, estimator: str = "grassberger") -> float:
    """Entropy (nats) of a 1-D histogram of non-negative integer counts; zero bins are ignored.

    ``grassberger`` (paper Eq. 53): Ĥ = ln N − (1/N) Σ n_i ψ(n_i).
    ``grassberger2003``: Ĥ = ln N − (1/N) Σ n_i G(n_i),
    G(n) = ψ(n) + ½ (−1)^n [ψ((n+1)/2) − ψ(n/2)].
    ``plugin``: Ĥ = −Σ p_i ln p_i, p_i = n_i / N.
    ``miller_madow``: plug-in + (m − 1)/(2N), m = number of non-empty bins.

    Raises ``ValueError`` for an unknown estimator, non-integer or negative counts, a
    histogram that is not 1-D, or one with no counts at all.
    """
    check_estimator(estimator)
    arr = np.asarray(counts)
    if arr.ndim != 1:
        raise ValueError(f"counts must be 1-D, got an array of shape {arr.shape}")
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        if arr.size and np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.rint(arr)):
            arr = arr.astype(np.int64)  # integral floats are fine for a histogram
        elif arr.size:
            raise ValueError(f"counts must be integers, got dtype {arr.dtype}")
    arr = arr.astype(np.int64, copy=False)
    if arr.size and arr.min() < 0:
        raise ValueError(f"counts must be non-negative, found {int(arr.min())}")
    summary = summarize_counts(arr, estimator)
    if summary.n == 0:
        raise ValueError("counts must contain at least one positive count")
    return entropy_from_summary(summary, estimator)
