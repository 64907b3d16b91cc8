"""Tests for miscaling.fit: exponential / power-law / composite decay fits and AICc verdicts."""

import math

import numpy as np
import pandas as pd
import pytest
from miscaling.fit import MODELS, FitConfig, decay_verdict, fit_decay, fit_table

LAGS = np.arange(1, 201, dtype=float)


def param(fits, model, name, col="value"):
    row = fits[(fits.model == model) & (fits.parameter == name)]
    assert len(row) == 1
    return float(row[col].iloc[0])


def model_value(fits, model, col):
    vals = fits.loc[fits.model == model, col].unique()
    assert len(vals) == 1
    return float(vals[0])


# ------------------------------------------------------------------------------------------
# Noiseless recovery
# ------------------------------------------------------------------------------------------
def test_noiseless_exponential_recovered_exactly():
    mi = 0.3 * np.exp(-LAGS / 25.0)
    fits = fit_decay(LAGS, mi)
    assert param(fits, "exponential", "I0") == pytest.approx(0.3, rel=1e-10)
    assert param(fits, "exponential", "xi") == pytest.approx(25.0, rel=1e-10)
    assert param(fits, "exponential", "xi", "ci_low") == pytest.approx(25.0, rel=1e-8)
    assert param(fits, "exponential", "xi", "ci_high") == pytest.approx(25.0, rel=1e-8)
    assert param(fits, "composite", "xi") == pytest.approx(25.0, rel=1e-8)
    assert param(fits, "composite", "gamma") == pytest.approx(0.0, abs=1e-9)
    v = decay_verdict(fits)
    assert v["verdict"] == "exponential" and v["best_model"] == "exponential"
    assert v["delta_aicc"] < -100


def test_noiseless_power_law_recovered_exactly():
    mi = 0.1 * LAGS**-0.4
    fits = fit_decay(LAGS, mi)
    assert param(fits, "power", "A") == pytest.approx(0.1, rel=1e-10)
    assert param(fits, "power", "gamma") == pytest.approx(0.4, rel=1e-10)
    assert param(fits, "composite", "gamma") == pytest.approx(0.4, rel=1e-8)
    assert param(fits, "composite", "xi") > 1e6  # no cut-off
    v = decay_verdict(fits)
    assert v["verdict"] == "algebraic" and v["best_model"] == "power"
    assert v["delta_aicc"] > 100


def test_noiseless_composite_recovered_exactly():
    mi = 0.2 * LAGS**-0.7 * np.exp(-LAGS / 60.0)
    fits = fit_decay(LAGS, mi)
    assert param(fits, "composite", "A") == pytest.approx(0.2, rel=1e-9)
    assert param(fits, "composite", "gamma") == pytest.approx(0.7, rel=1e-9)
    assert param(fits, "composite", "xi") == pytest.approx(60.0, rel=1e-9)
    assert decay_verdict(fits)["best_model"] == "composite"


def test_output_schema_and_weights():
    fits = fit_decay(LAGS, 0.1 * LAGS**-0.4 * np.exp(0.01 * np.sin(LAGS)))
    assert list(fits.columns) == [
        "model", "parameter", "value", "ci_low", "ci_high", "aicc", "delta_aicc",
        "akaike_weight", "n_points", "lag_min", "lag_max", "min_mi", "selection", "confidence",
        "ci_method", "n_replicates",
    ]
    assert list(fits.model) == ["exponential"] * 2 + ["power"] * 2 + ["composite"] * 3
    assert list(fits.parameter) == ["I0", "xi", "A", "gamma", "A", "gamma", "xi"]
    per_model = fits.drop_duplicates("model")
    assert per_model.akaike_weight.sum() == pytest.approx(1.0)
    assert per_model.delta_aicc.min() == 0.0
    np.testing.assert_allclose(
        per_model.delta_aicc, per_model.aicc - per_model.aicc.min(), rtol=0, atol=1e-9
    )
    w = np.exp(-per_model.delta_aicc / 2)
    np.testing.assert_allclose(per_model.akaike_weight, w / w.sum())
    assert (fits.n_points == 200).all() and (fits.confidence == 0.95).all()
    assert (fits.ci_low <= fits.value).all() and (fits.value <= fits.ci_high).all()


def test_aicc_formula():
    rng = np.random.default_rng(3)
    mi = 0.1 * LAGS**-0.4 * np.exp(0.1 * rng.standard_normal(LAGS.size))
    fits = fit_decay(LAGS, mi, models=("power",))
    x = np.column_stack([np.ones_like(LAGS), np.log(LAGS)])
    y = np.log(mi)
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    rss = float(np.sum((y - x @ beta) ** 2))
    n, k = LAGS.size, 3
    aicc = n * math.log(rss / n) + 2 * k + 2 * k * (k + 1) / (n - k - 1)
    assert model_value(fits, "power", "aicc") == pytest.approx(aicc, rel=1e-12)
    assert model_value(fits, "power", "akaike_weight") == 1.0


# ------------------------------------------------------------------------------------------
# Noisy data: CI coverage and model selection
# ------------------------------------------------------------------------------------------
def test_ci_coverage_power_law():
    rng = np.random.default_rng(20190101)
    lags = np.arange(1, 61, dtype=float)
    reps, hit_a, hit_g = 200, 0, 0
    for _ in range(reps):
        mi = 0.1 * lags**-0.4 * np.exp(0.3 * rng.standard_normal(lags.size))
        fits = fit_decay(lags, mi, models=("power",))
        hit_g += param(fits, "power", "gamma", "ci_low") <= 0.4 <= param(
            fits, "power", "gamma", "ci_high")
        hit_a += param(fits, "power", "A", "ci_low") <= 0.1 <= param(fits, "power", "A", "ci_high")
    assert 0.88 <= hit_g / reps <= 0.99
    assert 0.88 <= hit_a / reps <= 0.99


def test_ci_coverage_exponential_xi():
    rng = np.random.default_rng(7)
    lags = np.arange(1, 41, dtype=float)
    reps, hits = 200, 0
    for _ in range(reps):
        mi = 0.05 * np.exp(-lags / 15.0) * np.exp(0.2 * rng.standard_normal(lags.size))
        fits = fit_decay(lags, mi, models=("exponential",))
        lo, hi = param(fits, "exponential", "xi", "ci_low"), param(fits, "exponential", "xi",
                                                                   "ci_high")
        hits += lo <= 15.0 <= hi
    assert 0.88 <= hits / reps <= 0.99


def test_ci_width_scales_with_confidence():
    rng = np.random.default_rng(1)
    mi = 0.1 * LAGS**-0.4 * np.exp(0.2 * rng.standard_normal(LAGS.size))
    w = {}
    for c in (0.5, 0.95, 0.99):
        f = fit_decay(LAGS, mi, config=FitConfig(confidence=c), models=("power",))
        w[c] = param(f, "power", "gamma", "ci_high") - param(f, "power", "gamma", "ci_low")
        assert (f.confidence == c).all()
    assert w[0.5] < w[0.95] < w[0.99]


@pytest.mark.parametrize("seed", range(5))
def test_aicc_prefers_true_family_with_noise(seed):
    rng = np.random.default_rng(seed)
    lags = np.arange(1, 301, dtype=float)
    noise = np.exp(0.2 * rng.standard_normal(lags.size))
    exp_fits = fit_decay(lags, 0.1 * np.exp(-lags / 80.0) * noise)
    assert decay_verdict(exp_fits)["verdict"] == "exponential"
    pow_fits = fit_decay(lags, 0.1 * lags**-0.4 * noise)
    assert decay_verdict(pow_fits)["verdict"] == "algebraic"
    assert decay_verdict(pow_fits)["best_model"] in ("power", "composite")


# ------------------------------------------------------------------------------------------
# Point selection
# ------------------------------------------------------------------------------------------
def test_min_mi_threshold_and_lag_window():
    lags = np.arange(1, 1001, dtype=float)
    mi = 0.1 * lags**-0.4
    mi[::7] = -1e-4  # estimator noise can go negative
    mi[5] = np.nan
    expected = (mi > 2e-2) & ~np.isnan(mi)
    fits = fit_decay(lags, mi, config=FitConfig(min_mi=2e-2, selection="all"))
    assert (fits.n_points == expected.sum()).all()
    assert (fits.min_mi == 2e-2).all() and set(fits.selection) == {"all"}
    assert fits.lag_max.iloc[0] == lags[expected].max()
    fits = fit_decay(lags, mi, config=FitConfig(min_lag=10, max_lag=100, selection="all"))
    sel = (lags >= 10) & (lags <= 100) & (mi > 0)
    assert (fits.n_points == sel.sum()).all()
    assert fits.lag_min.iloc[0] == 10 and fits.lag_max.iloc[0] == 100
    assert param(fits, "power", "gamma") == pytest.approx(0.4, rel=1e-10)


def test_contiguous_selection_stops_at_the_first_point_below_threshold():
    lags = np.arange(1, 1001, dtype=float)
    mi = 0.1 * lags**-0.8  # crosses 1e-3 at τ = 100^(1/0.8) ≈ 316
    rng = np.random.default_rng(0)
    noisy = mi + np.where(lags > 316, rng.normal(0, 4e-4, lags.size), 0.0)
    fits = fit_decay(lags, noisy, "power", config=FitConfig(min_mi=1e-3))
    assert set(fits.selection) == {"contiguous"}
    first_low = lags[np.argmax(noisy <= 1e-3)]
    assert 316 < first_low < 400 and fits.lag_max.iloc[0] == first_low - 1
    assert param(fits, "power", "gamma") == pytest.approx(0.8, rel=1e-9)
    # the "all" reading keeps the upward fluctuations of the tail, flattening the curve
    biased = fit_decay(lags, noisy, "power", config=FitConfig(min_mi=1e-3, selection="all"))
    assert biased.lag_max.iloc[0] > 600
    assert param(biased, "power", "gamma") < 0.8 - 0.01
    # the window is applied first: a low point before min_lag does not stop anything
    low_start = np.r_[0.0, noisy[1:]]
    windowed = fit_decay(lags, low_start, "power", config=FitConfig(min_mi=1e-3, min_lag=2))
    assert windowed.lag_min.iloc[0] == 2 and windowed.lag_max.iloc[0] == fits.lag_max.iloc[0]
    nan_first = np.r_[np.nan, noisy[1:]]
    with pytest.raises(ValueError, match="too few usable points"):
        fit_decay(lags, nan_first, "power", config=FitConfig(min_mi=1e-3))
    with pytest.raises(ValueError, match="selection must be one of contiguous, all, got 'some'"):
        fit_decay(lags, noisy, "power", config=FitConfig(selection="some"))


def test_max_lag_changes_the_fit():
    # power law at short range, exponential tail: the window decides what is fitted
    lags = np.arange(1, 401, dtype=float)
    mi = 0.1 * lags**-0.5 * np.exp(-lags / 100.0)
    short = fit_decay(lags, mi, config=FitConfig(max_lag=5), models=("power",))
    long = fit_decay(lags, mi, models=("power",))
    assert param(short, "power", "gamma") < param(long, "power", "gamma")


def test_nonpositive_lags_are_excluded():
    lags = np.arange(0, 50, dtype=float)
    mi = np.r_[0.69, 0.1 * lags[1:] ** -0.4]  # lag 0 is the entropy, not on the power law
    fits = fit_decay(lags, mi)
    assert (fits.n_points == 49).all() and fits.lag_min.iloc[0] == 1
    assert param(fits, "power", "gamma") == pytest.approx(0.4, rel=1e-10)


def test_xi_upper_bound_infinite_when_slope_not_significant():
    rng = np.random.default_rng(11)
    lags = np.arange(1, 21, dtype=float)
    mi = 0.01 * np.exp(-lags / 1e4) * np.exp(0.3 * rng.standard_normal(lags.size))
    fits = fit_decay(lags, mi, models=("exponential",))
    assert math.isinf(param(fits, "exponential", "xi", "ci_high"))
    assert param(fits, "exponential", "xi", "ci_low") > 0
    # with a clear decay the interval is finite
    fits = fit_decay(lags, 0.01 * np.exp(-lags / 5.0) * np.exp(0.01 * rng.standard_normal(20)),
                     models=("exponential",))
    assert math.isfinite(param(fits, "exponential", "xi", "ci_high"))


def test_growing_mi_gives_infinite_xi():
    lags = np.arange(1, 21, dtype=float)
    fits = fit_decay(lags, 0.01 * np.exp(lags / 50.0), models=("exponential",))
    assert math.isinf(param(fits, "exponential", "xi"))
    assert math.isinf(param(fits, "exponential", "xi", "ci_low"))


# ------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------
def test_too_few_points():
    lags = np.arange(1, 6, dtype=float)
    mi = 0.1 * lags**-0.4
    fit_decay(lags, mi, models=("power",))  # n=5 > k+1=4: fine
    with pytest.raises(ValueError, match=r"for the composite model: 5 point\(s\).*at least 6"):
        fit_decay(lags, mi, models=("power", "composite"))
    with pytest.raises(ValueError, match=r"for the power model: 4 point\(s\).*at least 5"):
        fit_decay(lags[:4], mi[:4], models=("power",))
    with pytest.raises(ValueError, match=r"3 point\(s\) pass the selection \(mi > 0.06"):
        fit_decay(lags, mi, config=FitConfig(min_mi=0.06), models=("power",))
    with pytest.raises(ValueError, match=r"lag <= 3"):
        fit_decay(lags, mi, config=FitConfig(max_lag=3), models=("power",))


def test_zero_or_negative_mi_only():
    lags = np.arange(1, 30, dtype=float)
    with pytest.raises(ValueError, match=r"0 point\(s\)"):
        fit_decay(lags, np.zeros_like(lags))
    with pytest.raises(ValueError, match=r"0 point\(s\)"):
        fit_decay(lags, -0.01 * np.ones_like(lags))
    with pytest.raises(ValueError, match=r"0 point\(s\)"):
        fit_decay(lags, np.full_like(lags, np.nan))


@pytest.mark.parametrize(
    "args,kwargs,match",
    [
        ((np.arange(1, 10), np.ones(8)), {}, "same length"),
        ((np.ones((3, 3)), np.ones((3, 3))), {}, "1-D"),
        ((np.r_[1.0, np.nan, 3, 4, 5, 6], np.ones(6)), {}, "NaN"),
        ((LAGS, 0.1 * LAGS**-0.4), {"models": ("linear",)}, "unknown model"),
        ((LAGS, 0.1 * LAGS**-0.4), {"models": ()}, "at least one"),
        ((LAGS, 0.1 * LAGS**-0.4), {"models": ("power", "power")}, "repeat"),
        ((LAGS, 0.1 * LAGS**-0.4), {"min_mi": -1e-3}, "min_mi"),
        ((LAGS, 0.1 * LAGS**-0.4), {"min_mi": None}, "min_mi"),
        ((LAGS, 0.1 * LAGS**-0.4), {"confidence": 1.0}, "confidence"),
        ((LAGS, 0.1 * LAGS**-0.4), {"confidence": 0}, "confidence"),
        ((LAGS, 0.1 * LAGS**-0.4), {"min_lag": 50, "max_lag": 10}, "min_lag"),
        ((LAGS, 0.1 * LAGS**-0.4), {"max_lag": "10"}, "max_lag"),
    ],
)
def test_invalid_inputs(args, kwargs, match):
    settings = dict(kwargs)
    models = settings.pop("models", MODELS)
    with pytest.raises(ValueError, match=match):
        fit_decay(*args, models, config=FitConfig(**settings))


def test_single_model_name_and_verdict_needs_both():
    fits = fit_decay(LAGS, 0.1 * LAGS**-0.4, models="power")
    assert set(fits.model) == {"power"}
    with pytest.raises(ValueError, match="exponential"):
        decay_verdict(fits)
    with pytest.raises(ValueError, match="DataFrame"):
        decay_verdict({"model": ["power"]})


def test_verdict_without_composite():
    fits = fit_decay(LAGS, 0.3 * np.exp(-LAGS / 25.0), models=("exponential", "power"))
    v = decay_verdict(fits)
    assert v["verdict"] == "exponential" and set(v["aicc"]) == {"exponential", "power"}
    assert v["delta_aicc"] == pytest.approx(v["aicc"]["exponential"] - v["aicc"]["power"])


# ------------------------------------------------------------------------------------------
# fit_table
# ------------------------------------------------------------------------------------------
def test_fit_table_matches_fit_decay():
    mi = 0.1 * LAGS**-0.4 * np.exp(0.05 * np.cos(LAGS))
    table = pd.DataFrame({"lag": LAGS.astype(int), "mi": mi, "n_pairs": 1000})
    pd.testing.assert_frame_equal(
        fit_table(table, config=FitConfig(min_mi=1e-3, max_lag=150)),
        fit_decay(LAGS, mi, MODELS, config=FitConfig(min_mi=1e-3, max_lag=150)),
    )
    with pytest.raises(ValueError, match="'mi'"):
        fit_table(table.drop(columns="mi"))
    with pytest.raises(ValueError, match="DataFrame"):
        fit_table({"lag": LAGS, "mi": mi})


# ------------------------------------------------------------------------------------------
# Resampling intervals from replicate curves
# ------------------------------------------------------------------------------------------
def _power_replicates(gammas, log_shifts, lags=LAGS, amplitude=0.1):
    """Replicate curves A·e^{δ_b}·τ^{-γ_b} (lags × replicates)."""
    return amplitude * np.exp(log_shifts)[None, :] * lags[:, None] ** -np.asarray(gammas)[None, :]


def test_replicate_intervals_are_percentiles_of_refits():
    rng = np.random.default_rng(0)
    eps, delta = rng.normal(0, 0.02, 400), rng.normal(0, 0.05, 400)
    reps = _power_replicates(0.4 + eps, delta)
    mi = 0.1 * LAGS**-0.4
    fits = fit_decay(LAGS, mi, "power", replicates=reps)
    lo, hi = np.quantile(0.4 + eps, [0.025, 0.975])
    assert param(fits, "power", "gamma", "ci_low") == pytest.approx(lo, rel=1e-9)
    assert param(fits, "power", "gamma", "ci_high") == pytest.approx(hi, rel=1e-9)
    lo, hi = np.quantile(0.1 * np.exp(delta), [0.025, 0.975])
    # quantiles are taken of ln A and mapped back: equal up to interpolation
    assert param(fits, "power", "A", "ci_low") == pytest.approx(lo, rel=1e-6)
    assert param(fits, "power", "A", "ci_high") == pytest.approx(hi, rel=1e-6)
    assert set(fits.ci_method) == {"resampling"} and set(fits.n_replicates) == {400}
    # The noiseless point fit has a zero-width t interval: the replicates are what widen it.
    plain = fit_decay(LAGS, mi, "power")
    assert set(plain.ci_method) == {"t"} and set(plain.n_replicates) == {0}
    assert param(plain, "power", "gamma", "ci_high") - param(plain, "power", "gamma") < 1e-9


def test_correlated_fluctuations_widen_the_interval():
    """Replicates that tilt the whole curve: the t interval of the point curve cannot see that
    kind of fluctuation, the replicate interval does (γ̂ ± 1.96·0.01)."""
    rng = np.random.default_rng(1)
    lags = np.unique(np.geomspace(1, 500, 60).round())
    point = 0.1 * lags**-0.4 * np.exp(rng.normal(0, 0.01, lags.size))
    tilt = rng.normal(0, 0.01, 2000)
    reps = point[:, None] * lags[:, None] ** -tilt[None, :]
    t_fit = fit_decay(lags, point, "power")
    r_fit = fit_decay(lags, point, "power", replicates=reps)
    width = lambda f: (param(f, "power", "gamma", "ci_high")  # noqa: E731
                       - param(f, "power", "gamma", "ci_low"))
    assert width(r_fit) == pytest.approx(2 * 1.96 * 0.01, rel=0.1)
    assert width(r_fit) > 3 * width(t_fit)


def test_replicate_points_below_zero_are_dropped_per_replicate():
    reps = _power_replicates(np.full(50, 0.4), np.zeros(50))
    reps[-1, :3] = -1e-4  # three replicates lose their last point
    fits = fit_decay(LAGS, 0.1 * LAGS**-0.4, "power", replicates=reps)
    assert param(fits, "power", "gamma", "ci_low") == pytest.approx(0.4)
    assert set(fits.n_replicates) == {50}
    reps[:, :10] = -1.0  # 20 % of replicates without any positive point
    with pytest.raises(ValueError, match="undefined on 20% of the 50 resampling replicates"):
        fit_decay(LAGS, 0.1 * LAGS**-0.4, "power", replicates=reps)


def test_fit_table_aligns_a_long_replicate_table():
    reps = _power_replicates(np.linspace(0.38, 0.42, 21), np.zeros(21))
    long = pd.DataFrame({
        "replicate": np.tile(np.arange(21), LAGS.size),
        "lag": np.repeat(LAGS, 21),
        "mi": reps.ravel(),
    }).sample(frac=1.0, random_state=0)  # row order must not matter
    table = pd.DataFrame({"lag": LAGS, "mi": 0.1 * LAGS**-0.4})
    fits = fit_table(table, "power", replicates=long)
    assert param(fits, "power", "gamma", "ci_low") == pytest.approx(0.381)
    assert param(fits, "power", "gamma", "ci_high") == pytest.approx(0.419)
    with pytest.raises(ValueError, match=r"lacks lag\(s\) \[200.0\]"):
        fit_table(table, "power", replicates=long[long.lag < 200])
    with pytest.raises(ValueError, match=r"replicate table lacks the column\(s\) \['replicate'\]"):
        fit_table(table, "power", replicates=long.drop(columns="replicate"))
    with pytest.raises(ValueError, match="shape"):
        fit_decay(LAGS, table.mi, "power", replicates=reps[:5])


def test_too_few_points_can_give_nan_rows():
    lags = np.arange(1, 30, dtype=float)
    mi = 0.1 * np.exp(-lags / 2.0)  # above 6e-3 only up to τ = 5
    with pytest.raises(ValueError, match="too few usable points for the composite model"):
        fit_decay(lags, mi, config=FitConfig(min_mi=6e-3))
    # 5 points: 2-coefficient models fit
    fits = fit_decay(lags, mi, config=FitConfig(min_mi=6e-3, too_few="nan"))
    comp = fits[fits.model == "composite"]
    assert comp[["value", "ci_low", "ci_high", "aicc", "akaike_weight"]].isna().all().all()
    ok = fits[fits.model != "composite"].drop_duplicates("model")
    assert ok["akaike_weight"].sum() == pytest.approx(1.0)
    assert param(fits, "exponential", "xi") == pytest.approx(2.0)
    none = fit_decay(lags, mi, config=FitConfig(min_mi=1.0, too_few="nan"))
    assert none["value"].isna().all() and (none["n_points"] == 0).all()
    with pytest.raises(ValueError, match="too_few must be"):
        fit_decay(lags, mi, config=FitConfig(too_few="skip"))


# ------------------------------------------------------------------------------------------
# FitConfig: the point-selection and interval settings as one record
# ------------------------------------------------------------------------------------------
def test_fit_settings_are_the_config_and_only_the_config():
    mi = 0.1 * LAGS**-0.4 * np.exp(0.05 * np.cos(LAGS))
    config = FitConfig(min_mi=1e-3, min_lag=2, max_lag=150, confidence=0.9, selection="all",
                       too_few="nan")
    fits = fit_decay(LAGS, mi, config=config)
    assert (fits["lag_min"] >= 2).all() and (fits["confidence"] == 0.9).all()
    table = pd.DataFrame({"lag": LAGS, "mi": mi})
    pd.testing.assert_frame_equal(fit_table(table, config=config), fits, check_exact=True)
    pd.testing.assert_frame_equal(fit_decay(LAGS, mi), fit_decay(LAGS, mi, config=FitConfig()))
    with pytest.raises(TypeError, match="unexpected keyword argument 'min_mi'"):
        fit_decay(LAGS, mi, min_mi=0.5)
    with pytest.raises(TypeError, match="unexpected keyword argument 'min_mi'"):
        fit_table(table, min_mi=0.5)
    with pytest.raises(TypeError, match="config must be an instance of FitConfig, got dict"):
        fit_decay(LAGS, mi, config={"min_mi": 0.5})


def test_fit_config_validates_every_field_and_round_trips():
    with pytest.raises(ValueError) as err:
        FitConfig(min_mi=-1, min_lag="2", confidence=1.5, selection="some", too_few="skip")
    for part in ("min_mi must be a finite number >= 0, got -1",
                 "min_lag must be None or a finite number, got '2'",
                 "confidence must be a number in (0, 1), got 1.5",
                 "selection must be one of contiguous, all, got 'some'",
                 "too_few must be one of raise, nan, got 'skip'"):
        assert part in str(err.value)
    with pytest.raises(ValueError, match=r"min_lag \(9.0\) must not exceed max_lag \(3.0\)"):
        FitConfig(min_lag=9, max_lag=3)
    config = FitConfig(min_mi=1e-3, max_lag=40, too_few="nan")
    assert config.max_lag == 40.0 and type(config.max_lag) is float
    assert FitConfig.from_dict(config.to_dict()) == config
    columns = config.as_columns(pd.DataFrame({"value": [1.0, 2.0]}))
    assert list(columns)[1:] == [f"fit_{name}" for name in FitConfig.column_names()]
    assert "floor_sds" not in config.to_dict()  # added later, unused: as before it existed
    assert FitConfig.from_table(columns) == config
    # a CSV reads the value "nan" as an empty cell; too_few is never empty
    assert FitConfig.from_table(columns.assign(fit_too_few=np.nan)) == config


# ------------------------------------------------------------------------------------------
# floor_sds: points must also lie above the curve's own shuffle floor
# ------------------------------------------------------------------------------------------
def _curve_over_a_high_floor(seed=0):
    """I(τ) = 0.5 e^(−τ/3) seen through an estimator whose floor (2.5e-3 ± 1e-4) lies above a
    2e-3 threshold, as for 3,899 sampled sequences of 513 characters."""
    rng = np.random.default_rng(seed)
    lags = np.unique(np.geomspace(1, 256, 60).round())
    floor = np.full(lags.size, 2.5e-3)
    sd = np.full(lags.size, 1e-4)
    mi = 0.5 * np.exp(-lags / 3.0) + floor + rng.normal(0, 1e-4, lags.size)
    return pd.DataFrame({"lag": lags, "mi": mi, "baseline": floor, "baseline_sd": sd})


def test_floor_sds_keeps_the_fit_off_the_floor():
    table = _curve_over_a_high_floor()
    blind = fit_table(table, ("exponential", "power"), config=FitConfig(min_mi=2e-3))
    aware = fit_table(table, ("exponential", "power"), config=FitConfig(min_mi=2e-3, floor_sds=2.0))
    # the fixed threshold lets the whole floor in: a near-flat line, a spurious long xi
    assert param(blind, "exponential", "xi") > 50
    assert model_value(blind, "exponential", "n_points") > 40
    xi = param(aware, "exponential", "xi")
    assert 2.5 < xi < 5.0  # the decay itself (3; 4.3 here, biased up by the floor it rides on)
    assert model_value(aware, "exponential", "lag_max") < 30
    # the recorded setting and the point rule
    config = FitConfig(min_mi=2e-3, floor_sds=2.0)
    assert FitConfig.from_table(config.as_columns(aware)) == config


def test_floor_sds_is_checked_and_old_tables_read_as_unused():
    table = _curve_over_a_high_floor()
    with pytest.raises(ValueError, match="floor_sds needs the shuffle floor"):
        fit_decay(table["lag"], table["mi"], config=FitConfig(floor_sds=2.0))
    with pytest.raises(ValueError, match=r"shuffle floor\) lacks the column\(s\) \[.baseline"):
        fit_table(table[["lag", "mi"]], config=FitConfig(floor_sds=2.0))
    with pytest.raises(ValueError, match="baseline has missing.*shuffles >= 2"):
        fit_table(table.assign(baseline=np.nan), config=FitConfig(floor_sds=2.0))
    with pytest.raises(ValueError, match="floor_sds must be None or a finite number >= 0"):
        FitConfig(floor_sds=-1.0)
    # without floor_sds the floor columns are ignored, as before
    pd.testing.assert_frame_equal(fit_table(table, config=FitConfig(min_mi=2e-3)),
                                  fit_table(table[["lag", "mi"]], config=FitConfig(min_mi=2e-3)))
    columns = FitConfig(min_mi=1e-3).as_columns(pd.DataFrame({"value": [1.0]}))
    assert FitConfig.from_table(columns.drop(columns="fit_floor_sds")) == FitConfig(min_mi=1e-3)
