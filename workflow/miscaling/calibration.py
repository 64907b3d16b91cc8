"""Error rates of the decision rules on simulated cases with a known answer.

Every rule of :mod:`miscaling.verdicts` is run on many replicates of a case whose truth is set
by construction: I(τ) windows with the run's own lags and per-lag noise (read from its I(τ)
tables, :func:`noise_profile`), estimates with 95% intervals of known width, chunks of known
spread.  Per rule, scale and case the table gives the rates of a *correct clear* call, a *wrong
clear* call (the contrary outcome, called clearly) and an inconclusive one.  The goal: wrong
clear at most :data:`WRONG_CLEAR_GOAL` for every rule (docs/METHODS.md §5, "Calibration").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from miscaling.verdicts import (
    CLEAR_DELTA_AIC,
    FAILS,
    HOLDS,
    Estimate,
    Placement,
    decay_in_window_batch,
    grows,
    grows_or_saturates,
    growth_slope,
    no_gain,
    ordered,
    placed_among,
    window_sigma,
    within_tolerance,
)

__all__ = ["CALIBRATION_COLUMNS", "NoiseProfile", "WRONG_CLEAR_GOAL", "calibrate",
           "calibrate_growth", "growth_cases", "noise_profile", "rule_rates", "window_cases"]

WRONG_CLEAR_GOAL = 0.05
CALIBRATION_COLUMNS = ["rule", "scale", "profile", "case", "truth", "replicates",
                       "correct_clear", "wrong_clear", "inconclusive", "seed"]


@dataclass(frozen=True)
class NoiseProfile:
    """The lags of an I(τ) table and the sd of I(τ) − floor at each (the estimate's and the
    floor's, :func:`~miscaling.verdicts.window_sigma`)."""

    name: str
    lags: np.ndarray
    sigma: np.ndarray

    def scaled(self, factor: float, name: str) -> NoiseProfile:
        return NoiseProfile(name, self.lags, self.sigma * factor)


def noise_profile(curve: pd.DataFrame, name: str) -> NoiseProfile:
    """The noise of an I(τ) table (``miscaling mi`` output with shuffles and/or a CI)."""
    table = curve.sort_values("lag")
    sigma = window_sigma(table)
    keep = np.isfinite(sigma) & (sigma > 0) & (table["lag"].to_numpy(float) > 0)
    if keep.sum() < 4:
        raise ValueError(f"{name}: the I(tau) table has fewer than 4 lags with a floor sd or "
                         f"an interval (measure it with shuffles >= 2 or bootstrap > 0)")
    return NoiseProfile(name, table["lag"].to_numpy(float)[keep], sigma[keep])


def window_cases(low: float, high: float) -> list[tuple[str, str, float]]:
    """(case name, true decay, parameter) for a window: exponentials whose ξ spans the window
    and power laws of the exponents the paper reports (0.3 text, 0.4 binary) and steeper."""
    span = high - low
    xis = sorted({round(v, 3) for v in (low / 2, low, span / 4, span)})
    return [*((f"exponential xi={xi:g}", "exponential", xi) for xi in xis),
            *((f"power gamma={g:g}", "algebraic", g) for g in (0.3, 0.5, 1.0))]


#: Signal at the window's first lag, in units of the noise sd there.
SIGNALS = (5.0, 20.0, 100.0)


def _rates(statuses_or_calls: np.ndarray, correct: np.ndarray, wrong: np.ndarray) -> dict:
    n = len(statuses_or_calls)
    return {"replicates": n, "correct_clear": float(np.mean(correct)),
            "wrong_clear": float(np.mean(wrong)),
            "inconclusive": float(1 - np.mean(correct) - np.mean(wrong))}


def calibrate_window(profile: NoiseProfile, low: float, high: float, *, replicates: int,
                     rng: np.random.Generator, clear: float = CLEAR_DELTA_AIC,
                     scale: str = "") -> list[dict]:
    """The window decay rule on ``replicates`` noisy copies of each :func:`window_cases` truth
    at each of :data:`SIGNALS`, with ``profile``'s lags and noise in ``low``…``high``."""
    keep = (profile.lags >= low) & (profile.lags <= high)
    lags, sigma = profile.lags[keep], profile.sigma[keep]
    if lags.size < 4:
        return []
    rows = []
    for case, truth, parameter in window_cases(low, high):
        shape = np.exp(-lags / parameter) if truth == "exponential" else lags ** -parameter
        for signal in SIGNALS:
            amplitude = signal * sigma[0] / shape[0]
            noise = rng.standard_normal((replicates, lags.size)) * sigma
            delta = decay_in_window_batch(lags, amplitude * shape + noise, sigma)
            sign = 1.0 if truth == "algebraic" else -1.0
            decided = np.isfinite(delta) & (np.abs(delta) >= clear)
            rows.append({"rule": "decay_in_window", "scale": scale, "profile": profile.name,
                         "case": f"{case}, lags {low:g}..{high:g}, signal {signal:g} sd",
                         "truth": truth,
                         **_rates(delta, decided & (sign * delta > 0),
                                  decided & (sign * delta < 0))})
    return rows


def _status_rates(statuses: list[str], truth_holds: bool) -> dict:
    statuses = np.asarray(statuses)
    right, wrong = (HOLDS, FAILS) if truth_holds else (FAILS, HOLDS)
    return _rates(statuses, statuses == right, statuses == wrong)


def _estimates(rng, values, sd, replicates):
    """``replicates`` draws of estimates of ``values`` with sd ``sd`` and their 95% CIs."""
    draws = np.asarray(values)[None, :] + rng.standard_normal((replicates, len(values))) * sd
    return [[Estimate(v, v - 1.96 * sd, v + 1.96 * sd, f"p{i}") for i, v in enumerate(row)]
            for row in draws]


#: True differences between the compared values, in units of one estimate's sd.
DIFFERENCES = (0.25, 1.0, 3.0, 6.0)


def calibrate_estimates(*, replicates: int, rng: np.random.Generator,
                        scale: str = "") -> list[dict]:
    """The interval rules (:func:`ordered`, :func:`grows`, :func:`within_tolerance`) on
    normal estimates with exact 95% intervals: true differences of :data:`DIFFERENCES` sd,
    both ways."""
    rows = []
    for diff in DIFFERENCES:
        for sign, truth in ((1, True), (-1, False)):
            pairs = _estimates(rng, [0.0, sign * diff], 1.0, replicates)
            statuses = [ordered(a, b).status for a, b in pairs]
            rows.append({"rule": "ordered", "scale": scale, "profile": "normal, exact CI",
                         "case": f"difference {sign * diff:+g} sd",
                         "truth": "holds" if truth else "does not hold",
                         **_status_rates(statuses, truth)})
            sweep = _estimates(rng, [0.0, sign * diff / 2, sign * diff], 1.0, replicates)
            statuses = [grows(points).status for points in sweep]
            rows.append({"rule": "grows", "scale": scale, "profile": "normal, exact CI",
                         "case": f"3 points rising {sign * diff:+g} sd in all",
                         "truth": "holds" if truth else "does not hold",
                         **_status_rates(statuses, truth)})
        # no_gain with a 25% margin on a base of 1, estimates of relative sd 0.05 x diff / 3
        sd = 0.05 * diff / 3
        for gain, truth in ((-0.1, True), (0.0, True), (0.1, True), (0.5, False), (1.0, False)):
            pairs = _estimates(rng, [1.0, 1.0 + gain], sd, replicates)
            statuses = [no_gain(a, b).status for a, b in pairs]
            rows.append({"rule": "no_gain", "scale": scale, "profile": "normal, exact CI",
                         "case": f"gain {gain:+.0%} on 1 (margin 25%), sd {sd:.3g}",
                         "truth": "holds" if truth else "does not hold",
                         **_status_rates(statuses, truth)})
        for offset, truth in ((0.0, True), (diff + 2.0, False)):
            single = _estimates(rng, [offset], 1.0, replicates)
            statuses = [within_tolerance(e[0], 0.0, 2.0 + (diff if truth else 0.0)).status
                        for e in single]
            rows.append({"rule": "within_tolerance", "scale": scale,
                         "profile": "normal, exact CI",
                         "case": f"tolerance {2.0 + (diff if truth else 0.0):g} sd, true "
                                 f"offset {offset:g} sd",
                         "truth": "holds" if truth else "does not hold",
                         **_status_rates(statuses, truth)})
    return rows


def calibrate_placement(*, replicates: int, rng: np.random.Generator, chunks: int = 5,
                        scale: str = "") -> list[dict]:
    """:func:`placed_among` with ``chunks`` normal chunk values (sd 1) and a split whose value
    has a 95% interval of half-width 1 or 3 chunk sd, placed 0 to 8 chunk sd above them (the
    truth of 'within' is left out at 2 sd: such a split is neither clearly like nor unlike a
    further chunk)."""
    from scipy import stats

    t = stats.t.ppf(0.975, chunks - 1)
    rows = []
    for half in (1.0, 3.0):
        for shift in (0.0, 2.0, 4.0, 8.0):
            out = {"above": [], "below": [], "within": []}
            for _ in range(replicates):
                values = rng.standard_normal(chunks)
                split = shift + rng.standard_normal() * half / 1.96
                mean, sd = values.mean(), values.std(ddof=1)
                width = t * sd * math.sqrt(1 + 1 / chunks)
                place = Placement(Estimate(split, split - half, split + half), chunks,
                                  values.min(), values.max(), mean - width, mean + width)
                for expected in out:
                    out[expected].append(placed_among(place, expected).status)
            for expected, statuses in out.items():
                if (shift == 0 and expected == "below") or (shift == 2 and expected == "within"):
                    continue  # 'below' at 0 mirrors 'above'; 2 sd is neither like nor unlike
                truth = (shift > 0) if expected == "above" else \
                    (shift == 0) if expected == "within" else False
                rows.append({"rule": "placed_among", "scale": scale,
                             "profile": f"{chunks} normal chunks",
                             "case": f"expected {expected}, split {shift:g} chunk sd above, "
                                     f"its CI ±{half:g} sd",
                             "truth": "holds" if truth else "does not hold",
                             **_status_rates(statuses, truth)})
    return rows


#: The L grid of the growth rule's cases: L = 2ℓ, ℓ on ``log:256:8`` (the binary default).
GROWTH_GRID = 2.0 * np.array([1, 2, 4, 9, 19, 40, 85, 181, 256])
#: Relative sd of each estimate in the growth cases (the binary run's vCLUB intervals: a few %
#: at the largest L, tens of % at the smallest).
GROWTH_NOISE = (0.02, 0.1, 0.3)


def growth_cases(grid: np.ndarray) -> list[tuple[str, str, np.ndarray]]:
    """(case, truth, I(L)) of the growth rule: power laws that keep growing (β = 0.3, 0.6) and
    curves I∞(1 − e^(−L/L₀)) that saturate well inside the grid (L₀ = 4, 16)."""
    return [*((f"power beta={beta:g}", "grows", grid ** beta) for beta in (0.3, 0.6)),
            *((f"saturating L0={l0:g}", "saturates", 1 - np.exp(-grid / l0))
              for l0 in (4.0, 16.0))]


def calibrate_growth(*, replicates: int, rng: np.random.Generator,
                     scale: str = "") -> list[dict]:
    """:func:`~miscaling.verdicts.grows_or_saturates` on the upper slope of noisy curves of
    :func:`growth_cases` (normal noise of relative sd :data:`GROWTH_NOISE`, exact intervals),
    with both expectations: the truth's (holds) and the other (does not hold)."""
    rows = []
    for case, truth, curve in growth_cases(GROWTH_GRID):
        for noise in GROWTH_NOISE:
            sd = noise * curve
            draws = curve + rng.standard_normal((replicates, curve.size)) * sd
            slopes = [growth_slope(GROWTH_GRID, d, d - 1.96 * sd, d + 1.96 * sd) for d in draws]
            for expected in ("grows", "saturates"):
                statuses = [grows_or_saturates(slope, expected).status for slope in slopes]
                rows.append({"rule": "grows_or_saturates", "scale": scale,
                             "profile": f"relative sd {noise:g}, exact CI",
                             "case": f"{case}, expected {expected}",
                             "truth": "holds" if expected == truth else "does not hold",
                             **_status_rates(statuses, expected == truth)})
    return rows


def calibrate(profiles: list[NoiseProfile], windows: list[tuple[float, float]], *,
              replicates: int = 300, seed: int = 0, scale: str = "",
              others: bool = True) -> pd.DataFrame:
    """Every rule's rates (:data:`CALIBRATION_COLUMNS`): the window rule on each noise profile
    and window, and (``others``) the interval and placement rules on their normal cases."""
    if replicates < 10:
        raise ValueError(f"replicates must be >= 10, got {replicates!r}")
    rng = np.random.default_rng(seed)
    rows = []
    for profile in profiles:
        for low, high in windows:
            rows += calibrate_window(profile, low, high, replicates=replicates, rng=rng,
                                     scale=scale)
    if others:
        rows += calibrate_estimates(replicates=replicates, rng=rng, scale=scale)
        rows += calibrate_placement(replicates=replicates, rng=rng, scale=scale)
        rows += calibrate_growth(replicates=replicates, rng=rng, scale=scale)
    table = pd.DataFrame(rows, columns=[c for c in CALIBRATION_COLUMNS if c != "seed"])
    table["seed"] = seed
    return table[CALIBRATION_COLUMNS]


def rule_rates(calibration: pd.DataFrame) -> pd.DataFrame:
    """Per rule and scale: the worst wrong-clear rate over its cases, the median correct-clear
    rate and the number of cases (what the claims table shows beside each rule)."""
    calibration = calibration.assign(
        scale=[("" if pd.isna(v) else str(v)) for v in calibration["scale"]])
    grouped = calibration.groupby(["rule", "scale"], sort=True)
    return grouped.agg(cases=("case", "size"), worst_wrong_clear=("wrong_clear", "max"),
                       median_correct_clear=("correct_clear", "median")).reset_index()
