r"""Fits that turn an auto-mutual-information curve ``I(τ)`` into numbers.

Exponential (paper Eq. 9), power-law and composite decays, each fitted by least squares in log
space, with t or resampling intervals, AICc and Akaike weights; the points fitted are those
above a noise threshold (``selection``) and, with ``floor_sds``, above the curve's own shuffle
floor.  The mathematics and the measurements behind these choices: docs/METHODS.md §3,
Eqs. (M20)–(M29).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from miscaling.io import require_columns
from miscaling.settings import Settings, choice, number

__all__ = [
    "MODELS", "PARAMETERS", "SELECTIONS", "TOO_FEW", "FitConfig", "decay_verdict", "fit_decay",
    "fit_table", "replicates_wide",
]

#: A replicate whose fit is undefined (too few positive points) is dropped; if more than this
#: fraction are dropped the interval is not trusted and the fit fails loudly.
MAX_FAILED_REPLICATE_FRACTION = 0.1

MODELS = ("exponential", "power", "composite")
SELECTIONS = ("contiguous", "all")
TOO_FEW = ("raise", "nan")

#: Reported parameters of each model, in output order.
PARAMETERS = {
    "exponential": ("I0", "xi"),
    "power": ("A", "gamma"),
    "composite": ("A", "gamma", "xi"),
}

# Relative floor on the root-mean-square log residual used in AICc (see module docstring).
_RSS_FLOOR_REL = math.sqrt(np.finfo(float).eps)

COLUMNS = [
    "model", "parameter", "value", "ci_low", "ci_high", "aicc", "delta_aicc", "akaike_weight",
    "n_points", "lag_min", "lag_max", "min_mi", "selection", "confidence", "ci_method",
    "n_replicates",
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


def _replicate_coefficients(x: np.ndarray, y_reps: np.ndarray) -> np.ndarray:
    """OLS coefficients (replicates × p) of every column of ``y_reps`` (points × replicates).

    Columns with a non-finite entry are fitted on their finite points only (NaN when fewer
    than p + 1 remain).
    """
    n, p = x.shape
    complete = np.isfinite(y_reps).all(axis=0)
    coef = np.full((y_reps.shape[1], p), np.nan)
    if complete.any():
        coef[complete] = np.linalg.lstsq(x, y_reps[:, complete], rcond=None)[0].T
    for j in np.flatnonzero(~complete):
        ok = np.isfinite(y_reps[:, j])
        if ok.sum() > p and np.linalg.matrix_rank(x[ok]) == p:
            coef[j] = np.linalg.lstsq(x[ok], y_reps[ok, j], rcond=None)[0]
    return coef


def _resampling_interval(x: np.ndarray, y_reps: np.ndarray, confidence: float, model: str):
    """Percentile interval of every coefficient over the replicate refits."""
    coef = _replicate_coefficients(x, y_reps)
    usable = np.isfinite(coef).all(axis=1)
    failed = 1.0 - usable.mean()
    if failed > MAX_FAILED_REPLICATE_FRACTION:
        raise ValueError(
            f"the {model} fit is undefined on {failed:.0%} of the {coef.shape[0]} resampling "
            f"replicates (too few positive points); raise min_mi or narrow the lag window"
        )
    alpha = 0.5 * (1.0 - confidence)
    lo, hi = np.quantile(coef[usable], [alpha, 1.0 - alpha], axis=0)
    return lo, hi, int(usable.sum())


def _check_replicates(replicates, n_lags: int) -> np.ndarray | None:
    if replicates is None:
        return None
    reps = np.asarray(replicates, dtype=float)
    if reps.ndim != 2 or reps.shape[0] != n_lags or reps.shape[1] < 2:
        raise ValueError(
            f"replicates must be a 2-D array of shape (number of lags = {n_lags}, "
            f"replicates >= 2), got shape {reps.shape}"
        )
    return reps


@dataclass(frozen=True)
class FitConfig(Settings):
    """Which points :func:`fit_decay` fits and how it computes intervals (module docstring).

    ``min_mi`` the noise floor (points with ``mi > min_mi``), ``min_lag``/``max_lag`` the
    inclusive lag window (None: unbounded), ``selection`` one of :data:`SELECTIONS`,
    ``confidence`` the two-sided level of the intervals, ``too_few`` what a model with too few
    points does (:data:`TOO_FEW`), ``floor_sds`` (None: unused) the shuffle-floor standard
    deviations a point must also exceed the floor by (module docstring).  Recorded in a fit
    table as the columns ``fit_<field>`` (the table's own ``min_mi``, ``selection`` and
    ``confidence`` columns predate them).
    """

    min_mi: float = number(0.0, ge=0)
    min_lag: float | None = number(None, optional=True)
    max_lag: float | None = number(None, optional=True)
    confidence: float = number(0.95, gt=0, lt=1)
    selection: str = choice("contiguous", SELECTIONS)
    too_few: str = choice("raise", TOO_FEW)
    floor_sds: float | None = number(None, ge=0, optional=True)

    COLUMN_NAMES = {name: f"fit_{name}" for name in (
        "min_mi", "min_lag", "max_lag", "confidence", "selection", "too_few", "floor_sds")}
    #: Tables written before ``floor_sds`` existed were fitted without a floor rule.
    ADDED_LATER: ClassVar[dict[str, Any]] = {"floor_sds": None}

    def conflicts(self) -> list[str]:
        if None not in (self.min_lag, self.max_lag) and self.min_lag > self.max_lag:
            return [f"min_lag ({self.min_lag}) must not exceed max_lag ({self.max_lag})"]
        return []


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
    config: FitConfig | None = None,
    replicates=None,
    baseline=None,
    baseline_sd=None,
) -> pd.DataFrame:
    r"""Fit exponential (Eq. 9), power-law and composite decays to ``I(τ)`` in log space.

    Which points are fitted and how the intervals are computed are the fields of ``config``
    (a :class:`FitConfig`; None: its defaults), e.g. ``fit_decay(lags, mi, "power",
    config=FitConfig(min_mi=1e-3))``; the other arguments are data.

    Parameters
    ----------
    lags, mi
        1-D arrays of equal length: distances τ and estimated mutual information ``I(τ)``.
    models
        Subset of :data:`MODELS` to fit (a single name is accepted).
    config.min_mi
        Only points with ``mi > min_mi`` are used (paper: ``1e-3`` binary, ``2e-3`` text);
        must be ``≥ 0``.  The default ``0`` keeps positive points.
    config.min_lag, config.max_lag
        Optional inclusive lag window.  Lags ``≤ 0`` are always excluded.
    config.selection
        ``"contiguous"`` (default): points up to the first one at or below ``min_mi`` (or NaN)
        in lag order; ``"all"``: every finite point above ``min_mi``.  See the module docstring.
    config.too_few
        What a model with too few usable points does: ``"raise"`` (default) a ValueError, or
        ``"nan"``: its rows carry NaN values, CIs and AICc, and the comparison (ΔAICc,
        weights) is over the models that could be fitted — for pipelines in which a curve
        that barely rises above the threshold is a result, not an error.
    config.confidence
        Two-sided confidence level of the intervals, in ``(0, 1)``.
    config.floor_sds, baseline, baseline_sd
        With ``floor_sds`` (default None: unused), a point must also have ``mi > baseline +
        floor_sds · baseline_sd``: 1-D arrays aligned with ``lags``, the shuffle floor's mean
        and standard deviation (the estimator's columns).  See the module docstring.
    replicates
        Optional resampling replicate curves, shape ``(len(lags), B)`` aligned with ``lags``;
        the intervals are then percentile intervals over refits on the replicates (see the
        module docstring) instead of t intervals.

    Returns
    -------
    pandas.DataFrame
        One row per (model, parameter) with columns ``model, parameter, value, ci_low, ci_high,
        aicc, delta_aicc, akaike_weight, n_points, lag_min, lag_max, min_mi, confidence,
        ci_method, n_replicates`` (``ci_method`` is ``"t"`` or ``"resampling"``,
        ``n_replicates`` the replicate refits behind the interval, 0 for ``"t"``).
        ``aicc``/``delta_aicc``/``akaike_weight`` are per model (repeated on its rows);
        ``n_points``/``lag_min``/``lag_max`` describe the points actually used.

    Raises
    ------
    ValueError
        Mismatched or non-1-D inputs, invalid options, or too few usable points for a model
        (a model with ``k`` = coefficients + 1 needs ``n > k + 1`` points for a finite AICc).
    """
    config = FitConfig.given(config)
    min_mi, min_lag, max_lag = config.min_mi, config.min_lag, config.max_lag
    conf, selection, too_few = config.confidence, config.selection, config.too_few
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
    reps = _check_replicates(replicates, lag_arr.size)
    window = (lag_arr > 0) & np.isfinite(lag_arr)
    if min_lag is not None:
        window &= lag_arr >= min_lag
    if max_lag is not None:
        window &= lag_arr <= max_lag
    above = np.isfinite(mi_arr) & (mi_arr > min_mi)
    if config.floor_sds is not None:
        above &= mi_arr > _floor_threshold(baseline, baseline_sd, config.floor_sds, lag_arr.size)
    keep = window & above
    if selection == "contiguous":
        # cut at the smallest in-window lag whose point is not above the threshold
        stop = lag_arr[window & ~above]
        if stop.size:
            keep &= lag_arr < stop.min()
    tau = lag_arr[keep]
    y = np.log(mi_arr[keep])
    n = int(tau.size)
    if reps is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            y_reps = np.log(np.where(reps[keep] > 0, reps[keep], np.nan))

    rule = f"mi > {min_mi:g} ({selection}), lag > 0"
    if config.floor_sds is not None:
        rule += f", mi > baseline + {config.floor_sds:g} baseline_sd"
    if min_lag is not None:
        rule += f", lag >= {min_lag:g}"
    if max_lag is not None:
        rule += f", lag <= {max_lag:g}"

    results = {}
    for model in models:
        x = _design(model, tau)
        p = x.shape[1]
        k = p + 1
        if n <= k + 1 and too_few == "nan":
            nan3 = (math.nan, math.nan, math.nan)
            results[model] = ({name: nan3 for name in PARAMETERS[model]}, math.nan, 0)
            continue
        if n <= k + 1:
            raise ValueError(
                f"too few usable points for the {model} model: {n} point(s) pass the selection "
                f"({rule}; {lag_arr.size} given), but it needs at least {k + 2} "
                f"({p} coefficients + noise variance, n > k + 1 for AICc)"
            )
        beta, lo, hi, rss = _ols(x, y, conf)
        n_reps = 0
        if reps is not None:
            lo, hi, n_reps = _resampling_interval(x, y_reps, conf, model)
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
        results[model] = (params, aicc, n_reps)

    fitted = [aicc for _, aicc, _ in results.values() if not math.isnan(aicc)]
    best = min(fitted, default=math.nan)
    deltas = {m: aicc - best for m, (_, aicc, _) in results.items()}
    raw = {m: (0.0 if math.isnan(d) else math.exp(-0.5 * d)) for m, d in deltas.items()}
    total = sum(raw.values()) or math.nan
    rows = []
    for model in models:
        params, aicc, n_reps = results[model]
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
                    "akaike_weight": (raw[model] / total if not math.isnan(aicc)
                                      else math.nan),
                    "n_points": n,
                    "lag_min": float(tau.min()) if n else math.nan,
                    "lag_max": float(tau.max()) if n else math.nan,
                    "min_mi": min_mi,
                    "selection": selection,
                    "confidence": conf,
                    "ci_method": "resampling" if reps is not None else "t",
                    "n_replicates": n_reps,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def _floor_threshold(baseline, baseline_sd, floor_sds: float, n_lags: int) -> np.ndarray:
    """``baseline + floor_sds · baseline_sd`` per lag, checked: both given, aligned, finite."""
    if baseline is None or baseline_sd is None:
        raise ValueError("floor_sds needs the shuffle floor: pass baseline and baseline_sd (the "
                         "estimator's columns; an I(tau) table measured with shuffles >= 2)")
    arrays = [np.asarray(a, dtype=float) for a in (baseline, baseline_sd)]
    for name, array in zip(("baseline", "baseline_sd"), arrays):
        if array.shape != (n_lags,):
            raise ValueError(f"{name} must be a 1-D array with one value per lag ({n_lags}), got "
                             f"shape {array.shape}")
        if not np.isfinite(array).all():
            raise ValueError(f"{name} has missing or infinite values: was the I(tau) table "
                             f"measured with shuffles >= 2? floor_sds needs its shuffle floor")
    return arrays[0] + floor_sds * arrays[1]


def decay_verdict(fits: pd.DataFrame) -> dict:
    r"""Exponential vs. algebraic decay from the output of :func:`fit_decay`.

    ``delta_aicc = AICc(exponential) - AICc(power)``; the verdict is ``"exponential"`` when it is
    negative (the exponential model, Eq. 9, is preferred over the pure power law) and
    ``"algebraic"`` otherwise.  ``best_model`` is the lowest-AICc model among all fitted (this may
    be ``"composite"``).  Also returns the per-model ``aicc`` and ``akaike_weight`` dicts.
    """
    if not isinstance(fits, pd.DataFrame):
        raise ValueError(f"fits must be a DataFrame from fit_decay, got {type(fits).__name__}")
    require_columns(fits, ("model", "aicc", "akaike_weight"), "the fits (from fit_decay)")
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


def fit_table(table: pd.DataFrame, models=MODELS, *, config: FitConfig | None = None,
              replicates: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`fit_decay` with ``config`` on a table with columns ``lag`` and ``mi`` (the
    estimator's format).

    Extra columns are ignored, except ``baseline`` and ``baseline_sd``, which are the shuffle
    floor a ``floor_sds`` setting needs.  ``replicates`` is the estimator's long replicate
    table (columns ``replicate, lag, mi``); every lag of ``table`` must appear in every
    replicate.
    """
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    require_columns(table, ("lag", "mi"), "the I(tau) table")
    config = FitConfig.given(config)
    floor = {}
    if config.floor_sds is not None:
        require_columns(table, ("baseline", "baseline_sd"), "the I(tau) table (floor_sds needs "
                        "its shuffle floor)")
        floor = {"baseline": table["baseline"].to_numpy(),
                 "baseline_sd": table["baseline_sd"].to_numpy()}
    wide = None if replicates is None else replicates_wide(replicates, table["lag"].to_numpy())
    return fit_decay(table["lag"].to_numpy(), table["mi"].to_numpy(), models, config=config,
                     replicates=wide, **floor)


def replicates_wide(replicates: pd.DataFrame, lags: np.ndarray) -> np.ndarray:
    """Long replicate table → array (lags × replicates) aligned with ``lags``."""
    if not isinstance(replicates, pd.DataFrame):
        raise ValueError(f"replicates must be a DataFrame, got {type(replicates).__name__}")
    require_columns(replicates, ("replicate", "lag", "mi"), "the replicate table")
    if replicates.duplicated(["replicate", "lag"]).any():
        raise ValueError("replicate table has repeated (replicate, lag) rows")
    wide = replicates.pivot(index="lag", columns="replicate", values="mi")
    absent = sorted(set(lags.tolist()) - set(wide.index.tolist()))
    if absent:
        raise ValueError(f"replicate table lacks lag(s) {absent[:5]} of the MI table; "
                         "were they made from the same run?")
    wide = wide.reindex(lags)
    if wide.isna().all(axis=0).any() or wide.shape[1] < 2:
        raise ValueError("replicate table must hold >= 2 complete replicates of every lag")
    return wide.to_numpy(dtype=float)
