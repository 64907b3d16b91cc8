"""Tests for miscaling.uniformity: long-range MI against the shuffle baseline."""

import numpy as np
import pandas as pd
import pytest
from miscaling.mi import EstimatorConfig, mutual_information
from miscaling.synth import binary_power_law_sequences
from miscaling.uniformity import COLUMNS, UniformityConfig, long_range_summary


def _measure(x, lags):
    return mutual_information(x, lags, config=EstimatorConfig(shuffles=2, bootstrap=40, seed=0),
                              return_replicates=True)


def test_power_law_data_is_distinguishable_and_gamma_recovered():
    x = binary_power_law_sequences(1000, 600, amplitude=0.1, gamma=0.4, mode="exact", seed=1)
    table, reps = _measure(x, "log:550:25")
    row = long_range_summary(table, reps, config=UniformityConfig(min_lag=50, max_lag=550))
    assert list(row) == COLUMNS
    assert row["distinguishable"] and row["excess_ci_low"] > 0.005
    assert row["gamma_ci_low"] < 0.4 < row["gamma_ci_high"]
    assert row["gamma_ci_high"] - row["gamma_ci_low"] < 0.3
    # the baseline is tiny here, so the corrected exponent agrees
    assert row["gamma_excess"] == pytest.approx(row["gamma"], abs=0.02)
    assert row["lag_min"] >= 50 and row["lag_max"] <= 550 and row["n_lags"] >= 3


def test_estimator_bias_alone_is_not_distinguishable():
    """I.i.d. symbols from a 60-letter alphabet, few pairs: Î(τ) sits at the estimator's bias
    and the shuffled text has exactly the same — the curve is no evidence of dependence."""
    rng = np.random.default_rng(2)
    p = 1.0 / np.arange(1, 61)
    x = rng.choice(60, size=(20, 3000), p=p / p.sum())
    table, reps = _measure(x, "log:1000:20")
    row = long_range_summary(table, reps)
    assert not row["distinguishable"]
    assert row["excess_ci_low"] < 0 < row["excess_ci_high"]


def test_bad_tables_are_rejected():
    table = pd.DataFrame({"lag": [60, 70, 80], "mi": [0.1, 0.09, 0.08]})
    reps = pd.DataFrame({"replicate": [0] * 3 + [1] * 3, "lag": [60, 70, 80] * 2,
                         "mi": [0.1, 0.09, 0.08] * 2})
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['baseline'\]"):
        long_range_summary(table, reps)
    table["baseline"] = 0.0
    with pytest.raises(ValueError, match=r"only 0 lag\(s\) in the window \[100, 1000\]"):
        long_range_summary(table, reps, config=UniformityConfig(min_lag=100))
    table["baseline"] = np.nan
    with pytest.raises(ValueError, match="baseline is missing"):
        long_range_summary(table, reps)


def test_uniformity_config_is_the_settings_and_validates():
    x = binary_power_law_sequences(200, 300, amplitude=0.1, gamma=0.4, mode="exact", seed=2)
    table, reps = _measure(x, "log:250:12")
    config = UniformityConfig(min_lag=20, max_lag=250, confidence=0.9)
    by_config = long_range_summary(table, reps, config=config)
    assert by_config["confidence"] == 0.9 and by_config["lag_min"] >= 20
    with pytest.raises(TypeError, match="unexpected keyword argument 'min_lag'"):
        long_range_summary(table, reps, min_lag=10)
    with pytest.raises(ValueError) as err:
        UniformityConfig(min_lag=0, max_lag=2.5, confidence=1)
    for part in ("min_lag must be an integer >= 1, got 0",
                 "max_lag must be an integer >= 1, got 2.5",
                 "confidence must be a number in (0, 1), got 1"):
        assert part in str(err.value)
    with pytest.raises(ValueError, match="min_lag 60 exceeds max_lag 50"):
        UniformityConfig(min_lag=60, max_lag=50)
    assert UniformityConfig.from_table(config.as_columns(pd.DataFrame([by_config]))) == config
