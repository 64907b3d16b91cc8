"""Mutual information of jointly Gaussian vectors (paper Appendix A, Eqs. 38-41).

:func:`gaussian_mi` evaluates Eq. 40's log-det form through the canonical correlations with
``log1p``, which keeps its digits where the literal determinant
(:func:`gaussian_mi_logdet_literal`) loses them (I below ~1e-16); the trace form is Eq. 41's
approximation.  Formulas: docs/METHODS.md §8.1, Eqs. (M40)–(M42).
"""

from __future__ import annotations

import numpy as np


def canonical_correlations(cov_xx: np.ndarray, cov_xy: np.ndarray,
                           cov_yy: np.ndarray) -> np.ndarray:
    """Canonical correlations ρ_k of (X, Y), descending; ``ρ_k²`` are the eigenvalues of
    ``Σ_XX^{-1} Σ_XY Σ_YY^{-1} Σ_XY^T`` (the matrix of Eqs. 40-41).

    Leading dimensions are batch dimensions (e.g. one block per lag).  Plain numpy on purpose:
    scipy.linalg's triangular solve was measured at ~12 ms per 2×2 call on the 2-core machine
    (its OpenBLAS thread start-up), numpy's batched solve at microseconds.
    """
    chol_x = np.linalg.cholesky(cov_xx)
    chol_y = np.linalg.cholesky(cov_yy)
    left_whitened = np.linalg.solve(chol_x, cov_xy)
    whitened = np.swapaxes(np.linalg.solve(chol_y, np.swapaxes(left_whitened, -1, -2)), -1, -2)
    return np.linalg.svd(whitened, compute_uv=False)


def gaussian_mi(cov_xx: np.ndarray, cov_xy: np.ndarray, cov_yy: np.ndarray):
    """Eq. 40/41, log-det form, in nats, accurate down to the smallest representable values
    (a float, or an array over the leading batch dimensions)."""
    rho = canonical_correlations(cov_xx, cov_xy, cov_yy)
    return -0.5 * np.sum(np.log1p(-np.minimum(rho**2, 1.0)), axis=-1)[()]


def gaussian_mi_trace(cov_xx: np.ndarray, cov_xy: np.ndarray, cov_yy: np.ndarray):
    """The trace approximation of Eq. 41, ``1/2 tr(Σ_XX^{-1} Σ_XY Σ_YY^{-1} Σ_XY^T)``."""
    rho = canonical_correlations(cov_xx, cov_xy, cov_yy)
    return 0.5 * np.sum(rho**2, axis=-1)[()]


def gaussian_mi_logdet_literal(cov_xx: np.ndarray, cov_xy: np.ndarray,
                               cov_yy: np.ndarray) -> float:
    """Eq. 41's log-det form written out literally (the reference the stable form is tested on)."""
    product = np.linalg.solve(cov_xx, cov_xy) @ np.linalg.solve(cov_yy, cov_xy.T)
    sign, logdet = np.linalg.slogdet(np.eye(cov_xx.shape[0]) - product)
    return float(-0.5 * logdet) if sign > 0 else float("inf")


def gaussian_mi_from_entropies(joint_cov: np.ndarray, n_x: int):
    """I = H(X) + H(Y) - H(X, Y) with ``H = 1/2 ln det(2πe Σ)`` (the definition behind Eq. 40);
    ``joint_cov`` is the covariance of ``(X, Y)``, X its first ``n_x`` coordinates (leading
    dimensions are batch dimensions)."""
    def half_logdet(cov):
        return 0.5 * np.linalg.slogdet(cov)[1]

    return (half_logdet(joint_cov[..., :n_x, :n_x]) + half_logdet(joint_cov[..., n_x:, n_x:])
            - half_logdet(joint_cov))[()]
