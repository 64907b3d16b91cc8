r"""Linear Elman RNN with Gaussian output: exact covariances, I(x_0; x_t) and its decay rate.

Paper Section 4.1 and Appendix A.  The network (Eq. 10) is ``h_t = W_h x_{t-1} + U_h h_{t-1}``
and ``x_t ~ N(o_t, σ² I_d)``, ``h_t ∈ R^m``, ``x_t ∈ R^d``, ``(h_0, x_0)`` Gaussian with covariance
``Σ_0`` (Eq. 14, ordered ``(h_0, x_0)``).

Which output: the paper's Eq. 11 reads ``o_t = U_o h_{t-1}``, but the expansion every later
equation is built on (Eq. 12, hence Eqs. 15-35) is

    o_t = U_o U_h^t h_0 + Σ_{i=0}^{t-2} U_o U_h^{t-1-i} W_h x_i,                          (Eq. 12)

which is ``o_t = U_o U_h h_{t-1}``: Eq. 11 taken literally gives ``U_h^{t-1}`` and
``U_h^{t-2-i}`` (one factor of ``U_h`` less), and the textbook Elman output ``o_t = U_o h_t``
would add an ``i = t-1`` term.  This module implements Eq. 12 and everything derived from it,
so the *readout* matrix mapping ``h_{t-1}`` to ``o_t`` is ``C = U_o U_h``.  Eq. 11 taken
literally is the same model with ``U_o`` replaced by ``U_o U_h^{-1}``, and the decay analysis
is unchanged either way.

Three independent routes to the same covariances are provided and cross-checked:

* :func:`covariance_recursion`: the paper's recursions, Eq. 15/21 for ``Σ_{x_t x_s}`` (s < t)
  and Eq. 17/22 for ``Σ_{x_t x_t}``; Eq. 22 needs ``Σ_{x_i x_t}`` for every ``i < t`` and
  ``Σ_{h_0 x_t}``, so the whole block covariance of ``(x_0 .. x_T)`` is built row by row;
* :func:`state_space_covariances`: ``s_t = (h_t, x_t)`` is a VAR(1) process,
  ``s_{t+1} = M s_t + (0, y_{t+1})`` with ``M = [[U_h, W_h], [C, 0]]``, so
  ``Cov(s_t, s_0) = M^t Σ_0`` and ``Cov(s_t) = M Cov(s_{t-1}) M^T + diag(0, σ² I)``;
* Monte Carlo (:func:`simulate_outputs`, :func:`monte_carlo_mi`).

Poles (Eq. 35).  ``Σ(z) = [I_d - A(z)]^{-1} [B(z) + Σ_{x_0 x_0}]`` with
``A(z) = U_o (I_m - U_h z)^{-1} U_h W_h z²`` (Eq. 31) and
``B(z) = U_o (I_m - U_h z)^{-1} U_h Σ_{h_0 x_0} z`` (Eq. 34) is rational; its poles are among
the roots of ``q(z) = det(I_m - U_h z) det(I_d - A(z)) = det(I_m - U_h z - U_h W_h U_o z²)``, a
polynomial of degree <= 2m (the ``1/λ(U_h)`` singularities of ``B`` and of the adjugate cancel:
``q(z) = det(I - M z)``, so its roots are ``1/eig(M)``).  ``Σ_{x_t x_0} ~ |z_0|^{-t}`` for the
pole ``z_0`` nearest the origin, and since I is quadratic in ``Σ_{x_t x_0}`` (Eq. 41),

    ln I(t) ≈ const - 2 t ln|z_0|,   i.e.   I(t) ∝ e^{-t/ξ} with ξ = 1 / (2 ln|z_0|).

The factor 2 is implicit in the paper (it stops at "decreases exponentially").  A network whose
nearest pole lies on the unit circle (here: a hidden unit with eigenvalue 1 that no input
reaches) keeps I(t) from decaying: it memorises its initial condition, the case the paper
excludes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import linalg

from miscaling.fit import fit_decay
from miscaling.theory.checks import check_row, checks_table
from miscaling.theory.gaussian import (
    gaussian_mi,
    gaussian_mi_from_entropies,
    gaussian_mi_trace,
)

TOPIC = "linear_rnn"
CURVE_COLUMNS = [
    "network", "kind", "lag", "mi_exact", "mi_trace", "mi_monte_carlo", "mi_monte_carlo_sd",
    "mi_monte_carlo_tolerance", "in_fit_window",
]
POLE_COLUMNS = [
    "network", "kind", "source", "real", "imag", "modulus", "order", "is_pole", "is_leading",
]


# --------------------------------------------------------------------------- the network


@dataclass(frozen=True)
class LinearRNN:
    """Weights of Eq. 10/12: ``w_h`` (W_h, m×d), ``u_h`` (U_h, m×m), ``u_o`` (U_o, d×m), σ."""

    w_h: np.ndarray
    u_h: np.ndarray
    u_o: np.ndarray
    sigma: float

    def __post_init__(self):
        m, d = np.shape(self.w_h)
        if np.shape(self.u_h) != (m, m) or np.shape(self.u_o) != (d, m):
            raise ValueError(
                f"weight shapes do not fit together: W_h {np.shape(self.w_h)} (m×d), "
                f"U_h {np.shape(self.u_h)} (m×m), U_o {np.shape(self.u_o)} (d×m)"
            )
        if not self.sigma > 0:
            raise ValueError(f"sigma must be positive, got {self.sigma}")

    @property
    def hidden(self) -> int:
        return self.u_h.shape[0]

    @property
    def dim(self) -> int:
        return self.u_o.shape[0]

    @property
    def readout(self) -> np.ndarray:
        """``C = U_o U_h``: Eq. 12 is ``o_t = C h_{t-1}`` (see the module docstring)."""
        return self.u_o @ self.u_h

    @property
    def transition(self) -> np.ndarray:
        """``M`` of the VAR(1) form ``(h_{t+1}, x_{t+1}) = M (h_t, x_t) + (0, y_{t+1})``."""
        d = self.dim
        return np.block([[self.u_h, self.w_h], [self.readout, np.zeros((d, d))]])

    @property
    def noise_covariance(self) -> np.ndarray:
        """Covariance of the innovation ``(0, y_t)``, ``y_t ~ N(0, σ² I_d)``."""
        m, d = self.hidden, self.dim
        noise = np.zeros((m + d, m + d))
        noise[m:, m:] = self.sigma**2 * np.eye(d)
        return noise


def spectral_radius(matrix: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(matrix))))


def random_network(hidden: int, dim: int, sigma: float, rng: np.random.Generator,
                   radius_range: tuple[float, float] = (0.55, 0.9),
                   max_tries: int = 10_000) -> LinearRNN:
    """Gaussian weights (variance 1/fan-in), redrawn until ``ρ(M)`` lies in ``radius_range``.

    ``ρ(M) < 1`` is what makes the process stationary and I(t) decay; the lower bound keeps the
    decay slow enough to be followed over many lags.
    """
    for _ in range(max_tries):
        net = LinearRNN(
            w_h=rng.normal(0.0, 1.0 / np.sqrt(dim), (hidden, dim)),
            u_h=rng.normal(0.0, 1.0 / np.sqrt(hidden), (hidden, hidden)),
            u_o=rng.normal(0.0, 1.0 / np.sqrt(hidden), (dim, hidden)),
            sigma=sigma,
        )
        if radius_range[0] <= spectral_radius(net.transition) <= radius_range[1]:
            return net
    raise ValueError(f"no network with spectral radius in {radius_range} in {max_tries} draws")


def memorising_network(hidden: int, dim: int, sigma: float, rng: np.random.Generator) -> LinearRNN:
    """A network with a memory cell: hidden unit 0 has ``U_h`` eigenvalue 1 and no input, so
    ``h_t[0] = h_0[0]`` forever and ``x_t`` keeps a trace of the initial condition (the pole of
    Eq. 35 at ``z = 1``).  The other units form a random stable network."""
    if hidden < 2:
        raise ValueError("a memorising network needs hidden >= 2 (one memory cell + the rest)")
    rest = random_network(hidden - 1, dim, sigma, rng)
    u_h = np.zeros((hidden, hidden))
    u_h[0, 0] = 1.0
    u_h[1:, 1:] = rest.u_h
    w_h = np.zeros((hidden, dim))
    w_h[1:] = rest.w_h
    u_o = np.column_stack([rng.normal(0.0, 1.0, dim), rest.u_o])
    return LinearRNN(w_h=w_h, u_h=u_h, u_o=u_o, sigma=sigma)


def stationary_covariance(net: LinearRNN) -> np.ndarray:
    """Σ_0 of the stationary process (the paper's "already averaged over the sequence"),
    ``P = M P M^T + diag(0, σ² I)``; exists only when ``ρ(M) < 1``."""
    radius = spectral_radius(net.transition)
    if radius >= 1.0:
        raise ValueError(f"no stationary distribution: spectral radius of M is {radius:.6g} >= 1")
    cov = linalg.solve_discrete_lyapunov(net.transition, net.noise_covariance)
    return 0.5 * (cov + cov.T)


def random_initial_covariance(net: LinearRNN, rng: np.random.Generator) -> np.ndarray:
    """A generic positive-definite Σ_0 of ``(h_0, x_0)`` (Eq. 14)."""
    size = net.hidden + net.dim
    factor = rng.normal(size=(size, size))
    return factor @ factor.T / size + 0.1 * np.eye(size)


def _initial_blocks(net: LinearRNN, initial_cov: np.ndarray):
    m = net.hidden
    initial_cov = np.asarray(initial_cov, dtype=float)
    if initial_cov.shape != (m + net.dim, m + net.dim):
        raise ValueError(f"initial covariance must be {(m + net.dim,) * 2} (h_0 then x_0), "
                         f"got {initial_cov.shape}")
    return initial_cov[:m, :m], initial_cov[:m, m:], initial_cov[m:, m:]


# --------------------------------------------------------------------------- exact covariances


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
    cov_hh, cov_hx, cov_xx = _initial_blocks(net, initial_cov)
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


# --------------------------------------------------------------------------- poles of Eq. 35


def generating_function(net: LinearRNN, initial_cov: np.ndarray, z) -> np.ndarray:
    """Σ(z) of Eq. 35 at complex points ``z`` (shape (len(z), d, d))."""
    _, cov_hx, cov_xx = _initial_blocks(net, initial_cov)
    points = np.atleast_1d(np.asarray(z, dtype=complex))
    values = np.empty((points.size, net.dim, net.dim), dtype=complex)
    for k, point in enumerate(points):
        resolvent = np.linalg.inv(np.eye(net.hidden) - net.u_h * point)
        a_of_z = net.u_o @ resolvent @ net.u_h @ net.w_h * point**2  # Eq. 31
        b_of_z = net.u_o @ resolvent @ net.u_h @ cov_hx * point  # Eq. 34
        values[k] = np.linalg.solve(np.eye(net.dim) - a_of_z, b_of_z + cov_xx)
    return values


def taylor_coefficients(net: LinearRNN, initial_cov: np.ndarray, n_terms: int,
                        n_points: int = 256) -> np.ndarray:
    """The first ``n_terms`` Taylor coefficients of Eq. 35's Σ(z) at 0, by the Cauchy integral
    on a circle of half the radius of convergence (discretised: an FFT of ``n_points`` values).
    If Eq. 35 solves Eq. 15, they are ``Σ_{x_n x_0}``."""
    radius = 0.5 * float(find_poles(net, initial_cov, include_removable=False)["modulus"].min())
    angles = 2 * np.pi * np.arange(n_points) / n_points
    values = generating_function(net, initial_cov, radius * np.exp(1j * angles))
    coefficients = np.fft.fft(values, axis=0)[:n_terms] / n_points
    return (coefficients / radius ** np.arange(n_terms)[:, None, None]).real


def pole_polynomial(net: LinearRNN) -> np.ndarray:
    """Coefficients (lowest degree first) of ``q(z) = det(I_m - U_h z) det(I_d - A(z))``, the
    common denominator of Eq. 35, from its values on a circle (q has degree <= 2m, so 2m + 1
    samples determine it; the circle avoids the zeros of ``det(I_m - U_h z)``)."""
    n_points = 2 * net.hidden + 1
    radius = 0.5 / max(spectral_radius(net.u_h), 1.0)
    angles = 2 * np.pi * (np.arange(n_points) + 0.5) / n_points
    values = np.empty(n_points, dtype=complex)
    for k, point in enumerate(radius * np.exp(1j * angles)):
        resolvent_denominator = np.eye(net.hidden) - net.u_h * point
        a_of_z = net.u_o @ np.linalg.solve(resolvent_denominator, net.u_h @ net.w_h) * point**2
        values[k] = np.linalg.det(resolvent_denominator) * np.linalg.det(np.eye(net.dim) - a_of_z)
    degrees = np.arange(n_points)
    coefficients = np.exp(-1j * np.outer(degrees, angles)) @ values / n_points / radius**degrees
    return coefficients.real  # the weights are real, so q has real coefficients


def _pole_order(net: LinearRNN, initial_cov: np.ndarray, root: complex) -> int:
    """Order of Σ(z) at ``root`` (0: removable), from how ‖Σ‖ grows approaching it:
    ‖Σ(root(1-ε))‖ ~ ε^{-n} for a pole of order n."""
    steps = np.array([1e-4, 1e-5])
    norms = [np.linalg.norm(v) for v in generating_function(net, initial_cov, root * (1 - steps))]
    growth = np.log(norms[1] / norms[0]) / np.log(steps[0] / steps[1])
    return max(int(np.rint(growth)), 0)


def find_poles(net: LinearRNN, initial_cov: np.ndarray,
               include_removable: bool = True) -> pd.DataFrame:
    """Candidate singularities of Eq. 35, nearest the origin first: the roots of its common
    denominator ``q(z)`` (``source = "denominator"``) and, with ``include_removable``, the points
    ``1/λ(U_h)`` where ``(I_m - U_h z)^{-1}`` is singular (``source = "resolvent"``).  ``order`` is
    the measured pole order (0: the singularity cancels); the nearest pole is marked leading."""
    coefficients = pole_polynomial(net)
    significant = np.flatnonzero(np.abs(coefficients) > 1e-9 * np.abs(coefficients).max())
    candidates = [("denominator", np.roots(coefficients[: significant[-1] + 1][::-1]))]
    if include_removable:
        eigenvalues = np.linalg.eigvals(net.u_h)
        eigenvalues = eigenvalues[np.abs(eigenvalues) > 1e-12]
        candidates.append(("resolvent", 1.0 / eigenvalues))
    table = pd.concat([pd.DataFrame({"source": source, "z": roots})
                       for source, roots in candidates], ignore_index=True)
    table = table.assign(real=table["z"].to_numpy().real, imag=table["z"].to_numpy().imag,
                         modulus=np.abs(table["z"].to_numpy()))
    table = table.sort_values(["modulus", "source"], kind="stable", ignore_index=True)
    table["order"] = [_pole_order(net, initial_cov, z) for z in table["z"]]
    table["is_pole"] = table["order"] > 0
    table["is_leading"] = False
    if table["is_pole"].any():
        table.loc[table.index[table["is_pole"]][0], "is_leading"] = True
    return table.drop(columns="z")


def predicted_decay_rate(leading_pole_modulus: float) -> float:
    """Rate ``r`` of ``I(t) ∝ e^{-r t}`` implied by the nearest pole: ``r = 2 ln|z_0|``."""
    return 2.0 * float(np.log(leading_pole_modulus))


# --------------------------------------------------------------------------- Monte Carlo


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


# --------------------------------------------------------------------------- the check


class LinearRNNTables(NamedTuple):
    curves: pd.DataFrame  # one row per (network, lag)
    poles: pd.DataFrame  # one row per candidate singularity of Eq. 35
    checks: pd.DataFrame  # one row per tested prediction


def fit_window(mi_exact: np.ndarray, lags: np.ndarray, mi_floor: float) -> tuple[int, int]:
    """Lags over which ln I(t) is fitted: from half the last lag above ``mi_floor`` to it, so
    that transients of the further poles have died out and round-off has not set in."""
    above = lags[mi_exact > mi_floor]
    last = int(above.max()) if above.size else int(lags.max())
    return max(1, last // 2), last


def _fitted_rate(lags, mi, window) -> float:
    fits = fit_decay(lags, mi, "exponential", min_lag=window[0], max_lag=window[1])
    xi = float(fits.loc[fits["parameter"] == "xi", "value"].iloc[0])
    return 1.0 / xi  # fit_decay maps a non-negative slope to ξ = inf: no decay, rate 0


def _consistency_rows(name: str, net: LinearRNN, initial_cov: np.ndarray,
                      series: CovarianceSeries, curves: pd.DataFrame, mi_floor: float):
    """The same covariances and MI by independent routes: recursion vs state space, log-det
    vs entropies, Eq. 35's Taylor coefficients vs Eq. 15."""
    max_lag = len(series.cross) - 1
    mi_exact = curves["mi_exact"].to_numpy()
    reference = mi_series(state_space_covariances(net, initial_cov, max_lag))["mi_exact"]
    comparable = (mi_exact > mi_floor) & (reference.to_numpy() > mi_floor)
    recursion_error = float(np.max(np.abs(np.log(mi_exact[comparable])
                                          - np.log(reference.to_numpy()[comparable]))))
    entropies_error = float(np.max(np.abs(curves["mi_entropies"] - curves["mi_exact"])))
    n_terms = min(max_lag, 20)
    taylor = taylor_coefficients(net, initial_cov, n_terms)
    taylor_error = float(np.max(np.abs(taylor - series.cross[:n_terms]))
                         / np.max(np.abs(series.cross[:n_terms])))
    return [
        check_row(TOPIC, "recursion_vs_state_space", name, 0.0, recursion_error, 1e-6,
                  "max |ln I_rec - ln I_VAR(1)| over lags with I > floor; Eqs. 15/21, 17/22 vs "
                  "the (h, x) state-space propagation"),
        check_row(TOPIC, "logdet_vs_entropies", name, 0.0, entropies_error, 1e-9,
                  "max |Eq. 41 log-det - (H(x_0) + H(x_t) - H(x_0, x_t))| over lags"),
        check_row(TOPIC, "eq35_taylor_vs_recursion", name, 0.0, taylor_error, 1e-8,
                  f"first {n_terms} Taylor coefficients of Eq. 35 (Cauchy integral) vs "
                  "Σ_{x_t x_0} of Eq. 15; max error relative to max |Σ|"),
    ]


def _decay_rows(name: str, kind: str, net: LinearRNN, poles: pd.DataFrame,
                curves: pd.DataFrame, window: tuple[int, int], rate_tolerance: float):
    """Nearest pole vs the transition matrix, predicted vs fitted decay rate, and the trace
    approximation of Eq. 41 at the end of the fit window."""
    leading = poles[poles["is_leading"]].iloc[0]
    eigen_modulus = 1.0 / spectral_radius(net.transition)
    predicted = predicted_decay_rate(leading["modulus"])
    measured = _fitted_rate(curves["lag"].to_numpy(), curves["mi_exact"].to_numpy(), window)
    rows = [
        check_row(TOPIC, "leading_pole_vs_eigenvalue", name, eigen_modulus,
                  float(leading["modulus"]), 1e-6 * eigen_modulus,
                  "|z_0| from the roots of Eq. 35's denominator vs 1/spectral radius of M"),
        check_row(TOPIC, "decay_rate", name, predicted, measured,
                  rate_tolerance * max(abs(predicted), 0.02),
                  f"2 ln|z_0| (Eq. 35 nearest pole) vs -slope of ln I(t) over "
                  f"t = {window[0]}..{window[1]}"),
    ]
    if kind != "memorising":  # the trace form needs I -> 0, which a memorising net never reaches
        last = curves[curves["lag"] == window[1]].iloc[0]
        rows.append(check_row(TOPIC, "trace_vs_logdet", name, 1.0,
                              float(last["mi_trace"] / last["mi_exact"]), 1e-3,
                              f"Eq. 41 trace approximation / log-det form at t = {window[1]}"))
    return rows


def _monte_carlo_rows(name: str, mc: pd.DataFrame, mi_exact: np.ndarray,
                      tolerance: np.ndarray):
    n_sequences = int(mc["n_sequences"].iloc[0])
    deviation = np.abs(mc["mi"].to_numpy() - mi_exact) / tolerance
    return [
        check_row(TOPIC, "monte_carlo_lag1", name, float(mi_exact[0]), float(mc["mi"].iloc[0]),
                  float(tolerance[0]), f"{n_sequences} simulated sequences; tolerance 4 "
                  "jackknife sd + d²/(2n)"),
        check_row(TOPIC, "monte_carlo_worst_lag", name, 0.0, float(deviation.max()), 1.0,
                  f"max over t = 1..{len(mi_exact)} of |I_MC - I_exact| / tolerance(t)"),
    ]


def check_network(name: str, kind: str, net: LinearRNN, initial_cov: np.ndarray, *,
                  max_lag: int, mc_sequences: int, mc_batches: int, rng: np.random.Generator,
                  rate_tolerance: float, mi_floor: float):
    """Curves, poles and check rows of one network."""
    series = covariance_recursion(net, initial_cov, max_lag)
    curves = mi_series(series)
    lags, mi_exact = curves["lag"].to_numpy(), curves["mi_exact"].to_numpy()
    poles = find_poles(net, initial_cov)
    window = fit_window(mi_exact, lags, mi_floor)

    outputs = simulate_outputs(net, initial_cov, mc_sequences, max_lag, rng)
    mc = monte_carlo_mi(outputs, mc_batches)
    tolerance = monte_carlo_tolerance(mc["sd"].to_numpy(), net.dim, mc_sequences)

    rows = (_consistency_rows(name, net, initial_cov, series, curves, mi_floor)
            + _decay_rows(name, kind, net, poles, curves, window, rate_tolerance)
            + _monte_carlo_rows(name, mc, mi_exact, tolerance))
    curves = curves.assign(
        network=name, kind=kind, mi_monte_carlo=mc["mi"].to_numpy(),
        mi_monte_carlo_sd=mc["sd"].to_numpy(), mi_monte_carlo_tolerance=tolerance,
        in_fit_window=(lags >= window[0]) & (lags <= window[1]),
    )[CURVE_COLUMNS]
    return curves, poles.assign(network=name, kind=kind)[POLE_COLUMNS], rows


def run_linear_rnn_check(n_networks: int = 5, hidden: int = 4, dim: int = 2, sigma: float = 1.0,
                         max_lag: int = 150, mc_sequences: int = 20_000, mc_batches: int = 20,
                         include_memorising: bool = True, rate_tolerance: float = 0.02,
                         mi_floor: float = 1e-30, seed: int = 0) -> LinearRNNTables:
    """Random stationary networks (``rnn0..``, Σ_0 stationary) and one memorising network
    (Σ_0 random positive definite): exact I(t), poles, predicted vs fitted decay rate, and a
    Monte Carlo cross-check.  Deterministic for a given ``seed``."""
    if n_networks < 0 or hidden < 1 or dim < 1 or max_lag < 4:
        raise ValueError("need n_networks >= 0, hidden >= 1, dim >= 1 and max_lag >= 4")
    rng = np.random.default_rng(seed)
    cases = []
    for k in range(n_networks):
        net = random_network(hidden, dim, sigma, rng)
        cases.append((f"rnn{k}", "random", net, stationary_covariance(net)))
    if include_memorising:
        net = memorising_network(hidden, dim, sigma, rng)
        cases.append(("memorising", "memorising", net, random_initial_covariance(net, rng)))
    curves, poles, rows = [], [], []
    for name, kind, net, initial_cov in cases:
        c, p, r = check_network(name, kind, net, initial_cov, max_lag=max_lag,
                                mc_sequences=mc_sequences, mc_batches=mc_batches, rng=rng,
                                rate_tolerance=rate_tolerance, mi_floor=mi_floor)
        curves.append(c)
        poles.append(p)
        rows += r
    return LinearRNNTables(pd.concat(curves, ignore_index=True),
                           pd.concat(poles, ignore_index=True), checks_table(rows))
