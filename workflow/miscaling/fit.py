r"""Fits that turn an auto-mutual-information curve ``I(τ)`` into numbers.

All models are linear in log space and are fitted by ordinary least squares of ``y = ln I`` on
the design below, assuming i.i.d. Gaussian residuals in log space (log-normal multiplicative
noise on ``I``):

``exponential`` (paper Eq. 9, ``I(τ) = I0 e^{-τ/ξ}``, "correlation length" ξ)
    ``ln I = ln I0 - τ/ξ``  → parameters ``I0``, ``xi``
``power`` (algebraic decay, ``I(τ) = A τ^{-γ}``, Sections 4.2.1 and D.1)
    ``ln I = ln A - γ ln τ``  → parameters ``A``, ``gamma``
``composite`` (power law with exponential cut-off; nests both)
    ``ln I = ln A - γ ln τ - τ/ξ``  → parameters ``A``, ``gamma``, ``xi``

Confidence intervals (two-sided, level ``confidence``, default 95 % as in Figs. 1(c,d), 5, 7)
are the usual t intervals on the regression coefficients,
``b̂_j ± t_{(1+c)/2, n-p} · sqrt(s² [(XᵀX)^{-1}]_jj)`` with ``s² = RSS/(n-p)``, and are mapped to
the reported parameters through the monotone transforms ``I0 = e^{b0}``, ``A = e^{b0}``,
``γ = -b_lnτ`` and ``ξ = -1/b_τ``.  For ξ the slope interval ``[s_lo, s_hi]`` is mapped endpoint
by endpoint; a non-negative slope means no decay and is mapped to ``ξ = +inf``, so if the slope
interval reaches 0 the upper ξ bound is ``+inf`` (and if the fitted slope itself is ≥ 0 the
point estimate is ``+inf`` too).

Model comparison uses the log-space Gaussian likelihood (constants dropped):

    AIC  = n ln(RSS/n) + 2k,        AICc = AIC + 2k(k+1)/(n-k-1),

with ``k`` = number of regression coefficients + 1 (the residual variance).  ``ΔAICc`` is taken
relative to the best of the models fitted, and the Akaike weights are
``w_m = exp(-ΔAICc_m/2) / Σ exp(-ΔAICc/2)``.  To keep AICc finite on noiseless input, ``RSS/n``
is floored at ``(sqrt(ε) · max(1, max|y|))²`` (ε = double-precision machine epsilon, so a
root-mean-square log residual below ~1.5e-8 relative counts as exact): fits that are exact up to
round-off are treated as equally good and then ranked by their penalty.

Point selection follows the paper's practice of fitting only points above an estimation-noise
floor ("only data points greater than 10⁻³ is used", Figs. 1 and 7; 2×10⁻³ for text): a point is
used when ``mi`` is finite and ``> min_mi``, ``lag > 0`` (``ln τ`` is undefined otherwise),
``lag ≥ min_lag`` and ``lag ≤ max_lag`` (when given).
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["MODELS", "PARAMETERS", "fit_decay", "decay_verdict", "fit_table"]

MODELS = ("exponential", "power", "composite")

#: Reported parameters of each model, in output order.
PARAMETERS = {
    "exponential": ("I0", "xi"),
    "power": ("A", "gamma"),
    "composite": ("A", "gamma", "xi"),
}

# Relative floor on the root-mean-square log residual used in AICc (see module docstring).
_RSS_FLOOR_REL = math.sqrt(np.finfo(float).eps)

COLUMNS = [
    "model",
    "parameter",
    "value",
    "ci_low",
    "ci_high",
    "aicc",
    "delta_aicc",
    "akaike_weight",
    "n_points",
    "lag_min",
    "lag_max",
    "min_mi",
    "confidence",
]


def _design(model: str, tau: np.ndarray) -> np.ndarray:
    ones = np.ones_like(tau)
    if model == "exponential":
        return np.column_stack([ones, tau])
    if model == "power":
        return np.column_stack([ones, np.log(tau)])
    return np.column_stack([ones, np.log(tau), tau])


def _xi_from_slope(slope: float) -> float:
    """ξ = -1/slope for a decaying (negative) slope; +inf for slope ≥ 0 (no decay)."""
    return -1.0 / slope if slope < 0 else math.inf


def _ols(x: np.ndarray, y: np.ndarray, confidence: float):
    n, p = x.shape
    beta, _, rank, _ = np.linalg.lstsq(x, y, rcond=None)
    if rank < p:
        raise ValueError(
            f"design matrix is rank deficient (rank {rank} < {p}); the selected lags do not "
            f"identify the model — use more distinct lags"
        )
    resid = y - x @ beta
    rss = float(resid @ resid)
    dof = n - p
    s2 = rss / dof
    cov = s2 * np.linalg.inv(x.T @ x)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    tcrit = float(stats.t.ppf(0.5 * (1.0 + confidence), dof))
    return beta, beta - tcrit * se, beta + tcrit * se, rss


def _check_optional_real(value, name: str):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value):
        raise ValueError(f"{name} must be a real number or None, got {value!r}")
    return float(value)


def _select_models(models) -> tuple:
    if isinstance(models, str):
        models = (models,)
    models = tuple(models)
    if not models:
        raise ValueError(f"models must name at least one of {MODELS}")
    for m in models:
        if m not in MODELS:
            raise ValueError(f"unknown model {m!r}; models must be drawn from {MODELS}")
    if len(set(models)) != len(models):
        raise ValueError(f"models must not repeat, got {models}")
    return models


def fit_decay(
    lags,
    mi,
    models=MODELS,
    *,
    min_mi=0.0,
    min_lag=None,
    max_lag=None,
    confidence=0.95,
) -> pd.DataFrame:
    r"""Fit exponential (Eq. 9), power-law and composite decays to ``I(τ)`` in log space.

    Parameters
    ----------
    lags, mi
        1-D arrays of equal length: distances τ and estimated mutual information ``I(τ)``.
    models
        Subset of :data:`MODELS` to fit (a single name is accepted).
    min_mi
        Only points with ``mi > min_mi`` are used (paper: ``1e-3`` binary, ``2e-3`` text);
        must be ``≥ 0``.  The default ``0`` keeps every positive point.  NaN ``mi`` is dropped.
    min_lag, max_lag
        Optional inclusive lag window.  Lags ``≤ 0`` are always excluded.
    confidence
        Two-sided confidence level of the t intervals, in ``(0, 1)``.

    Returns
    -------
    pandas.DataFrame
        One row per (model, parameter) with columns ``model, parameter, value, ci_low, ci_high,
        aicc, delta_aicc, akaike_weight, n_points, lag_min, lag_max, min_mi, confidence``.
        ``aicc``/``delta_aicc``/``akaike_weight`` are per model (repeated on its rows);
        ``n_points``/``lag_min``/``lag_max`` describe the points actually used.

    Raises
    ------
    ValueError
        Mismatched or non-1-D inputs, invalid options, or too few usable points for a model
        (a model with ``k`` = coefficients + 1 needs ``n > k + 1`` points for a finite AICc).
    """
    models = _select_models(models)
    lag_arr = np.asarray(lags, dtype=float)
    mi_arr = np.asarray(mi, dtype=float)
    if lag_arr.ndim != 1 or mi_arr.ndim != 1:
        raise ValueError(
            f"lags and mi must be 1-D arrays, got shapes {lag_arr.shape} and {mi_arr.shape}"
        )
    if lag_arr.shape != mi_arr.shape:
        raise ValueError(
            f"lags and mi must have the same length, got {lag_arr.size} lags and "
            f"{mi_arr.size} mi values"
        )
    if np.isnan(lag_arr).any():
        raise ValueError("lags must not contain NaN")
    min_mi = _check_optional_real(min_mi, "min_mi")
    if min_mi is None or min_mi < 0 or not math.isfinite(min_mi):
        raise ValueError(f"min_mi must be a finite number >= 0, got {min_mi!r}")
    min_lag = _check_optional_real(min_lag, "min_lag")
    max_lag = _check_optional_real(max_lag, "max_lag")
    if min_lag is not None and max_lag is not None and min_lag > max_lag:
        raise ValueError(f"min_lag ({min_lag}) must not exceed max_lag ({max_lag})")
    conf = _check_optional_real(confidence, "confidence")
    if conf is None or not 0.0 < conf < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")

    keep = np.isfinite(mi_arr) & (mi_arr > min_mi) & (lag_arr > 0) & np.isfinite(lag_arr)
    if min_lag is not None:
        keep &= lag_arr >= min_lag
    if max_lag is not None:
        keep &= lag_arr <= max_lag
    tau = lag_arr[keep]
    y = np.log(mi_arr[keep])
    n = int(tau.size)

    selection = f"mi > {min_mi:g}, lag > 0"
    if min_lag is not None:
        selection += f", lag >= {min_lag:g}"
    if max_lag is not None:
        selection += f", lag <= {max_lag:g}"

    results = {}
    for model in models:
        x = _design(model, tau)
        p = x.shape[1]
        k = p + 1
        if n <= k + 1:
            raise ValueError(
                f"too few usable points for the {model} model: {n} point(s) pass the selection "
                f"({selection}; {lag_arr.size} given), but it needs at least {k + 2} "
                f"({p} coefficients + noise variance, n > k + 1 for AICc)"
            )
        beta, lo, hi, rss = _ols(x, y, conf)
        floor = _RSS_FLOOR_REL**2 * max(1.0, float(np.max(np.abs(y)))) ** 2
        aic = n * math.log(max(rss / n, floor)) + 2 * k
        aicc = aic + 2.0 * k * (k + 1) / (n - k - 1)

        params = {}
        # Intercept: ln I0 or ln A.
        params[PARAMETERS[model][0]] = (math.exp(beta[0]), math.exp(lo[0]), math.exp(hi[0]))
        if model in ("power", "composite"):
            params["gamma"] = (-beta[1], -hi[1], -lo[1])
        if model in ("exponential", "composite"):
            j = 1 if model == "exponential" else 2
            params["xi"] = (
                _xi_from_slope(beta[j]),
                _xi_from_slope(lo[j]),
                _xi_from_slope(hi[j]),
            )
        results[model] = (params, aicc)

    best = min(aicc for _, aicc in results.values())
    deltas = {m: aicc - best for m, (_, aicc) in results.items()}
    raw = {m: math.exp(-0.5 * d) for m, d in deltas.items()}
    total = sum(raw.values())
    rows = []
    for model in models:
        params, aicc = results[model]
        for name in PARAMETERS[model]:
            value, ci_low, ci_high = params[name]
            rows.append(
                {
                    "model": model,
                    "parameter": name,
                    "value": float(value),
                    "ci_low": float(ci_low),
                    "ci_high": float(ci_high),
                    "aicc": float(aicc),
                    "delta_aicc": float(deltas[model]),
                    "akaike_weight": raw[model] / total,
                    "n_points": n,
                    "lag_min": float(tau.min()),
                    "lag_max": float(tau.max()),
                    "min_mi": min_mi,
                    "confidence": conf,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def decay_verdict(fits: pd.DataFrame) -> dict:
    r"""Exponential vs. algebraic decay from the output of :func:`fit_decay`.

    ``delta_aicc = AICc(exponential) - AICc(power)``; the verdict is ``"exponential"`` when it is
    negative (the exponential model, Eq. 9, is preferred over the pure power law) and
    ``"algebraic"`` otherwise.  ``best_model`` is the lowest-AICc model among all fitted (this may
    be ``"composite"``).  Also returns the per-model ``aicc`` and ``akaike_weight`` dicts.
    """
    required = {"model", "aicc", "akaike_weight"}
    if not isinstance(fits, pd.DataFrame) or not required <= set(fits.columns):
        raise ValueError(f"fits must be a DataFrame from fit_decay with columns {sorted(required)}")
    per_model = fits.drop_duplicates("model").set_index("model")
    missing = [m for m in ("exponential", "power") if m not in per_model.index]
    if missing:
        raise ValueError(
            f"decay_verdict needs both the exponential and the power model; missing {missing}"
        )
    aicc = {m: float(per_model.loc[m, "aicc"]) for m in per_model.index}
    delta = aicc["exponential"] - aicc["power"]
    return {
        "verdict": "exponential" if delta < 0 else "algebraic",
        "delta_aicc": delta,
        "best_model": min(aicc, key=aicc.get),
        "aicc": aicc,
        "akaike_weight": {m: float(per_model.loc[m, "akaike_weight"]) for m in per_model.index},
    }


def fit_table(table: pd.DataFrame, models=MODELS, **kwargs) -> pd.DataFrame:
    """:func:`fit_decay` on a table with columns ``lag`` and ``mi`` (the estimator's format).

    Extra columns are ignored; keyword arguments are passed on to :func:`fit_decay`.
    """
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    missing = [c for c in ("lag", "mi") if c not in table.columns]
    if missing:
        raise ValueError(
            f"table is missing column(s) {missing}; expected 'lag' and 'mi', "
            f"got {list(table.columns)}"
        )
    return fit_decay(table["lag"].to_numpy(), table["mi"].to_numpy(), models, **kwargs)
