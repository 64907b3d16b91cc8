"""Marginal histograms of X = x_t and Y = x_{t+τ} over ascending lags, updated incrementally.

Always numpy, whatever counts the joint histograms: the marginals only touch the ``max lag``
symbols at each sequence edge.
"""

from __future__ import annotations

import numpy as np

from .entropy import CountSummary, summarize_counts
from .grid import chunked_bincount

__all__ = ["MarginalPlan"]


class MarginalPlan:
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
