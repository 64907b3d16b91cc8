"""Monte Carlo cross-check: simulate the network and measure the Gaussian MI of sample
covariances, with a delete-one-batch jackknife standard deviation."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from miscaling.theory.gaussian import gaussian_mi
from miscaling.theory.linear_rnn.network import LinearRNN


def simulate_outputs(net: LinearRNN, initial_cov: np.ndarray, n_sequences: int, max_lag: int,
                     rng: np.random.Generator) -> np.ndarray:
    """``n_sequences`` independent draws of ``x_0..x_max_lag`` (shape (n, T+1, d)), by running
    the network forward: ``x_t = U_o U_h h_{t-1} + σ y_t``, ``h_t = W_h x_{t-1} + U_h h_{t-1}``
    (Eq. 12's expansion, unrolled)."""
    m = net.hidden
    start = rng.multivariate_normal(np.zeros(m + net.dim), initial_cov, size=n_sequences,
                                    method="eigh")
    hidden, x = start[:, :m], start[:, m:]
    outputs = np.empty((n_sequences, max_lag + 1, net.dim))
    outputs[:, 0] = x
    for t in range(1, max_lag + 1):
        # o_t uses h_{t-1}; then h_t absorbs x_{t-1} (Eq. 10)
        x_next = hidden @ net.readout.T + net.sigma * rng.standard_normal((n_sequences, net.dim))
        hidden = x @ net.w_h.T + hidden @ net.u_h.T
        x = x_next
        outputs[:, t] = x
    return outputs


class _Moments(NamedTuple):
    """Sums needed for the covariances of (x_0, x_t), all t at once (leading axes: batch)."""

    count: np.ndarray  # (...,)
    sum_0: np.ndarray  # (..., d)
    sum_t: np.ndarray  # (..., T, d)
    prod_00: np.ndarray  # (..., d, d)
    prod_0t: np.ndarray  # (..., T, d, d)
    prod_tt: np.ndarray  # (..., T, d, d)

    def gaussian_mi(self) -> np.ndarray:
        """Gaussian MI of the (unbiased) sample covariances, shape (..., T)."""
        n = self.count[..., None, None]
        mean_0, mean_t = self.sum_0 / self.count[..., None], self.sum_t / n
        cov_00 = (self.prod_00 - n * _outer(mean_0, mean_0)) / (n - 1)
        cov_0t = (self.prod_0t - n[..., None] * _outer(mean_0[..., None, :], mean_t)) / (
            n[..., None] - 1)
        cov_tt = (self.prod_tt - n[..., None] * _outer(mean_t, mean_t)) / (n[..., None] - 1)
        return gaussian_mi(np.broadcast_to(cov_00[..., None, :, :], cov_0t.shape), cov_0t,
                           cov_tt)


def _outer(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return u[..., :, None] * v[..., None, :]


def _batch_moments(outputs: np.ndarray, n_batches: int) -> _Moments:
    first, rest = outputs[:, 0], outputs[:, 1:]
    bounds = np.arange(n_batches + 1) * len(outputs) // n_batches
    parts = [slice(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:])]
    return _Moments(
        count=np.array([part.stop - part.start for part in parts], dtype=float),
        sum_0=np.stack([first[p].sum(0) for p in parts]),
        sum_t=np.stack([rest[p].sum(0) for p in parts]),
        prod_00=np.stack([first[p].T @ first[p] for p in parts]),
        prod_0t=np.stack([np.einsum("na,ntc->tac", first[p], rest[p]) for p in parts]),
        prod_tt=np.stack([np.einsum("nta,ntc->tac", rest[p], rest[p]) for p in parts]),
    )


def monte_carlo_mi(outputs: np.ndarray, n_batches: int = 20) -> pd.DataFrame:
    """Gaussian MI of sample covariances of ``(x_0, x_t)`` over the sequences, per lag t >= 1,
    with a delete-one-batch jackknife standard deviation (the sequences split into
    ``n_batches`` groups; a group's sums are subtracted from the totals)."""
    n, steps, _ = outputs.shape
    if n_batches < 2 or n < 2 * n_batches:
        raise ValueError(f"need n_batches >= 2 and at least 2 sequences per batch, got "
                         f"{n} sequences in {n_batches} batches")
    batches = _batch_moments(outputs, n_batches)
    totals = _Moments(*(field.sum(axis=0) for field in batches))
    leave_one_out = _Moments(*(total[None] - field for total, field in zip(totals, batches)))
    replicate_mi = leave_one_out.gaussian_mi()  # (n_batches, T)
    spread = np.sqrt((n_batches - 1) / n_batches
                     * np.sum((replicate_mi - replicate_mi.mean(axis=0)) ** 2, axis=0))
    return pd.DataFrame({"lag": np.arange(1, steps), "mi": totals.gaussian_mi(), "sd": spread,
                         "n_sequences": n})


def monte_carlo_tolerance(mc_sd: np.ndarray, dim: int, n_sequences: int,
                          n_sd: float = 4.0) -> np.ndarray:
    """Allowed |MC - exact| per lag: ``n_sd`` jackknife sds plus the plug-in bias of the
    Gaussian MI at independence, ``d²/(2n)`` (2n Î → χ²_{d²}, Wilks)."""
    return n_sd * np.asarray(mc_sd) + dim**2 / (2.0 * n_sequences)
