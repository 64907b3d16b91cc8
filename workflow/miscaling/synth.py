r"""Binary sequences with power-law mutual information (paper Appendix B, Eqs. 42-47).

The signs of a stationary Gaussian vector whose Toeplitz correlation ρ(τ) is chosen so that
I(τ) = A τ^(−γ): mode ``"exact"`` (default) inverts Eq. 46 at every τ, ``"asymptotic"`` is Eq. 47
with its constant corrected, ``"literal"`` is Eq. 47 as printed (about 31 times too little MI).
Derivation, modes and sampling: docs/METHODS.md §2, Eqs. (M12)–(M19).
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
from scipy import linalg

from miscaling.settings import check_choice, check_int, problems_error

__all__ = [
    "MODES",
    "LN2",
    "binary_mi_from_correlation",
    "binary_mi_from_correlation_eq46",
    "correlation_for_binary_mi",
    "power_law_correlations",
    "binary_power_law_sequences",
    "binary_sequences_from_correlations",
    "target_mi",
]

MODES = ("exact", "asymptotic", "literal")
LN2 = math.log(2.0)

#: Largest amplitude the "asymptotic" mode can realise: ρ(1) = π sqrt(A/2) ≤ 1.
ASYMPTOTIC_MAX_AMPLITUDE = 2.0 / math.pi**2

# Number of float64 values per chunk of Gaussian draws (64 MiB per array).
_CHUNK_VALUES = 1 << 23


# --------------------------------------------------------------------------------------------
# Eq. 46 and its inverse
# --------------------------------------------------------------------------------------------
def _as_float_array(x, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric, got {x!r}") from exc
    if np.isnan(arr).any():
        raise ValueError(f"{name} must not contain NaN")
    return arr


def _mi_from_u(u: np.ndarray) -> np.ndarray:
    """I = u artanh(u) + ½ ln(1-u²) for 0 ≤ u ≤ 1 (u = 1 → ln 2)."""
    u = np.abs(u)
    out = np.full(u.shape, LN2)
    inner = u < 1.0
    ui = u[inner]
    out[inner] = ui * np.arctanh(ui) + 0.5 * np.log1p(-ui * ui)
    return out


def binary_mi_from_correlation(rho) -> np.ndarray:
    r"""Mutual information (nats) of ``(sgn X1, sgn X2)`` for unit-variance Gaussians with
    correlation ``rho`` — paper Eq. 46 with ``θ = arccos(ρ)``.

    Evaluated in the numerically stable but identical form ``u artanh(u) + ½ ln(1-u²)``,
    ``u = 2 arcsin(ρ)/π`` (docs/METHODS.md, Eq. (M15)).  Vectorised; ``rho`` in ``[-1, 1]``
    (negative correlations give the same MI as ``|ρ|``).  Returns a float array of ``rho``'s shape.
    """
    r = _as_float_array(rho, "rho")
    if (np.abs(r) > 1.0).any():
        bad = r[np.abs(r) > 1.0].ravel()[0]
        raise ValueError(f"rho must lie in [-1, 1] (a correlation), got {bad!r}")
    u = (2.0 / math.pi) * np.arcsin(r)
    return _mi_from_u(np.atleast_1d(u)).reshape(r.shape)


def binary_mi_from_correlation_eq46(rho) -> np.ndarray:
    r"""Eq. 46 exactly as printed, ``[π ln(2/π) + (π-θ) ln(π-θ) + θ ln θ]/π`` with ``θ = arccos ρ``.

    Reference implementation (used in tests); loses relative precision for tiny MI.
    """
    r = _as_float_array(rho, "rho")
    if (np.abs(r) > 1.0).any():
        raise ValueError("rho must lie in [-1, 1] (a correlation)")
    theta = np.arccos(r)
    from scipy.special import xlogy

    return (
        math.pi * math.log(2.0 / math.pi) + xlogy(math.pi - theta, math.pi - theta)
        + xlogy(theta, theta)
    ) / math.pi


def correlation_for_binary_mi(mi) -> np.ndarray:
    r"""Exact inverse of Eq. 46: the correlation ``ρ ∈ [0, 1)`` whose sign pair has MI ``mi``.

    ``mi`` must lie in ``[0, ln 2)``.  Solved for ``u = 2 arcsin(ρ)/π`` by Newton's method on the
    convex increasing map ``u ↦ u artanh(u) + ½ ln(1-u²)`` (derivative ``artanh u``), safeguarded
    by bisection; converges to full double precision (``|Δρ| ≲ 1e-15``).  Vectorised.
    """
    m = _as_float_array(mi, "mi")
    if (m < 0).any() or (m >= LN2).any():
        bad = m[(m < 0) | (m >= LN2)].ravel()[0]
        raise ValueError(
            f"mi must lie in [0, ln 2) = [0, {LN2:.6f}) for a binary pair, got {bad!r}"
        )
    flat = np.atleast_1d(m).ravel()
    lo = np.zeros_like(flat)
    hi = np.ones_like(flat)
    # f(u) ≥ u²/2, so u0 = sqrt(2 I) is at or right of the root; convexity then makes plain
    # Newton decrease monotonically to it.  The bracket guards the u → 1 end.
    u = np.minimum(np.sqrt(2.0 * flat), 1.0)
    for _ in range(200):
        f = _mi_from_u(u) - flat
        above = f > 0
        hi = np.where(above, u, hi)
        lo = np.where(above, lo, u)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = f / np.arctanh(u)
        new = u - step
        bad = ~np.isfinite(new) | (new <= lo) | (new >= hi)
        new = np.where(bad, 0.5 * (lo + hi), new)
        new = np.where(flat == 0.0, 0.0, new)
        done = np.abs(new - u) <= 4.0 * np.finfo(float).eps * u
        u = new
        if done.all():
            break
    rho = np.sin(0.5 * math.pi * u)
    return rho.reshape(m.shape)


def target_mi(lags, amplitude, gamma) -> np.ndarray:
    r"""Target power law ``I(τ) = A τ^{-γ}`` (paper Section 4.2.1: ``A = 0.1``, ``γ = 0.4``).

    ``amplitude`` must be finite and > 0 (not limited to ``ln 2`` here), ``gamma ≥ 0``,
    ``lags > 0``.
    """
    a = _check_real(amplitude, "amplitude")
    if a <= 0:
        raise ValueError(f"amplitude must be > 0, got {a!r}")
    _check_gamma(gamma)
    t = _as_float_array(lags, "lags")
    if (t <= 0).any() or not np.isfinite(t).all():
        raise ValueError("lags must be finite and > 0 for the power law A * lag**(-gamma)")
    return float(amplitude) * t ** (-float(gamma))


# --------------------------------------------------------------------------------------------
# Correlation profiles
# --------------------------------------------------------------------------------------------
def _check_real(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    return float(value)


def _check_amplitude(amplitude) -> float:
    a = _check_real(amplitude, "amplitude")
    if not 0.0 < a < LN2:
        raise ValueError(
            f"amplitude must satisfy 0 < amplitude < ln 2 = {LN2:.6f} (the MI of a binary pair "
            f"is at most ln 2), got {a!r}"
        )
    return a


def _check_gamma(gamma) -> float:
    g = _check_real(gamma, "gamma")
    if g < 0.0:
        raise ValueError(f"gamma must be >= 0 (decay exponent), got {g!r}")
    return g


def power_law_correlations(length, amplitude, gamma, mode="exact") -> np.ndarray:
    r"""Correlations ``ρ(τ)``, ``τ = 0 … length-1`` (``ρ(0) = 1``) targeting ``I(τ) = A τ^{-γ}``.

    * ``exact``: ``ρ(τ) = correlation_for_binary_mi(A τ^{-γ})`` (inverse of Eq. 46);
    * ``asymptotic``: ``ρ(τ) = π sqrt(A/2) τ^{-γ/2}`` (corrected Eq. 47; needs ``A ≤ 2/π²``);
    * ``literal``: ``ρ(τ) = sqrt(A/2π) τ^{-γ/2}`` (Eq. 47 as printed; gives ``≈ A/π³ τ^{-γ}``).
    """
    problems_error("power_law_correlations",
                   check_int("length", length, 2) + check_choice("mode", mode, MODES))
    n = int(length)
    a = _check_amplitude(amplitude)
    g = _check_gamma(gamma)
    tau = np.arange(1, n, dtype=float)
    if mode == "exact":
        tail = correlation_for_binary_mi(a * tau ** (-g))
    elif mode == "asymptotic":
        scale = math.pi * math.sqrt(a / 2.0)
        if scale > 1.0:
            raise ValueError(
                f"mode='asymptotic' gives rho(1) = pi*sqrt(amplitude/2) = {scale:.6f} > 1 for "
                f"amplitude={a!r}; correlations must stay <= 1, so amplitude must be <= "
                f"2/pi**2 = {ASYMPTOTIC_MAX_AMPLITUDE:.6f} in this mode (use mode='exact')"
            )
        tail = scale * tau ** (-g / 2.0)
    else:  # literal
        tail = math.sqrt(a / (2.0 * math.pi)) * tau ** (-g / 2.0)
    rho = np.empty(n)
    rho[0] = 1.0
    rho[1:] = tail
    return rho


# --------------------------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------------------------
def _toeplitz_factor(rho: np.ndarray, context: str) -> np.ndarray:
    """Return F with F Fᵀ = toeplitz(rho); raise ValueError if not positive semi-definite."""
    sigma = linalg.toeplitz(rho)
    try:
        return linalg.cholesky(sigma, lower=True, check_finite=False)
    except linalg.LinAlgError:
        pass
    evals, evecs = linalg.eigh(sigma, check_finite=False)
    smallest = float(evals[0])
    tol = 1e-10 * len(rho)
    if smallest < -tol:
        raise ValueError(
            f"correlation matrix is not positive semi-definite ({context}; "
            f"{len(rho)}x{len(rho)} Toeplitz matrix): "
            f"smallest eigenvalue {smallest:.6g} < 0; no Gaussian process has these "
            f"correlations, choose a smaller amplitude or gamma"
        )
    return evecs * np.sqrt(np.clip(evals, 0.0, None))


def binary_sequences_from_correlations(n_seq, correlations, seed=0, *, context=None) -> np.ndarray:
    r"""Sign-of-Gaussian binary sequences for an arbitrary stationary correlation profile.

    ``correlations[τ] = ρ(τ)`` for ``τ = 0 … length-1``; ``ρ(0)`` must be 1 and ``|ρ| ≤ 1``.
    Returns ``uint8`` array ``(n_seq, length)`` of 0/1 with ``1 ⇔ X > 0``.  Raises
    :class:`ValueError` (with the smallest eigenvalue) if ``toeplitz(ρ)`` is not positive
    semi-definite.  ``context`` is a free-text description added to error messages.
    """
    problems_error("binary_sequences_from_correlations",
                   check_int("n_seq", n_seq, 1) + check_int("seed", seed, 0, optional=True))
    n = int(n_seq)
    rho = _as_float_array(correlations, "correlations")
    if rho.ndim != 1 or rho.size < 2:
        raise ValueError("correlations must be a 1-D array of length >= 2 (rho(0), rho(1), ...)")
    if not np.isfinite(rho).all():
        raise ValueError("correlations must be finite")
    if rho[0] != 1.0:
        raise ValueError(f"correlations[0] must be 1 (unit variance), got {rho[0]!r}")
    if (np.abs(rho) > 1.0).any():
        idx = int(np.flatnonzero(np.abs(rho) > 1.0)[0])
        raise ValueError(
            f"correlations must stay within [-1, 1]; rho({idx}) = {rho[idx]!r}"
            + (f" ({context})" if context else "")
        )
    length = rho.size
    factor_t = np.ascontiguousarray(
        _toeplitz_factor(rho, context or "user-supplied correlations").T
    )
    rng = np.random.default_rng(seed)
    out = np.empty((n, length), dtype=np.uint8)
    chunk = max(1, _CHUNK_VALUES // length)
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        z = rng.standard_normal((stop - start, length))
        x = z @ factor_t
        np.greater(x, 0.0, out=out[start:stop], casting="unsafe")
    return out


def binary_power_law_sequences(
    n_seq, length, amplitude, gamma, mode="exact", seed=0
) -> np.ndarray:
    r"""``n_seq`` binary sequences of ``length`` whose auto-MI is ``A τ^{-γ}`` (Appendix B).

    ``mode`` selects the correlation profile (see :func:`power_law_correlations`).  Output is a
    ``uint8`` array ``(n_seq, length)`` of 0/1; the same ``seed`` gives identical output.
    Paper settings: ``n_seq=10000, length=512, amplitude=0.1, gamma=0.4`` (Section 4.2.1) and
    ``length=1000``, ``gamma ∈ [0.1, 1]`` (Appendix D.1).
    """
    problems_error("binary_power_law_sequences", check_int("n_seq", n_seq, 1))
    rho = power_law_correlations(length, amplitude, gamma, mode)
    context = f"amplitude={amplitude!r}, gamma={gamma!r}, length={length!r}, mode={mode!r}"
    return binary_sequences_from_correlations(n_seq, rho, seed, context=context)
