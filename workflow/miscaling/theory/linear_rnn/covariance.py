"""Exact covariances of the outputs, two independent routes, and I(x_0; x_t) from them.

* :func:`covariance_recursion`: the paper's recursions, Eq. 15/21 and Eq. 17/22;
* :func:`state_space_covariances`: the VAR(1) propagation of ``(h_t, x_t)``;
* :func:`mi_series`: Eq. 41 (log-det and trace forms) and the entropy definition.

Formulas: docs/METHODS.md §8.1–8.2, Eqs. (M40)–(M45).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from miscaling.theory.gaussian import (
    gaussian_mi,
    gaussian_mi_from_entropies,
    gaussian_mi_trace,
)
from miscaling.theory.linear_rnn.network import LinearRNN, initial_blocks


class CovarianceSeries(NamedTuple):
    """``cross[t] = Σ_{x_t x_0}`` and ``auto[t] = Σ_{x_t x_t}``, t = 0..max_lag, each d×d."""

    cross: np.ndarray
    auto: np.ndarray


def output_kernels(net: LinearRNN, max_lag: int) -> tuple[np.ndarray, np.ndarray]:
    """The coefficients of Eq. 12: ``G_t = U_o U_h^t`` (of h_0) and ``A_n`` of Eq. 23
    (of x_{t-n}: 0 for n <= 1, ``U_o U_h^{n-1} W_h`` for n >= 2), for 0..max_lag."""
    powers = np.empty((max_lag + 1, net.hidden, net.hidden))
    powers[0] = np.eye(net.hidden)
    for t in range(1, max_lag + 1):
        powers[t] = powers[t - 1] @ net.u_h
    of_h0 = net.u_o @ powers
    of_input = np.zeros((max_lag + 1, net.dim, net.dim))
    of_input[2:] = net.u_o @ powers[1:max_lag] @ net.w_h
    return of_h0, of_input


def full_output_covariance(net: LinearRNN, initial_cov: np.ndarray, max_lag: int) -> np.ndarray:
    """All blocks ``Σ_{x_t x_s}``, t, s = 0..max_lag (shape (T+1, T+1, d, d)), by the paper's
    recursions: Eq. 21 with ``x_0 → x_s`` for s < t (``y_t`` is independent of ``x_s``), and
    Eq. 22 for s = t.  ``Σ_{h_0 x_t} = Σ_{h_0 h_0} G_t^T + Σ_{i<=t-2} Σ_{h_0 x_i} A_{t-i}^T``
    follows from Eq. 12 in the same way."""
    cov_hh, cov_hx, cov_xx = initial_blocks(net, initial_cov)
    of_h0, of_input = output_kernels(net, max_lag)
    d = net.dim
    blocks = np.zeros((max_lag + 1, max_lag + 1, d, d))
    h0_cross = np.zeros((max_lag + 1, net.hidden, d))  # Σ_{h_0 x_s}
    blocks[0, 0], h0_cross[0] = cov_xx, cov_hx
    for t in range(1, max_lag + 1):
        # A_{t-i} for the history i = 0..t-2 (A_1 = 0: x_{t-1} does not enter o_t, Eq. 23)
        kernels = of_input[t - np.arange(t - 1)]
        h0_cross[t] = cov_hh @ of_h0[t].T + np.einsum("iab,icb->ac", h0_cross[: t - 1], kernels)
        # Eq. 21 (with x_0 → x_s): Σ_{x_t x_s} = G_t Σ_{h_0 x_s} + Σ_i A_{t-i} Σ_{x_i x_s}
        blocks[t, :t] = of_h0[t] @ h0_cross[:t] + np.einsum(
            "iab,isbc->sac", kernels, blocks[: t - 1, :t])
        blocks[:t, t] = np.swapaxes(blocks[t, :t], -1, -2)
        # Eq. 22: Σ_{x_t x_t} = σ² I + G_t Σ_{h_0 x_t} + Σ_i A_{t-i} Σ_{x_i x_t}
        blocks[t, t] = (net.sigma**2 * np.eye(d) + of_h0[t] @ h0_cross[t]
                        + np.einsum("iab,ibc->ac", kernels, blocks[: t - 1, t]))
        blocks[t, t] = 0.5 * (blocks[t, t] + blocks[t, t].T)  # symmetric up to round-off
    return blocks


def covariance_recursion(net: LinearRNN, initial_cov: np.ndarray,
                         max_lag: int) -> CovarianceSeries:
    """``Σ_{x_t x_0}`` (Eq. 15/21) and ``Σ_{x_t x_t}`` (Eq. 17/22) for t = 0..max_lag."""
    blocks = full_output_covariance(net, initial_cov, max_lag)
    steps = np.arange(max_lag + 1)
    return CovarianceSeries(cross=blocks[:, 0].copy(), auto=blocks[steps, steps].copy())


def state_space_covariances(net: LinearRNN, initial_cov: np.ndarray,
                            max_lag: int) -> CovarianceSeries:
    """The same two series from the VAR(1) form ``s_{t+1} = M s_t + (0, y_{t+1})``
    (an independent route: no use of Eqs. 15-22)."""
    m, d = net.hidden, net.dim
    transition, noise = net.transition, net.noise_covariance
    lagged = np.asarray(initial_cov, dtype=float)  # Cov(s_t, s_0) = M^t Σ_0
    current = lagged.copy()  # Cov(s_t, s_t)
    cross = np.empty((max_lag + 1, d, d))
    auto = np.empty((max_lag + 1, d, d))
    for t in range(max_lag + 1):
        cross[t], auto[t] = lagged[m:, m:], current[m:, m:]
        lagged = transition @ lagged
        current = transition @ current @ transition.T + noise
    return CovarianceSeries(cross=cross, auto=auto)


def mi_series(series: CovarianceSeries) -> pd.DataFrame:
    """I(x_0; x_t) for t >= 1: log-det form (Eq. 41, exact), trace form (Eq. 41's ≈) and the
    entropy definition H(x_0) + H(x_t) - H(x_0, x_t) (Eq. 40's starting point)."""
    steps, d = len(series.cross) - 1, series.cross.shape[-1]
    cov_00 = np.broadcast_to(series.auto[0], (steps, d, d))
    cross_0t = np.swapaxes(series.cross[1:], -1, -2)  # Σ_{x_0 x_t}
    auto_tt = series.auto[1:]
    joint = np.empty((steps, 2 * d, 2 * d))
    joint[:, :d, :d], joint[:, :d, d:] = cov_00, cross_0t
    joint[:, d:, :d], joint[:, d:, d:] = series.cross[1:], auto_tt
    return pd.DataFrame({
        "lag": np.arange(1, steps + 1),
        "mi_exact": gaussian_mi(cov_00, cross_0t, auto_tt),
        "mi_trace": gaussian_mi_trace(cov_00, cross_0t, auto_tt),
        "mi_entropies": gaussian_mi_from_entropies(joint, d),
    })
