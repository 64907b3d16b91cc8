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

These t intervals assume independent residuals.  Estimated I(τ) curves violate that: the
fluctuation of one data set is strongly correlated across lags (on the paper's binary set the
whole curve sits a few percent above or below the truth), so the t interval is far too narrow
(measured: it excluded the true γ = 0.4 on the paper-sized set).  Passing ``replicates``
(resampling replicate curves from :func:`miscaling.mi.mutual_information` with
``return_replicates=True``) refits every model on every replicate over the same lags and
reports percentile intervals of the refitted coefficients instead (``ci_method =
"resampling"``), which carry that correlation.  A replicate point that is not positive is left
out of that replicate's fit.

Model comparison uses the log-space Gaussian likelihood (constants dropped):

    AIC  = n ln(RSS/n) + 2k,        AICc = AIC + 2k(k+1)/(n-k-1),

with ``k`` = number of regression coefficients + 1 (the residual variance).  ``ΔAICc`` is taken
relative to the best of the models fitted, and the Akaike weights are
``w_m = exp(-ΔAICc_m/2) / Σ exp(-ΔAICc/2)``.  To keep AICc finite on noiseless input, ``RSS/n``
is floored at ``(sqrt(ε) · max(1, max|y|))²`` (ε = double-precision machine epsilon, so a
root-mean-square log residual below ~1.5e-8 relative counts as exact): fits that are exact up to
round-off are treated as equally good and then ranked by their penalty.

Point selection follows the paper's practice of fitting only points above an estimation-noise
floor ("only data points greater than 10⁻³ is used", Figs. 1 and 7; 2×10⁻³ for text).  Within
the lag window (``lag > 0``, as ``ln τ`` is undefined otherwise; ``lag ≥ min_lag`` and
``lag ≤ max_lag`` when given) two readings of that rule are offered:

``selection="contiguous"`` (default)
    the points from the smallest lag up to, not including, the first point whose ``mi`` is not
    above ``min_mi`` (or is NaN): the curve is fitted until it first reaches the noise floor.
``selection="all"``
    every point with finite ``mi > min_mi``, wherever it lies.

They differ once the true curve has sunk below the threshold: ``"all"`` then keeps exactly the
points that fluctuated upwards, which flattens the tail and biases γ down and ξ up.  Measured on
Figure 5's data (2,000 × 1,000 sequences, 40 log-spaced lags, threshold 10⁻³): γ = 0.8 was
fitted as 0.745 with ``"all"`` and 0.789 with ``"contiguous"``, γ = 0.7 as 0.665 and 0.715.

A fixed threshold stands in for the estimator's floor only when the floor lies below it.  The
floor grows as the data shrink: the shuffle floor of a 2 MB text sample is ~1e-3 nats, of 3,899
sequences of 513 characters ~2.5e-3, *above* the paper's 2×10⁻³, and a fit then runs on floor
noise (measured: ξ of 390–800 for character Transformers whose samples reach their floor by
τ ≈ 15).  ``floor_sds`` (:class:`FitConfig`) adds the curve's own floor to the rule: a point is
above the threshold only if also ``mi > baseline + floor_sds · baseline_sd`` (the shuffled
data's mean and standard deviation at that lag, the estimator's ``baseline`` columns).  The
fit stays on ``mi`` itself, as the paper's; only the choice of points changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd
from scipy import stats

from miscaling.io import require_columns
from miscaling.settings import Settings, problems_error

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


def _real_problem(name: str, value, *, optional: bool) -> list[str]:
    if value is None and optional:
        return []
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value):
        return [f"{name} must be a real number{' or None' if optional else ''}, got {value!r}"]
    return []


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

    min_mi: float = 0.0
    min_lag: float | None = None
    max_lag: float | None = None
    confidence: float = 0.95
    selection: str = "contiguous"
    too_few: str = "raise"
    floor_sds: float | None = None

    COLUMN_NAMES = {name: f"fit_{name}" for name in (
        "min_mi", "min_lag", "max_lag", "confidence", "selection", "too_few", "floor_sds")}
    #: Fields added after tables were first written: a table without the column reads None.
    OPTIONAL_FIELDS = ("floor_sds",)

    def __post_init__(self) -> None:
        problems = []
        min_mi = self.min_mi
        if _real_problem("min_mi", min_mi, optional=False) or min_mi < 0 or math.isinf(min_mi):
            problems.append(f"min_mi must be a finite number >= 0, got {min_mi!r}")
        window = (_real_problem("min_lag", self.min_lag, optional=True)
                  + _real_problem("max_lag", self.max_lag, optional=True))
        problems += window
        if not window and None not in (self.min_lag, self.max_lag) \
                and self.min_lag > self.max_lag:
            problems.append(f"min_lag ({float(self.min_lag)}) must not exceed max_lag "
                            f"({float(self.max_lag)})")
        if _real_problem("confidence", self.confidence, optional=False) \
                or not 0.0 < self.confidence < 1.0:
            problems.append(f"confidence must lie strictly between 0 and 1, got "
                            f"{self.confidence!r}")
        if self.selection not in SELECTIONS:
            problems.append(f"unknown selection {self.selection!r}; expected one of "
                            f"{SELECTIONS}")
        if self.too_few not in TOO_FEW:
            problems.append(f"too_few must be 'raise' or 'nan', got {self.too_few!r}")
        floor_sds = self.floor_sds
        if _real_problem("floor_sds", floor_sds, optional=True) \
                or (floor_sds is not None and not 0 <= floor_sds < math.inf):
            problems.append(f"floor_sds must be a finite number >= 0 or None, got {floor_sds!r}")
        problems_error("FitConfig", problems)
        for name in ("min_mi", "min_lag", "max_lag", "confidence", "floor_sds"):  # plain floats
            value = getattr(self, name)
            object.__setattr__(self, name, None if value is None else float(value))

    @classmethod
    def from_table(cls, table: pd.DataFrame, source: str = "table") -> FitConfig:
        """:meth:`Settings.from_table`; a CSV reader takes ``too_few``'s value ``"nan"`` for
        an empty cell, and ``too_few`` is never empty, so an empty column reads ``"nan"``."""
        column = cls.COLUMN_NAMES["too_few"]
        if column in table.columns and len(table) and table[column].isna().all():
            table = table.assign(**{column: "nan"})
        for field in cls.OPTIONAL_FIELDS:
            if cls.COLUMN_NAMES[field] not in table.columns:
                table = table.assign(**{cls.COLUMN_NAMES[field]: None})
        return super().from_table(table, source)


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
    replicates=None,
    selection="contiguous",
    too_few="raise",
    floor_sds=None,
    baseline=None,
    baseline_sd=None,
    config: FitConfig | None = None,
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
        must be ``≥ 0``.  The default ``0`` keeps positive points.
    min_lag, max_lag
        Optional inclusive lag window.  Lags ``≤ 0`` are always excluded.
    selection
        ``"contiguous"`` (default): points up to the first one at or below ``min_mi`` (or NaN)
        in lag order; ``"all"``: every finite point above ``min_mi``.  See the module docstring.
    too_few
        What a model with too few usable points does: ``"raise"`` (default) a ValueError, or
        ``"nan"``: its rows carry NaN values, CIs and AICc, and the comparison (ΔAICc,
        weights) is over the models that could be fitted — for pipelines in which a curve
        that barely rises above the threshold is a result, not an error.
    confidence
        Two-sided confidence level of the intervals, in ``(0, 1)``.
    floor_sds, baseline, baseline_sd
        With ``floor_sds`` (default None: unused), a point must also have ``mi > baseline +
        floor_sds · baseline_sd``: 1-D arrays aligned with ``lags``, the shuffle floor's mean
        and standard deviation (the estimator's columns).  See the module docstring.
    replicates
        Optional resampling replicate curves, shape ``(len(lags), B)`` aligned with ``lags``;
        the intervals are then percentile intervals over refits on the replicates (see the
        module docstring) instead of t intervals.
    config
        The point-selection and interval settings above at once, as a :class:`FitConfig`;
        ``min_mi``, ``min_lag``, ``max_lag``, ``confidence``, ``selection``, ``too_few`` and
        ``floor_sds`` must then be left at their defaults.

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
    config = FitConfig.resolve(config, {
        "min_mi": min_mi, "min_lag": min_lag, "max_lag": max_lag, "confidence": confidence,
        "selection": selection, "too_few": too_few, "floor_sds": floor_sds,
    })
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


def fit_table(table: pd.DataFrame, models=MODELS, *, replicates: pd.DataFrame | None = None,
              **kwargs) -> pd.DataFrame:
    """:func:`fit_decay` on a table with columns ``lag`` and ``mi`` (the estimator's format).

    Extra columns are ignored, except ``baseline`` and ``baseline_sd``, which are the shuffle
    floor a ``floor_sds`` setting needs; keyword arguments are passed on to :func:`fit_decay`.
    ``replicates`` is the estimator's long replicate table (columns ``replicate, lag, mi``);
    every lag of ``table`` must appear in every replicate.
    """
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    require_columns(table, ("lag", "mi"), "the I(tau) table")
    floor_sds = (kwargs["config"].floor_sds if kwargs.get("config") is not None
                 else kwargs.get("floor_sds"))
    if floor_sds is not None:
        require_columns(table, ("baseline", "baseline_sd"), "the I(tau) table (floor_sds needs "
                        "its shuffle floor)")
        kwargs.update(baseline=table["baseline"].to_numpy(),
                      baseline_sd=table["baseline_sd"].to_numpy())
    wide = None if replicates is None else replicates_wide(replicates, table["lag"].to_numpy())
    return fit_decay(table["lag"].to_numpy(), table["mi"].to_numpy(), models,
                     replicates=wide, **kwargs)


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
