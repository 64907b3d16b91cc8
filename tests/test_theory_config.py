"""The theory checks' settings (miscaling.theory.config): validation, the config-only API, and the
config recorded in every table (read back after CSV and Parquet)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from miscaling.io import read_table, write_table
from miscaling.theory import repetitive
from miscaling.theory.config import (
    IsingConfig,
    LinearRNNConfig,
    RepetitiveConfig,
    estimator_names,
    record_config,
)

TINY_REPETITIVE = {"probabilities": (0.2, 0.5), "lags": (1, 2, 7), "replicates": 2,
                   "length": 1024}


@pytest.mark.parametrize("config", [
    LinearRNNConfig(),
    LinearRNNConfig(n_networks=1, hidden=1, include_memorising=False, sigma=0.5),
    RepetitiveConfig(),
    RepetitiveConfig(probabilities=[0.3], lags=[5], estimator="plugin"),
    IsingConfig(),
    IsingConfig(betas=[0.8], tv_sample_sizes=[100], coupling=1.0),
])
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_config_survives_a_table_round_trip(config, suffix, tmp_path):
    table = record_config(pd.DataFrame({"lag": [1, 2, 3]}), config)
    path = tmp_path / f"t{suffix}"
    write_table(table, path)
    assert type(config).from_table(read_table(path)) == config
    assert type(config).from_dict(config.to_dict()) == config


def test_lists_are_plain_tuples_and_lags_sorted():
    config = RepetitiveConfig(probabilities=np.array([0.5, 0.1]), lags=np.array([9, 1, 9, 3]))
    assert config.probabilities == (0.5, 0.1) and type(config.probabilities[0]) is float
    assert config.lags == (1, 3, 9) and type(config.lags[0]) is int
    assert IsingConfig(betas="0.5,1.5").betas == (0.5, 1.5)


@pytest.mark.parametrize(("cls", "options", "message"), [
    (LinearRNNConfig, {"hidden": 0}, "hidden must be an integer >= 1, got 0"),
    (LinearRNNConfig, {"max_lag": 3}, "max_lag must be an integer >= 4, got 3"),
    (LinearRNNConfig, {"sigma": 0.0}, "sigma must be a finite number > 0, got 0.0"),
    (LinearRNNConfig, {"hidden": 1}, "memorising network needs hidden >= 2"),
    (LinearRNNConfig, {"mc_sequences": 30, "mc_batches": 20}, "at least 2 per jackknife group"),
    (LinearRNNConfig, {"n_networks": 2.5}, "n_networks must be an integer"),
    (LinearRNNConfig, {"n_networks": 0, "include_memorising": False}, "no network to check"),
    (RepetitiveConfig, {"probabilities": (0.2, 1.5)},
     "probabilities must be a non-empty list of numbers in [0, 1], got (0.2, 1.5)"),
    (RepetitiveConfig, {"probabilities": ()}, "probabilities must be a non-empty list"),
    (RepetitiveConfig, {"length": 1001, "lags": (1,)}, "length must be even"),
    (RepetitiveConfig, {"lags": (0, 2)}, "lags must be a non-empty list of integers >= 1"),
    (RepetitiveConfig, {"lags": (1, 2048), "length": 2048}, "lags must lie in [1, length"),
    (RepetitiveConfig, {"lags": (1.5,)}, "lags must be a non-empty list of integers"),
    (RepetitiveConfig, {"replicates": 1}, "replicates must be an integer >= 2"),
    (RepetitiveConfig, {"estimator": "gauss"}, "estimator must be one of grassberger"),
    (RepetitiveConfig, {"confidence": 1.0}, "confidence must be a number in (0, 1)"),
    (IsingConfig, {"betas": (0.5, -1.0)}, "betas must be a non-empty list of finite numbers > 0"),
    (IsingConfig, {"n_spins": 5}, "n_spins must be an integer in [6, 24], got 5"),
    (IsingConfig, {"n_spins": 25}, "n_spins must be an integer in [6, 24], got 25"),
    (IsingConfig, {"max_lag": 64, "chain_length": 64}, "max_lag (64) must be smaller"),
    (IsingConfig, {"n_sd": 0.0}, "n_sd must be a finite number > 0"),
])
def test_configs_name_the_bad_value(cls, options, message):
    with pytest.raises(ValueError, match=f"invalid {cls.__name__}: .*") as error:
        cls(**options)
    assert message in str(error.value)


def test_every_problem_is_listed_at_once():
    with pytest.raises(ValueError) as error:
        IsingConfig(n_chains=0, seed=-1)
    assert "n_chains must be an integer >= 1, got 0" in str(error.value)
    assert "seed must be an integer >= 0, got -1" in str(error.value)


def test_estimator_names_are_the_estimators():
    from miscaling.mi import ESTIMATORS

    assert estimator_names() == tuple(ESTIMATORS)


def test_checks_take_a_config():
    config = RepetitiveConfig(**TINY_REPETITIVE)
    by_config = repetitive.run_repetitive_check(config)
    assert RepetitiveConfig.from_table(by_config.checks) == config
    # a changed setting is a changed config; the tables say so
    reseeded = repetitive.run_repetitive_check(config.replace(seed=5))
    assert RepetitiveConfig.from_table(reseeded.curves) == config.replace(seed=5)
    assert not reseeded.curves["mi"].equals(by_config.curves["mi"])


def test_checks_refuse_keywords_unknown_fields_and_bad_values():
    from miscaling.theory.ising import run_ising_check
    from miscaling.theory.linear_rnn import run_linear_rnn_check

    with pytest.raises(TypeError, match="unexpected keyword argument 'n_spins'"):
        run_ising_check(n_spins=6)
    with pytest.raises(ValueError, match="unknown RepetitiveConfig field.*p\\b"):
        RepetitiveConfig.from_dict({"p": [0.5]})
    with pytest.raises(ValueError, match="hidden must be an integer >= 1"):
        run_linear_rnn_check(LinearRNNConfig(hidden=0))
    with pytest.raises(TypeError, match="config must be an instance of LinearRNNConfig, got Ising"):
        run_linear_rnn_check(IsingConfig())


def test_record_config_shares_an_equal_column_and_refuses_a_clash():
    config = IsingConfig()
    table = pd.DataFrame({"beta": [0.5, 1.0], "coupling": [-1.0, -1.0], "n_samples": [10, 20]})
    recorded = record_config(table, config)
    assert list(recorded.columns[:3]) == ["beta", "coupling", "n_samples"]
    assert list(recorded.columns).count("coupling") == 1
    assert (recorded["samples_drawn"] == config.n_samples).all()
    assert IsingConfig.from_table(recorded) == config
    with pytest.raises(ValueError, match="already has a column 'coupling'"):
        record_config(table.assign(coupling=[1.0, 1.0]), config)
