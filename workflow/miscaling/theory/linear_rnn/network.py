"""The linear Elman RNN of Eq. 10/12 and its initial conditions (Section 4.1, Appendix A).

``LinearRNN`` holds the weights; ``transition`` is the matrix ``M`` of the VAR(1) form
``(h_{t+1}, x_{t+1}) = M (h_t, x_t) + (0, y_{t+1})`` every other module builds on (why the
readout is ``C = U_o U_h``: docs/METHODS.md §8.2, Eqs. (M43)–(M45)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg


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
        """``C = U_o U_h``: Eq. 12 is ``o_t = C h_{t-1}`` (docs/METHODS.md, Eq. (M44))."""
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


def initial_blocks(net: LinearRNN, initial_cov: np.ndarray):
    m = net.hidden
    initial_cov = np.asarray(initial_cov, dtype=float)
    if initial_cov.shape != (m + net.dim, m + net.dim):
        raise ValueError(f"initial covariance must be {(m + net.dim,) * 2} (h_0 then x_0), "
                         f"got {initial_cov.shape}")
    return initial_cov[:m, :m], initial_cov[:m, m:], initial_cov[m:, m:]
