"""The spread of ξ between training seeds: every restart's fit, pooled per family, and what the
claims comparing models do with it."""

import numpy as np
import pandas as pd
import pytest
from miscaling.cli import main
from miscaling.seed_spread import FALLBACK, SeedSpread, pooled_spread, restart_xi
from miscaling.summary import (
    MODEL_KEYS,
    measured_spread,
    seed_note,
    stand_in_spread,
    with_spread,
    xi_of,
)
from miscaling.verdicts import HOLDS, INCONCLUSIVE, ordered


def fit_rows(arch, width, depth, restart, xi, half=0.02):
    """The exponential-ξ row of a fit table of one restart's samples (and a γ row to skip)."""
    return pd.DataFrame({
        "model": ["exponential", "power"], "parameter": ["xi", "gamma"],
        "value": [xi, 0.5], "ci_low": [xi * (1 - half), 0.4], "ci_high": [xi * (1 + half), 0.6],
        "arch": arch, "width": width, "depth": depth, "restart": restart})


def test_restart_xi_keeps_one_row_per_model_and_restart():
    fits = pd.concat([fit_rows("rnn", 8, 1, r, xi) for r, xi in enumerate((40.0, 60.0))]
                     + [fit_rows("lstm", 8, 1, 0, 90.0)], ignore_index=True)
    table = restart_xi(fits, MODEL_KEYS)
    assert list(table.columns) == [*MODEL_KEYS, "restart", "xi", "xi_ci_low", "xi_ci_high"]
    assert table[["arch", "restart", "xi"]].values.tolist() == [
        ["lstm", 0, 90.0], ["rnn", 0, 40.0], ["rnn", 1, 60.0]]
    with pytest.raises(ValueError, match="appears more than once"):
        restart_xi(pd.concat([fits, fit_rows("rnn", 8, 1, 1, 50.0)]), MODEL_KEYS)
    with pytest.raises(ValueError, match="restart"):
        restart_xi(fits.drop(columns="restart"), MODEL_KEYS)


def test_the_pooled_spread_is_the_rms_of_each_models_relative_sd():
    restarts = pd.DataFrame({"arch": ["rnn", "rnn", "lstm", "lstm", "lstm", "gru"],
                             "width": 8, "depth": 1,
                             "xi": [100.0, 120.0, 50.0, 50.0, 50.0, 70.0]})
    spread = pooled_spread(restarts, MODEL_KEYS, "test")
    # rnn: var 200 / mean² 12100, 1 degree of freedom; lstm: 0 with 2; gru: one restart, left out
    assert spread.relative_sd == pytest.approx(np.sqrt(200 / 12100 / 3))
    assert (spread.models, spread.degrees, spread.measured) == (2, 3, True)
    assert pooled_spread(restarts[restarts.arch == "gru"], MODEL_KEYS, "test") is None


def test_the_pooled_spread_recovers_a_known_seed_spread():
    """14 models x 2 restarts (a default run), true relative sd 20%: the estimate's spread over
    simulated runs about what its 14 degrees of freedom allow (chi-square: 0.13-0.27 at 95%)."""
    rng = np.random.default_rng(0)
    estimates = []
    for _ in range(400):
        xi = np.repeat(rng.uniform(10, 400, 14), 2)
        table = pd.DataFrame({"arch": np.repeat(np.arange(14), 2), "width": 1, "depth": 1,
                              "xi": xi * (1 + 0.2 * rng.standard_normal(28))})
        estimates.append(pooled_spread(table, MODEL_KEYS, "sim").relative_sd)
    low, median, high = np.quantile(estimates, [0.025, 0.5, 0.975])
    assert median == pytest.approx(0.2, rel=0.05)
    assert 0.11 < low < 0.15 and 0.26 < high < 0.31


def models_table(spread=None):
    table = pd.DataFrame({"arch": ["rnn", "lstm", "data"], "width": [8, 8, 0],
                          "depth": [1, 1, 0], "xi": [100.0, 130.0, 420.0],
                          "xi_ci_low": [95.0, 124.0, 400.0], "xi_ci_high": [106.0, 137.0, 440.0]})
    return table if spread is None else with_spread(table, spread)


def test_a_comparison_is_clear_only_beside_the_seed_spread_its_row_records():
    measured = SeedSpread(0.02, 14, 14, "this run's binary models", measured=True)
    narrow = models_table(measured)
    rows = [row for _, row in narrow.iterrows()]
    assert ordered(xi_of(rows[0]), xi_of(rows[1])).status == HOLDS
    # the data row is no trained model: no spread recorded, none applied
    assert np.isnan(narrow.loc[2, "xi_seed_sd"]) and xi_of(rows[2]).ci_low == 400.0
    # the same numbers beside the fallback spread (29% of xi): open
    for table in (models_table(), models_table(FALLBACK)):
        rows = [row for _, row in table.iterrows()]
        assert ordered(xi_of(rows[0]), xi_of(rows[1])).status == INCONCLUSIVE
    assert "measured" not in seed_note(models_table()) and "unknown" in seed_note(models_table())
    assert "sd 2% of xi pooled over 14 models' restarts of this run's binary" in seed_note(narrow)


def test_text_models_take_the_binary_models_measured_spread_as_a_stand_in():
    measured = SeedSpread(0.12, 10, 12, "this run's binary models", measured=True)
    stand_in = stand_in_spread(models_table(measured))
    assert stand_in.relative_sd == 0.12 and not stand_in.measured
    assert "unknown" in stand_in.note() and "this run's binary models" in stand_in.note()
    assert stand_in_spread(models_table()) == FALLBACK  # a table of old: no spread recorded
    assert stand_in_spread(models_table(FALLBACK)) == FALLBACK
    assert stand_in_spread(None) == FALLBACK


def test_model_summary_measures_the_spread_of_the_restarts_it_is_given(tmp_path):
    """The CLI: with --restart-fits the models' rows record the pooled spread and
    --restarts-out has one row per restart; without, the table is empty and the fallback used."""
    from miscaling.fit import FitConfig, fit_decay
    from test_model_figures import MODELS, _curve  # the synthetic models of the figure tests

    paths, restart_paths = [], []
    for arch, width, depth in MODELS:
        curve = _curve(arch, width, depth)
        fit = fit_decay(curve.lag, curve.mi, config=FitConfig(min_mi=1e-3, too_few="nan"))
        path = tmp_path / f"{arch}{width}{depth}.csv"
        fit.assign(arch=arch, width=width, depth=depth).to_csv(path, index=False)
        paths.append(str(path))
        for restart, factor in enumerate((0.97, 1.03)):
            moved = fit.copy()
            xi = (moved.model == "exponential") & (moved.parameter == "xi")
            moved.loc[xi, ["value", "ci_low", "ci_high"]] *= factor
            path = tmp_path / f"{arch}{width}{depth}_seed{restart}.csv"
            moved.assign(arch=arch, width=width, depth=depth, restart=restart).to_csv(
                path, index=False)
            restart_paths.append(str(path))
    reference = tmp_path / "reference.csv"
    fit_decay(np.arange(1, 200), 0.1 * np.exp(-np.arange(1, 200) / 420.0)).to_csv(
        reference, index=False)
    out = {name: tmp_path / f"{name}.csv" for name in ("models", "trends", "restarts")}
    base = ["model-summary", "--fits", *paths, "--reference", str(reference),
            "--models-out", str(out["models"]), "--trends-out", str(out["trends"]),
            "--restarts-out", str(out["restarts"])]
    assert main([*base, "--restart-fits", *restart_paths]) == 0
    models, restarts = pd.read_csv(out["models"]), pd.read_csv(out["restarts"])
    assert len(restarts) == 2 * len(MODELS)
    trained = models[models.arch != "data"]
    # every model's restarts 3% either side of its xi: relative sd 0.03 * sqrt(2)
    assert trained["xi_seed_sd"].to_numpy() == pytest.approx(0.03 * np.sqrt(2), rel=1e-6)
    assert trained["xi_seed_sd_measured"].all() and models["xi_seed_sd"].isna().sum() == 1
    assert main(base) == 0
    assert pd.read_csv(out["restarts"]).empty
    assert (pd.read_csv(out["models"]).dropna(subset=["xi_seed_sd"])["xi_seed_sd"]
            == FALLBACK.relative_sd).all()


def test_restarts_without_two_fitted_xi_fall_back_and_say_why():
    fits = pd.concat([fit_rows("rnn", 8, 1, r, float("nan")) for r in (0, 1)])
    spread, _ = measured_spread(fits, MODEL_KEYS, "this run's binary models")
    assert spread.relative_sd == FALLBACK.relative_sd and not spread.measured
    assert spread.note().startswith("no model's restarts gave two fitted xi")


def test_a_model_table_read_back_from_csv_keeps_its_spread(tmp_path):
    measured = SeedSpread(0.07, 10, 10, "this run's binary models", measured=True)
    for spread in (measured, FALLBACK):
        path = tmp_path / "models.csv"
        models_table(spread).to_csv(path, index=False)
        row = pd.read_csv(path).iloc[0]
        back = SeedSpread.from_row(row)
        assert (back.relative_sd, back.measured, back.source) == (
            spread.relative_sd, spread.measured, spread.source)


def test_a_model_with_one_restart_borrows_its_familys_measured_spread():
    """The RNN's restarts were sampled, the LSTM had one: the RNN records the measured spread,
    the LSTM the same value as a stand-in, and the claims' note says both."""
    fits = pd.concat([fit_rows("rnn", 8, 1, r, xi) for r, xi in enumerate((95.0, 105.0))]
                     + [fit_rows("lstm", 8, 1, 0, 130.0)], ignore_index=True)
    spread, measured = measured_spread(fits, MODEL_KEYS, "this run's binary models")
    assert measured == {("rnn", "8", "1")}
    table = with_spread(models_table(), spread, MODEL_KEYS, measured)
    assert table["xi_seed_sd"].tolist()[:2] == [spread.relative_sd] * 2
    assert table["xi_seed_sd_measured"].tolist()[:2] == [True, False]
    assert table.loc[1, "xi_seed_sd_unknown"] == "one restart sampled"
    note = seed_note(table)
    # one note per spread, naming the models it widened
    assert note.startswith("every rnn: xi intervals widened by the spread between training")
    assert "; every lstm: one restart sampled, so the spread" in note
