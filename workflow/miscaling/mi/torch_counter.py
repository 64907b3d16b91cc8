"""The torch counter: the per-lag joint counting of :func:`miscaling.mi.mutual_information` on any
torch device.

The algorithm of :class:`~miscaling.mi.numpy_counter.NumpyCounter` in torch ops (dense
``bincount`` or sort + run lengths; the codes of a lag computed whole, about 12–16 bytes of device
memory per symbol), entropies accumulated in float64 (agreeing with numpy to rounding).  Imports
torch at import time; :mod:`miscaling.mi` imports this module only for ``backend="torch"`` (or
``"auto"`` with CUDA).  The device follows :func:`miscaling.device.resolve_device`.
"""

from __future__ import annotations

import numpy as np
import torch

from miscaling.device import resolve_device

from .entropy import LOOKUP_CAP, CountSummary, ng_exact, ng_table, summarize_counts

__all__ = ["TorchCounter"]

# Histograms this small are cheaper to copy to the host than to reduce on the device.
_HOST_CELLS = 4096


class TorchCounter:
    """Joint histogram of (x_t, x_{t+τ}) over a grid on a torch device, one lag at a time."""

    def __init__(self, grid: np.ndarray, alphabet: int, sentinel: bool, dense: bool,
                 estimator: str, device: torch.device | str | None = "auto"):
        self.device = resolve_device(device)
        self.alphabet, self.sentinel, self.dense = alphabet, sentinel, dense
        self.estimator = estimator
        self.width = alphabet + int(sentinel)
        # int32 codes sort faster; torch.bincount takes them as they are.  Dense codes are
        # below width² <= 2**24 unless the dense path was forced.
        dtype = torch.int32 if self.width**2 < 2**31 else torch.int64
        # Copy the compact ids as they are (1–4 bytes each) and widen them on the device.
        host = torch.from_numpy(np.ascontiguousarray(grid))
        self.second = host.to(self.device).to(dtype)
        self.first = self.second * self.width
        self.table = torch.as_tensor(ng_table(estimator).copy()).to(self.device)

    def joints(self, lags: list[int], pool=None) -> list[CountSummary]:
        """Summaries of the given lags (torch ops release the GIL: lags run on ``pool``)."""
        return list(pool.map(self.joint, lags)) if pool is not None else [
            self.joint(lag) for lag in lags]

    def joint(self, lag: int) -> CountSummary:
        codes = (self.first[:, :-lag] + self.second[:, lag:]).reshape(-1)
        if self.dense:
            counts = torch.bincount(codes, minlength=self.width**2)
            if self.sentinel:
                counts = counts.view(self.width, self.width)[: self.alphabet, : self.alphabet]
            return self._summarize(counts.reshape(-1))
        keys, counts = torch.unique_consecutive(torch.sort(codes).values, return_counts=True)
        if self.sentinel:
            width = self.alphabet + 1
            real = (keys < self.alphabet * width) & (keys % width != self.alphabet)
            counts = counts[real]
        return self._summarize(counts)

    def _summarize(self, counts: torch.Tensor) -> CountSummary:
        """(N, Σ n g(n), m) of a 1-D int64 histogram; mirrors entropy.summarize_counts."""
        if counts.numel() <= _HOST_CELLS:
            return summarize_counts(counts.cpu().numpy(), self.estimator)
        s = float(self.table[counts.clamp(max=LOOKUP_CAP - 1)].sum())
        if int(counts.max()) >= LOOKUP_CAP:
            big = counts[counts >= LOOKUP_CAP].cpu().numpy()
            s += float(ng_exact(big, self.estimator).sum() - big.size * float(self.table[-1]))
        return CountSummary(int(counts.sum()), s, int(torch.count_nonzero(counts)))
