"""Every table that `miscaling mi | fit | uniformity` writes records the settings that made it:
read one back and rebuild the same config from its columns."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli
from miscaling import fit, uniformity
from miscaling.fit import FitConfig
from miscaling.io import read_table
from miscaling.mi import COLUMNS, EstimatorConfig, mutual_information
from miscaling.mi.sizes import SHAPE_COLUMNS
from miscaling.uniformity import UniformityConfig

#: Labels the workflow's rules put on tables: no settings column may take one of these names.
RULE_LABELS = {"gamma", "amplitude", "arch", "width", "depth", "corpus", "level", "split"}



@pytest.fixture()
def chain(tmp_path):
    rng = np.random.default_rng(1)
    flips = rng.random((20, 500)) < 0.2
    path = tmp_path / "chain.npy"
    np.save(path, (np.cumsum(flips, axis=1) % 2).astype(np.uint8))
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_mi_table_rebuilds_its_estimator_config(chain, tmp_path, suffix):
    out = tmp_path / f"mi{suffix}"
    assert run_cli("mi", chain, "--lags", "1:4", "--estimator", "miller_madow", "--shuffles", "2",
                   "--shuffle-scope", "within", "--bootstrap", "12", "--resampling",
                   "replacement", "--confidence", "0.9", "--block-length", "70", "--seed", "11",
                   "--threads", "2", "--label", "corpus=ptb", "--out", out) == 0
    table = read_table(out)
    want = EstimatorConfig(estimator="miller_madow", shuffles=2, shuffle_scope="within",
                           bootstrap=12, resampling="replacement", confidence=0.9,
                           block_length=70, seed=11, backend="numpy")
    assert EstimatorConfig.from_table(table, str(out)) == want
    settings = list(EstimatorConfig.column_names().values())
    # the input's shape after the settings, labels last
    assert list(table.columns) == COLUMNS + settings[1:] + list(SHAPE_COLUMNS) + ["corpus"]
    assert table[list(SHAPE_COLUMNS)].iloc[0].tolist() == [20, 20 * 500, 500, 500]
    # the numbers are those of the function called with the same settings
    direct = mutual_information(np.load(chain), "1:4", config=want)
    np.testing.assert_allclose(table["mi"], direct["mi"], rtol=0, atol=1e-15)
    np.testing.assert_allclose(table["ci_low"], direct["ci_low"], rtol=0, atol=1e-15)

    default = tmp_path / f"default{suffix}"
    assert run_cli("mi", chain, "--lags", "1,3", "--out", default) == 0
    assert EstimatorConfig.from_table(read_table(default)) == EstimatorConfig()


def test_mi_table_records_its_within_floor(chain, tmp_path):
    out = tmp_path / "mi.csv"
    assert run_cli("mi", chain, "--lags", "1:3", "--shuffles", "2", "--within-shuffles", "3",
                   "--seed", "2", "--out", out) == 0
    table = read_table(out)
    want = EstimatorConfig(shuffles=2, within_shuffles=3, seed=2)
    assert EstimatorConfig.from_table(table, str(out)) == want
    direct = mutual_information(np.load(chain), "1:3", config=want)
    for column in ("baseline", "baseline_within", "baseline_within_sd"):
        np.testing.assert_allclose(table[column], direct[column], rtol=0, atol=1e-15)
    assert np.isfinite(table["baseline_within_sd"]).all()


def test_tables_from_before_a_setting_existed_read_back(chain, tmp_path):
    """A table written before `within_shuffles` existed lacks its column: it was made without
    within shuffles.  Only the fields in ADDED_LATER may be missing."""
    out = tmp_path / "old.csv"
    assert run_cli("mi", chain, "--lags", "1,2", "--shuffles", "2", "--seed", "4",
                   "--out", out) == 0
    old = read_table(out).drop(columns=["within_shuffles", "baseline_within",
                                        "baseline_within_sd"])
    assert EstimatorConfig.from_table(old) == EstimatorConfig(shuffles=2, seed=4)
    with pytest.raises(ValueError, match=r"missing column\(s\) shuffle_scope"):
        EstimatorConfig.from_table(old.drop(columns="shuffle_scope"))

    @dataclasses.dataclass(frozen=True)
    class Misnamed(EstimatorConfig):
        ADDED_LATER = {"within_shuffle": 0}  # a typo would never fill the field it meant

    with pytest.raises(TypeError, match="Misnamed.ADDED_LATER names no field: within_shuffle"):
        Misnamed.from_table(old)


def test_fit_table_records_its_fit_config(chain, tmp_path):
    mi, out = tmp_path / "mi.csv", tmp_path / "fit.csv"
    assert run_cli("mi", chain, "--lags", "1:12", "--out", mi) == 0
    assert run_cli("fit", mi, "--model", "exponential", "--min-mi", "1e-4", "--min-lag", "2",
                   "--max-lag", "11", "--selection", "all", "--confidence", "0.8",
                   "--too-few", "nan", "--label", "gamma=0.4", "--out", out) == 0
    table = read_table(out)
    want = FitConfig(min_mi=1e-4, min_lag=2, max_lag=11, confidence=0.8, selection="all",
                     too_few="nan")
    assert FitConfig.from_table(table, str(out)) == want
    settings = list(FitConfig.column_names().values())
    assert list(table.columns) == fit.COLUMNS + settings + ["gamma"]
    assert (table["confidence"] == 0.8).all() and (table["lag_min"] >= 2).all()

    default = tmp_path / "default.csv"
    assert run_cli("fit", mi, "--model", "exponential", "--out", default) == 0
    assert FitConfig.from_table(read_table(default)) == FitConfig()


def test_uniformity_table_records_its_config(tmp_path):
    data = tmp_path / "x.npy"
    np.save(data, np.random.default_rng(0).integers(0, 5, 20_000))
    mi, reps, out = tmp_path / "mi.csv", tmp_path / "r.parquet", tmp_path / "u.csv"
    assert run_cli("mi", data, "--lags", "log:400:12", "--shuffles", "2", "--bootstrap", "10",
                   "--replicates-out", reps, "--out", mi) == 0
    assert run_cli("uniformity", mi, "--replicates", reps, "--min-lag", "20", "--max-lag",
                   "300", "--confidence", "0.9", "--label", "split=valid", "--out", out) == 0
    table = read_table(out)
    want = UniformityConfig(min_lag=20, max_lag=300, confidence=0.9)
    assert UniformityConfig.from_table(table, str(out)) == want
    settings = list(UniformityConfig.column_names().values())
    assert list(table.columns) == uniformity.COLUMNS + settings + ["split"]


def test_settings_columns_never_collide():
    """With each other's tables, with the rules' labels, and within a table."""
    tables = {
        EstimatorConfig: set(COLUMNS[:-1]),  # `estimator` is both a measured and a setting
        FitConfig: set(fit.COLUMNS),
        UniformityConfig: set(uniformity.COLUMNS),
    }
    for cls, own in tables.items():
        names = set(cls.column_names().values())
        assert len(names) == len(cls.column_names())
        assert not names & own, cls
        assert not names & RULE_LABELS, cls
    # a --label that names a setting is refused rather than overwriting it
    table = pd.DataFrame({"lag": [1]})
    with pytest.raises(ValueError, match="already has a column 'seed'"):
        EstimatorConfig().as_columns(table.assign(seed=3))
