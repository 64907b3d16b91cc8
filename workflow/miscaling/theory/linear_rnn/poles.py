"""The generating function Σ(z) of Eq. 35, its poles, and the decay rate they predict.

``Σ_{x_t x_0} ~ |z_0|^{-t}`` for the pole ``z_0`` nearest the origin, so I(t), quadratic in it,
decays at the rate ``2 ln|z_0|`` (:func:`predicted_decay_rate`; docs/METHODS.md §8.2,
Eqs. (M46)–(M48)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from miscaling.theory.linear_rnn.network import LinearRNN, initial_blocks, spectral_radius


def generating_function(net: LinearRNN, initial_cov: np.ndarray, z) -> np.ndarray:
    """Σ(z) of Eq. 35 at complex points ``z`` (shape (len(z), d, d))."""
    _, cov_hx, cov_xx = initial_blocks(net, initial_cov)
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
