"""The decision rules that turn measured numbers into a claim's status (torch-free).

Each rule takes typed numbers (an :class:`Estimate`, a window of an I(τ) table) and returns an
:class:`Outcome`: a status of :data:`STATUSES`, the side its point estimates lean to and the
evidence in words for the reader.  Nothing downstream parses those words: the claims table, the
report and the README read ``status`` and ``lean``.  Every rule's error rates on simulated cases
with a known answer are measured by :mod:`miscaling.calibration`; the derivations are in
docs/METHODS.md §5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from miscaling.window_metrics import excess_window

__all__ = [
    "CLEAR_DELTA_AIC", "SLOPE_MARGIN", "FAILS", "HOLDS", "INCONCLUSIVE", "NOT_MEASURED", "STATUSES",
    "MIXED", "NO_SIGNAL", "Estimate", "Outcome", "Placement", "WindowDecay", "decay_in_window",
    "decay_in_window_batch", "every", "every_decay", "growth_slope", "grows", "grows_or_saturates",
    "no_gain",
    "not_measured", "ordered",
    "placed_among", "window_decay", "window_sigma", "with_seed_spread", "within_tolerance",
]

HOLDS, FAILS, INCONCLUSIVE, NOT_MEASURED = "holds", "does not hold", "inconclusive", "not measured"
#: In the order the report's summary line counts them.
STATUSES = (HOLDS, FAILS, INCONCLUSIVE, NOT_MEASURED)
#: |ΔAIC| from which a decay verdict counts as clear (Burnham & Anderson: the other model is
#: "essentially unsupported").
CLEAR_DELTA_AIC = 10.0


@dataclass(frozen=True)
class Estimate:
    """A measured number with its 95% interval (NaN where it could not be measured)."""

    value: float
    ci_low: float = math.nan
    ci_high: float = math.nan
    name: str = ""

    @property
    def finite(self) -> bool:
        return math.isfinite(self.value)

    @property
    def has_interval(self) -> bool:
        return math.isfinite(self.ci_low) and math.isfinite(self.ci_high)

    def text(self) -> str:
        """``1.26 [1.25, 1.27]``, ``undetermined`` for NaN, the interval left out when absent."""
        if not self.finite:
            return "undetermined"
        point = f"{self.value:.3g}"
        exact = self.ci_low == self.ci_high == self.value
        return f"{point} [{self.ci_low:.3g}, {self.ci_high:.3g}]" \
            if self.has_interval and not exact else point

    @classmethod
    def from_row(cls, row, column: str, name: str = "") -> Estimate:
        """``row[column]`` with ``row[column_ci_low/high]`` (NaN where a cell is missing)."""
        def cell(key):
            value = row.get(key, math.nan) if hasattr(row, "get") else math.nan
            try:
                return float(value)
            except (TypeError, ValueError):
                return math.nan
        return cls(cell(column), cell(f"{column}_ci_low"), cell(f"{column}_ci_high"), name)


def with_seed_spread(estimate: Estimate, relative_sd: float) -> Estimate:
    """``estimate`` with each side of its 95% interval widened in quadrature by
    1.96 · ``relative_sd`` · value: the spread between training seeds beside the estimator's
    (a trained model's ξ is one sample set of one restart; :mod:`miscaling.seed_spread`)."""
    if not (estimate.finite and estimate.has_interval):
        return estimate
    seed = 1.96 * relative_sd * abs(estimate.value)
    low = estimate.value - math.hypot(estimate.value - estimate.ci_low, seed)
    high = estimate.value + math.hypot(estimate.ci_high - estimate.value, seed) \
        if math.isfinite(estimate.ci_high) else math.inf
    return Estimate(estimate.value, low, high, estimate.name)


@dataclass(frozen=True)
class Outcome:
    """What a rule decided.  ``lean``: whether the point estimates go the claimed way (None
    when there are none); ``evidence``: the numbers, in words, for the reader;
    ``settle``: what would decide an open claim (empty when it holds)."""

    status: str
    lean: bool | None = None
    value: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    evidence: str = ""
    settle: str = ""
    rule: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    def as_dict(self) -> dict:
        return {"status": self.status, "lean": self.lean, "value": self.value,
                "ci_low": self.ci_low, "ci_high": self.ci_high, "evidence": self.evidence,
                "settle": self.settle, "rule": self.rule}


def not_measured(missing: str, rule: str = "") -> Outcome:
    """The outcome of a claim whose models or tables this run lacks (``missing`` says which)."""
    return Outcome(NOT_MEASURED, evidence=f"not measured: {missing}",
                   settle=f"a run whose configuration includes {missing}.", rule=rule)


# --------------------------------------------------------------------------- decay in a window


@dataclass(frozen=True)
class WindowDecay:
    """Exponential against power-law decay of I(τ) − floor on every lag of a window.

    ``delta_aic`` = AIC(exponential) − AIC(power) (> 0: algebraic), already divided by the
    overdispersion of the better fit where that exceeds 1; ``n_lags``: the lags of the window;
    ``n_above``: those whose excess exceeds twice its sd (reported, never used to select).
    """

    verdict: str  # exponential, algebraic, undetermined
    delta_aic: float
    n_lags: int
    n_above: int
    xi: float = math.nan
    gamma: float = math.nan
    dispersion: float = math.nan


def _profile(lags: np.ndarray, y: np.ndarray, w: np.ndarray, shapes: np.ndarray):
    """χ² of y ≈ A·shape (A ≥ 0 by weighted least squares) for every row of ``shapes``
    (``[grid, lags]``, or ``[reps, grid, lags]`` against ``y`` of ``[reps, lags]``)."""
    if y.ndim == 1:
        num = shapes @ (w * y)
    else:
        num = np.einsum("gl,rl->rg", shapes * w, y)
    den = (shapes ** 2) @ w
    with np.errstate(divide="ignore", invalid="ignore"):
        amp = np.where(den > 0, np.maximum(num / np.where(den > 0, den, 1.0), 0.0), 0.0)
    if y.ndim == 1:
        resid = y[None, :] - amp[:, None] * shapes
        return (w * resid ** 2).sum(-1), amp
    chi = (w * y ** 2).sum(-1)[:, None] - 2 * amp * num + amp ** 2 * den[None, :]
    return chi, amp


#: The verdict of a window in which no lag's excess exceeds twice its sd.
NO_SIGNAL = "no signal"
#: A model whose verdict on every lag and on log-spaced lags differ: neither decay describes
#: its whole curve.
MIXED = "mixed"

#: The grids of the two decay models' shape parameter: ξ (lags) and γ.
XI_GRID = np.geomspace(0.05, 1.0e5, 500)
GAMMA_GRID = np.linspace(0.0, 8.0, 801)


def _fit_chi2(lags: np.ndarray, y: np.ndarray, w: np.ndarray):
    """Best χ² and parameter of both models, y of shape [lags] or [reps, lags]."""
    exp_shapes = np.exp(-lags[None, :] / XI_GRID[:, None])
    pow_shapes = np.exp(-GAMMA_GRID[:, None] * np.log(lags)[None, :])
    for shapes in (exp_shapes, pow_shapes):  # a shape vanishing in the window fits A = 0
        shapes[shapes < 1e-150] = 0.0
    chi_e, _ = _profile(lags, y, w, exp_shapes)
    chi_p, _ = _profile(lags, y, w, pow_shapes)
    ie, ip = chi_e.argmin(-1), chi_p.argmin(-1)
    take = (lambda c, i: c[i]) if y.ndim == 1 else \
        (lambda c, i: np.take_along_axis(c, i[:, None], -1)[:, 0])
    return take(chi_e, ie), take(chi_p, ip), XI_GRID[ie], GAMMA_GRID[ip]


def window_sigma(window: pd.DataFrame) -> np.ndarray:
    """The sd of I(τ) − floor per lag: the estimate's (its 95% interval / 3.92) and the
    floor mean's (``baseline_sd / sqrt(shuffles)``) in quadrature; without an interval the
    floor's per-shuffle sd stands in for the estimate's (they agree for weak dependence)."""
    floor_sd = (window["baseline_sd"].to_numpy(float) if "baseline_sd" in window
                else np.full(len(window), np.nan))
    shuffles = float(window["shuffles"].iloc[0]) if "shuffles" in window and len(window) \
        else 1.0
    shuffles = shuffles if np.isfinite(shuffles) and shuffles >= 1 else 1.0
    if {"ci_low", "ci_high"} <= set(window):
        mi_sd = (window["ci_high"].to_numpy(float) - window["ci_low"].to_numpy(float)) / 3.92
    else:
        mi_sd = np.full(len(window), np.nan)
    mi_sd = np.where(np.isfinite(mi_sd) & (mi_sd > 0), mi_sd, floor_sd)
    floor_part = np.where(np.isfinite(floor_sd), floor_sd, 0.0) ** 2 / shuffles
    return np.sqrt(mi_sd ** 2 + floor_part)


def decay_in_window(lags, excess, sigma, *, min_lags: int = 4,
                    signal_sds: float = 2.0) -> WindowDecay:
    """The window rule: both models fitted by weighted least squares to I(τ) − floor on
    *every* lag of the window (no lag is selected by its value, which would keep only the
    upward fluctuations near the floor and flatten every tail), each A ≥ 0 with its shape
    parameter profiled on a fine grid; ΔAIC = Δχ² (both models have two parameters), divided by
    χ²/(n − 2) of the better model where that exceeds 1 (noise underestimated, or neither
    shape fits).  Undetermined with fewer than ``min_lags`` usable lags; :data:`NO_SIGNAL`
    where no lag's excess exceeds ``signal_sds`` of its sd (nothing whose shape could be
    judged)."""
    lags, excess, sigma = (np.asarray(a, dtype=float) for a in (lags, excess, sigma))
    if not (lags.shape == excess.shape == sigma.shape):
        raise ValueError(f"lags, excess and sigma must have one value per lag, got shapes "
                         f"{lags.shape}, {excess.shape}, {sigma.shape}")
    usable = np.isfinite(excess) & np.isfinite(sigma) & (sigma > 0) & (lags > 0)
    lags, excess, sigma = lags[usable], excess[usable], sigma[usable]
    n_above = int(np.sum(excess > signal_sds * sigma))
    if lags.size < min_lags:
        return WindowDecay("undetermined", math.nan, int(lags.size), n_above)
    if n_above == 0:
        return WindowDecay(NO_SIGNAL, math.nan, int(lags.size), n_above)
    chi_e, chi_p, xi, gamma = _fit_chi2(lags, excess, 1.0 / sigma ** 2)
    delta, dispersion = _delta_aic(chi_e, chi_p, lags.size)
    return WindowDecay("exponential" if delta < 0 else "algebraic", float(delta),
                       int(lags.size), n_above, float(xi), float(gamma), float(dispersion))


def _delta_aic(chi_e, chi_p, n_lags: int):
    """ΔAIC = χ²_exp − χ²_pow over the better model's overdispersion (where above 1), and that
    overdispersion; elementwise for replicate arrays."""
    dispersion = np.minimum(chi_e, chi_p) / max(n_lags - 2, 1)
    return (chi_e - chi_p) / np.maximum(dispersion, 1.0), dispersion


def decay_in_window_batch(lags, excess, sigma) -> np.ndarray:
    """:func:`decay_in_window`'s ΔAIC for many replicate curves at once (``excess``:
    [reps, lags]; NaN where a replicate has no lag above twice its sd).  For calibration."""
    lags, excess, sigma = (np.asarray(a, dtype=float) for a in (lags, excess, sigma))
    chi_e, chi_p, _, _ = _fit_chi2(lags, excess, 1.0 / sigma ** 2)
    delta, _ = _delta_aic(chi_e, chi_p, lags.size)
    signal = (excess > 2 * sigma[None, :]).any(-1)
    return np.where(signal, delta, np.nan)


def window_decay(curve: pd.DataFrame, low: float, high: float,
                 signal_sds: float = 2.0) -> WindowDecay:
    """:func:`decay_in_window` on the lags ``low``…``high`` of an I(τ) table (``baseline``
    subtracted; a table without one is taken as floor-free)."""
    window = excess_window(curve, low, high)
    excess = window["excess"].to_numpy(float)
    sigma = window_sigma(window)
    if not np.isfinite(sigma).any():  # no floor and no interval: unit weights
        sigma = np.ones(len(window))
    return decay_in_window(window["lag"].to_numpy(float), excess, sigma, signal_sds=signal_sds)


# --------------------------------------------------------------------------- the claim rules

#: The other decay of a verdict.
CONTRARY = {"exponential": "algebraic", "algebraic": "exponential"}


def every_decay(verdicts: list[tuple[str, str, float]], expected: str, *,
                clear: float = CLEAR_DELTA_AIC, resolvable: bool | None = None,
                no_signal_meets: bool = False, rule: str = "every_decay") -> Outcome:
    """"Every model decays ``expected``ly" from (name, verdict, ΔAIC) per model.

    Holds when every model has the verdict with |ΔAIC| ≥ ``clear`` (and, where
    ``resolvable`` is given, the data measured at the samples' size is itself resolvable,
    else a sample set of that size could not show the difference); does not hold when some
    model has the contrary verdict that clearly; inconclusive otherwise.  With
    ``no_signal_meets`` (a claim of *no* power law), a window with no signal meets it.
    """
    if not verdicts:
        return not_measured("the models the claim is about", rule)
    evidence = "; ".join(f"{name}: {verdict}" + (f" (dAIC {delta:+.1f})"
                                                 if math.isfinite(delta) else "")
                         for name, verdict, delta in verdicts)

    def meets(v, d):
        return (v == expected and abs(d) >= clear) or (no_signal_meets and v == NO_SIGNAL)

    lean = all(v == expected or (no_signal_meets and v == NO_SIGNAL) for _, v, _ in verdicts)
    held = all(meets(v, d) for _, v, d in verdicts)
    refuted = any(v == CONTRARY[expected] and abs(d) >= clear for _, v, d in verdicts)
    mixed = [name for name, v, _ in verdicts if v == MIXED]
    undetermined = [name for name, v, _ in verdicts if v not in CONTRARY and v != MIXED
                    and not (no_signal_meets and v == NO_SIGNAL)]
    if refuted:
        status = FAILS
    elif held and resolvable is not False:
        status = HOLDS
    else:
        status = INCONCLUSIVE
    if status == HOLDS:
        settle = ""
    elif status == FAILS:
        settle = ("refuted clearly at this run's scale: only larger or longer-trained models "
                  "could reopen it.")
    elif mixed:
        settle = (f"the decay of {', '.join(mixed)} differs between every lag and log-spaced "
                  f"lags: neither shape describes the whole curve; better-trained models or a "
                  f"window that isolates the scale the claim is about.")
    elif undetermined:
        settle = (f"more sample symbols, so that I(tau) of {', '.join(undetermined)} stays "
                  f"above its floor on enough lags of the window to compare the decays.")
    elif held:
        settle = ("more sample symbols: even the data, measured from as many symbols as the "
                  "samples, is not clearly resolved in this window.")
    else:
        settle = (f"more sample symbols or better-trained models, until every model's |dAIC| "
                  f">= {clear:g}.")
    return Outcome(status, lean, evidence=evidence, settle=settle, rule=rule)


def ordered(low: Estimate, high: Estimate, *, rule: str = "ordered", what: str = "") -> Outcome:
    """"``low`` < ``high``": holds when ``low``'s 95% interval lies wholly below ``high``'s,
    does not hold when wholly above; inconclusive when they overlap or a value is missing."""
    evidence = f"{low.name or 'first'} {low.text()} vs {high.name or 'second'} {high.text()}"
    if what:
        evidence = f"{what}: {evidence}"
    if not (low.finite and high.finite):
        return Outcome(INCONCLUSIVE, None, evidence=evidence, rule=rule,
                       settle="more samples, so that both values can be fitted.")
    lean = low.value < high.value
    if low.ci_high < high.ci_low:
        status = HOLDS
    elif high.ci_high < low.ci_low:
        status = FAILS
    else:
        status = INCONCLUSIVE
    settle = {HOLDS: "", FAILS: "refuted clearly at this run's scale (disjoint intervals the "
                                "other way).",
              INCONCLUSIVE: "more samples and restarts, until the 95% intervals are "
                            "disjoint."}[status]
    return Outcome(status, lean, value=high.value - low.value, evidence=evidence,
                   settle=settle, rule=rule)


def grows(points: list[Estimate], *, rule: str = "grows") -> Outcome:
    """"The value grows along ``points`` (in order)": holds when it rises at every step and the
    first and last 95% intervals are disjoint; does not hold when some step falls with
    disjoint intervals, or the last lies wholly below the first; else inconclusive."""
    evidence = "; ".join(f"{p.name}: {p.text()}" for p in points)
    if len(points) < 2:
        return not_measured("two points of the sweep", rule)
    if not all(p.finite for p in points):
        return Outcome(INCONCLUSIVE, None, evidence=evidence, rule=rule,
                       settle="more samples, so that every value can be fitted.")
    values = [p.value for p in points]
    lean = all(b > a for a, b in zip(values, values[1:]))
    first, last = points[0], points[-1]
    step_down = any(b.ci_high < a.ci_low for a, b in zip(points, points[1:]))
    if lean and first.ci_high < last.ci_low:
        status = HOLDS
    elif step_down or last.ci_high < first.ci_low:
        status = FAILS
    else:
        status = INCONCLUSIVE
    settle = {HOLDS: "", FAILS: "refuted clearly at this run's scale (a step down with "
                                "disjoint intervals).",
              INCONCLUSIVE: "more samples and restarts, until the smallest and largest "
                            "intervals are disjoint."}[status]
    return Outcome(status, lean, value=last.value - first.value, evidence=evidence,
                   settle=settle, rule=rule)


def no_gain(base: Estimate, other: Estimate, *, margin: float = 0.25,
            rule: str = "no_gain") -> Outcome:
    """"``other`` does not improve on ``base`` significantly" (a deeper model on a shallower
    one): holds when even the top of ``other``'s 95% interval gains at most ``margin``
    (relative) on ``base``'s value; does not hold when the bottom of its interval gains more
    than that; else inconclusive."""
    evidence = f"{base.name or 'base'} {base.text()} vs {other.name or 'other'} {other.text()}"
    if not (base.finite and other.finite and other.has_interval):
        return Outcome(INCONCLUSIVE, None, evidence=evidence, rule=rule,
                       settle="more samples, so that both values can be fitted.")
    bound = base.value * (1 + margin)
    lean = other.value <= bound
    status = HOLDS if other.ci_high <= bound else FAILS if other.ci_low > bound else \
        INCONCLUSIVE
    settle = {HOLDS: "", FAILS: f"refuted at this run's scale: the deeper model gains more "
                                f"than {margin:.0%}, clearly.",
              INCONCLUSIVE: f"more samples and restarts, until the deeper model's interval "
                            f"lies below or above {1 + margin:g} x the shallower one's "
                            f"value."}[status]
    return Outcome(status, lean, other.value - base.value, evidence=evidence, settle=settle,
                   rule=rule)


def within_tolerance(estimate: Estimate, target: float, tolerance: float, *,
                     rule: str = "within_tolerance") -> Outcome:
    """"The value is ``target`` ± ``tolerance``": holds when the whole 95% interval lies
    inside, does not hold when the whole interval lies outside, else inconclusive."""
    evidence = f"{estimate.name + ' ' if estimate.name else ''}{estimate.text()} against " \
               f"{target:.3g} ± {tolerance:.3g}"
    if not estimate.finite:
        return Outcome(INCONCLUSIVE, None, evidence=evidence, rule=rule,
                       settle="more samples, so that the value can be fitted.")
    low, high = target - tolerance, target + tolerance
    lean = low <= estimate.value <= high
    if estimate.has_interval and low <= estimate.ci_low and estimate.ci_high <= high:
        status = HOLDS
    elif estimate.has_interval and (estimate.ci_high < low or estimate.ci_low > high):
        status = FAILS
    else:
        status = INCONCLUSIVE
    settle = {HOLDS: "", FAILS: "refuted clearly at this run's scale.",
              INCONCLUSIVE: f"more samples, until the 95% interval lies within {low:g} .. "
                            f"{high:g} or wholly outside it."}[status]
    return Outcome(status, lean, estimate.value, estimate.ci_low, estimate.ci_high, evidence,
                   settle, rule)


@dataclass(frozen=True)
class Placement:
    """Where one value lies among reference values (the size-matched chunks): their count,
    range and prediction interval for one more chunk."""

    value: Estimate
    n_chunks: int
    chunk_min: float = math.nan
    chunk_max: float = math.nan
    interval_low: float = math.nan
    interval_high: float = math.nan


def placed_among(place: Placement, expected: str, *, rule: str = "placed_among") -> Outcome:
    """Where a split lies among training chunks of its size, against the ``expected`` place:
    ``above`` / ``below`` (the split differs that way) or ``within`` (it does not differ).

    *above*/*below* hold when the split's value lies outside the chunks' prediction interval
    on that side and its 95% interval misses the chunks' range ("differs"); do not hold when
    it differs the other way; else inconclusive (a split among its chunks may still differ by
    less than their spread).  *within* holds when the split's whole 95% interval lies inside
    the prediction interval and its value among the chunks' range, and does not hold when the
    split differs either way.
    """
    if expected not in ("above", "below", "within"):
        raise ValueError(f"expected must be above, below or within, got {expected!r}")
    v = place.value
    if place.n_chunks < 2 or not v.finite or not math.isfinite(place.interval_low):
        return Outcome(INCONCLUSIVE, None, evidence=f"{v.text()} vs {place.n_chunks} finite "
                       "chunk values", rule=rule,
                       settle="at least two size-matched chunks with a finite value and a "
                              "split long enough for the fit.")
    lo, hi = place.chunk_min, place.chunk_max
    misses_range = v.has_interval and (v.ci_high < lo or v.ci_low > hi)
    side = ("above" if v.value > place.interval_high else
            "below" if v.value < place.interval_low else "within")
    differs = side != "within" and misses_range
    inside = v.has_interval and place.interval_low <= v.ci_low and \
        v.ci_high <= place.interval_high and lo <= v.value <= hi
    evidence = (f"{v.text()} vs {place.n_chunks} chunks in [{lo:.3g}, {hi:.3g}] (prediction "
                f"interval [{place.interval_low:.3g}, {place.interval_high:.3g}]): "
                + (f"differs, {side}" if differs else
                   "within, precisely" if inside else "not resolved"))
    if expected == "within":
        lean = side == "within"
        status = HOLDS if inside else FAILS if differs else INCONCLUSIVE
    else:
        lean = side == expected
        # a split inside the chunks' spread may still differ by less than it: not a refutation
        status = (HOLDS if differs and side == expected else
                  FAILS if differs else INCONCLUSIVE)
    settle = {HOLDS: "",
              FAILS: "refuted at this run's size-matched chunks: more chunks "
                     "(corpora.size_matched_chunks) would narrow their spread.",
              INCONCLUSIVE: "more size-matched chunks and a longer split, so that the "
                            "split's interval either misses the chunks' range or lies "
                            "inside their prediction interval."}[status]
    return Outcome(status, lean, v.value, v.ci_low, v.ci_high, evidence, settle, rule)


def every(outcomes: list[Outcome], *, rule: str, missing: str = "") -> Outcome:
    """A claim about every model, from one outcome per model: does not hold when one does not,
    holds when every one holds, else inconclusive (not measured without any)."""
    if not outcomes:
        return not_measured(missing or "the models the claim is about", rule)
    statuses = {o.status for o in outcomes}
    status = (FAILS if FAILS in statuses else HOLDS if statuses == {HOLDS} else INCONCLUSIVE
              if statuses - {NOT_MEASURED} else NOT_MEASURED)
    leans = [o.lean for o in outcomes]
    lean = None if any(x is None for x in leans) else all(leans)
    settle = next((o.settle for o in outcomes if o.status == status and o.settle), "")
    return Outcome(status, lean, evidence="; ".join(o.evidence for o in outcomes),
                   settle=settle, rule=rule)


# --------------------------------------------------------------------------- growth of a curve

#: The slope of ln I on ln L that separates growth from saturation (bipartite MI, L²M).
SLOPE_MARGIN = 0.1


def growth_slope(L, estimate, ci_low, ci_high, *, upper: float = 0.5,
                 name: str = "slope") -> Estimate:
    """The slope β of ln Î on ln L over the upper ``upper`` fraction of the L grid (M66):
    weighted least squares with σ = (ci_high − ci_low) / (3.92 Î), a 95% interval from those
    σ, widened by √(χ²/(n − 2)) where that exceeds 1; NaN with fewer than 3 points of Î > 0."""
    L, estimate, ci_low, ci_high = (np.asarray(a, dtype=float)
                                    for a in (L, estimate, ci_low, ci_high))
    grid = np.unique(L)
    top = L >= grid[int(np.floor((1 - upper) * (len(grid) - 1)))] if len(grid) else L > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = (ci_high - ci_low) / (3.92 * estimate)
    keep = top & (estimate > 0) & np.isfinite(sigma) & (sigma > 0)
    if keep.sum() < 3:
        return Estimate(math.nan, name=name)
    x, y, w = np.log(L[keep]), np.log(estimate[keep]), 1.0 / sigma[keep] ** 2
    xm = np.sum(w * x) / w.sum()
    sxx = np.sum(w * (x - xm) ** 2)
    beta = float(np.sum(w * (x - xm) * y) / sxx)
    chi2 = float(np.sum(w * (y - np.sum(w * y) / w.sum() - beta * (x - xm)) ** 2))
    half = 1.96 * math.sqrt(max(1.0, chi2 / (keep.sum() - 2)) / sxx)
    return Estimate(beta, beta - half, beta + half, name)


def grows_or_saturates(slope: Estimate, expected: str, *, margin: float = SLOPE_MARGIN,
                       rule: str = "grows_or_saturates") -> Outcome:
    """"The curve keeps ``grows`` / ``saturates``" from its upper slope (:func:`growth_slope`):
    *grows* holds when the slope's 95% interval lies wholly above ``margin``, *saturates* when
    wholly below; each does not hold when the interval lies wholly on the other side."""
    if expected not in ("grows", "saturates"):
        raise ValueError(f"expected must be grows or saturates, got {expected!r}")
    above = Estimate(margin, margin, margin, "margin")
    low, high = (above, slope) if expected == "grows" else (slope, above)
    outcome = ordered(low, high, rule=rule, what=f"expected {expected}")
    if not slope.finite:
        return Outcome(INCONCLUSIVE, None, evidence=f"{slope.name}: undetermined (fewer than "
                       "3 positive estimates in the upper half of the grid)", rule=rule,
                       settle="more sequences, so that the upper block lengths' estimates "
                              "are positive and resolved.")
    return outcome
