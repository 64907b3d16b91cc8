"""The lag grammar: which distances τ an I(τ) table is measured at.

One grammar for the command line (``miscaling mi --lags``), the config (``datasets.*.lags``)
and the workflow's resource estimates (``miscaling.plan.resources``): :func:`parse_lags`.  Importing
:mod:`miscaling.mi` loads numpy, pandas and scipy but never torch, so the Snakefile can call
it while it builds the DAG.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["MIN_BLOCK_LENGTHS", "as_lags", "parse_lags", "ratio_block_lengths", "short_ratios"]

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


def as_lags(lags) -> np.ndarray:
    """``lags`` (a spec for :func:`parse_lags` or integers >= 1) as sorted unique int64 lags."""
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


#: block lengths a ratio must keep: a power law's two parameters and one degree of freedom
MIN_BLOCK_LENGTHS = 3


def ratio_block_lengths(block_lengths: Sequence[int],
                        ratios: Sequence[float]) -> tuple[int, dict[float, list[int]]]:
    """(window, {ratio: its block lengths}): the window is L at the smallest ratio and the
    largest ℓ; a larger ratio keeps the ℓ whose L = round(ratio·ℓ) fits in it, as L²M's
    measurement does (ratio 2 to ℓ = 512, ratios 3 and 4 to 256, in chunks of one length)."""
    ells = sorted({int(e) for e in block_lengths})
    ratios = sorted({float(r) for r in ratios})
    window = int(round(ratios[0] * ells[-1]))
    return window, {r: [e for e in ells if round(r * e) <= window] for r in ratios}


def short_ratios(grids: dict[float, list[int]], n_block_lengths: int) -> tuple[int, list[float]]:
    """(block lengths a ratio's fit needs, the ratios of ``grids`` that keep fewer): at least
    MIN_BLOCK_LENGTHS, or all of them when fewer were asked for."""
    needed = min(MIN_BLOCK_LENGTHS, n_block_lengths)
    return needed, [ratio for ratio, kept in grids.items() if len(kept) < needed]
