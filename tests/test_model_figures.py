"""Figures 1, 3, 7, 9 and the per-model table, from synthetic sample curves with known decay."""

import numpy as np
import pandas as pd
import pytest
from miscaling.cli import main
from miscaling.fit import fit_decay
from miscaling.model_summary import LogLagRefit, TrendSettings, model_table, trend_checks

LAGS = np.unique(np.geomspace(1, 500, 40).round())


def _curve(arch, width, depth):
    """Exponential decay for recurrent models (ξ grows with width), a power law otherwise."""
    if arch == "transformer":
        mi = 0.1 * LAGS ** -0.4
    else:
        xi = 5.0 * width * (2 if arch == "lstm" else 1) * (1 + 0.1 * (depth - 1))
        mi = 0.1 * np.exp(-LAGS / xi)
    mi = mi * np.exp(np.random.default_rng(width * 10 + depth).normal(0, 0.02, LAGS.size))
    return pd.DataFrame({"lag": LAGS, "mi": mi, "arch": arch, "width": width, "depth": depth})


MODELS = [("rnn", 4, 1), ("rnn", 8, 1), ("rnn", 8, 2), ("lstm", 4, 1), ("lstm", 8, 1),
          ("lstm", 8, 2), ("lstm", 4, 2), ("transformer", 8, 1), ("transformer", 16, 1),
          ("transformer", 16, 2)]


@pytest.fixture
def tables(tmp_path):
    curves, fits = [], []
    for arch, width, depth in MODELS:
        curve = _curve(arch, width, depth)
        fit = fit_decay(curve.lag, curve.mi, min_mi=1e-3, too_few="nan")
        fit = fit.assign(arch=arch, width=width, depth=depth)
        c, f = tmp_path / f"c_{arch}{width}{depth}.csv", tmp_path / f"f_{arch}{width}{depth}.csv"
        curve.to_csv(c, index=False)
        fit.to_csv(f, index=False)
        curves.append(c)
        fits.append(f)
    reference = tmp_path / "reference.csv"
    reference_mi = 0.1 * np.exp(-LAGS / 420.0) * (1 + 0.01 * np.sin(LAGS))
    fit_decay(LAGS, reference_mi).to_csv(reference, index=False)
    pd.DataFrame({"lag": LAGS, "mi": reference_mi}).to_csv(tmp_path / "reference_curve.csv",
                                                           index=False)
    return curves, fits, reference


def read_all(paths):
    return pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)


def test_model_table_verdicts(tables):
    _, fits, _ = tables
    table = model_table(read_all(fits))
    assert len(table) == len(MODELS)
    by = table.set_index(["arch", "width", "depth"])
    assert by.loc[("rnn", 8, 1), "xi"] == pytest.approx(40, rel=0.05)
    assert by.loc[("rnn", 8, 1), "xi"] < by.loc[("lstm", 8, 1), "xi"]
    assert (table[table.arch != "transformer"]["verdict"] == "exponential").all()
    assert (table[table.arch == "transformer"]["verdict"] == "algebraic").all()


def test_model_table_verdicts_on_log_spaced_lags(tables):
    curves, fits, _ = tables
    table = model_table(read_all(fits), read_all(curves))
    assert (table["verdict_log_lags"] == table["verdict"]).all()
    assert (table["n_points_log_lags"] >= 10).all()
    assert (table["n_points_log_lags"] <= table["n_points"]).all()
    # the refit is the same fit on 60 log-spaced lags of the fitted window (1 … 399 here)
    curve = pd.DataFrame({"lag": np.arange(1, 400), "arch": "rnn", "width": 1, "depth": 1})
    curve["mi"] = np.where(curve.lag <= 20, 0.1 * np.exp(-curve.lag / 10.0),
                           0.1 * np.exp(-2.0) * (curve.lag / 20.0) ** -0.5)
    fit = fit_decay(curve.lag, curve.mi, min_mi=1e-3).assign(arch="rnn", width=1, depth=1)
    row = model_table(fit, curve).iloc[0]
    lags = np.unique(np.geomspace(1, 399, 60).round())
    expected = fit_decay(lags, curve.set_index("lag").loc[lags, "mi"].to_numpy(),
                         ("exponential", "power"), min_mi=1e-3)
    aicc = expected.groupby("model")["aicc"].first()
    assert row["n_points_log_lags"] == len(lags) < row["n_points"] == 399
    assert row["delta_aicc_log_lags"] == pytest.approx(aicc["exponential"] - aicc["power"])


def test_model_table_names_a_model_without_curve(tables):
    curves, fits, _ = tables
    with pytest.raises(ValueError, match="I\\(tau\\) table lacks the column\\(s\\) \\['mi'\\]"):
        model_table(read_all(fits), read_all(curves).drop(columns="mi"))
    with pytest.raises(ValueError, match="no I\\(tau\\) curve for the model.*'lstm'"):
        model_table(read_all(fits), read_all(curves).query("arch != 'lstm'"))


@pytest.mark.parametrize("figure", ["fig1", "fig3", "fig7", "fig9"])
def test_model_figures(figure, tables, tmp_path):
    curves, fits, reference = tables
    out = tmp_path / "figures" / f"{figure}.pdf"
    assert main(["figure", figure, "--curves", *map(str, curves), "--fits", *map(str, fits),
                 "--reference", str(reference), "--out", str(out)]) == 0
    assert out.stat().st_size > 0 and out.with_suffix(".png").stat().st_size > 0
    assert len(pd.read_csv(out.with_suffix(".csv")))


def test_model_figures_reject_unlabelled_tables(tables, tmp_path, capsys):
    curves, fits, reference = tables
    bare = tmp_path / "bare.csv"
    pd.read_csv(curves[0]).drop(columns=["arch"]).to_csv(bare, index=False)
    assert main(["figure", "fig1", "--curves", str(bare), "--fits", *map(str, fits),
                 "--reference", str(reference), "--out", str(tmp_path / "f.pdf")]) == 2
    assert "arch" in capsys.readouterr().err


def test_model_summary_writes_models_and_trend_checks(tables, tmp_path):
    curves, fits, reference = tables
    models, trends = tmp_path / "out" / "binary_models.csv", tmp_path / "out" / "binary_trends.csv"
    assert main(["model-summary", "--fits", *map(str, fits), "--curves", *map(str, curves),
                 "--reference", str(reference),
                 "--reference-curve", str(reference.parent / "reference_curve.csv"),
                 "--models-out", str(models), "--trends-out", str(trends)]) == 0
    table = pd.read_csv(models)
    data = table[table.arch == "data"].iloc[0]
    assert data.xi == pytest.approx(420, rel=0.05) and data.verdict == "exponential"
    assert data.verdict_log_lags == "exponential"
    assert (table.verdict_log_lags == table.verdict).all()
    checks = pd.read_csv(trends).set_index("check")
    # the synthetic curves are built so that every claim holds clearly
    assert checks["holds"].all() and checks["clear"].all(), checks
    assert list(checks.index) == ["xi_rnn_w8_below_lstm_w8", "xi_rnn_grows_with_width",
                                  "xi_lstm_grows_with_width", "transformer_samples_algebraic",
                                  "rnn_samples_exponential"]
    assert "rnn: 39.97 [" in checks.loc["xi_rnn_w8_below_lstm_w8", "measured"]
    assert "on log-spaced lags: w8d1: algebraic" in checks.loc["transformer_samples_algebraic",
                                                               "measured"]
    # both tables say which settings made them
    assert LogLagRefit.from_table(table, "binary_models.csv") == LogLagRefit(lags=60)
    assert list(table.columns[-2:]) == ["log_lags_requested", "log_lags_selection"]
    assert TrendSettings.from_table(checks, "binary_trends.csv") == TrendSettings(width=8)
    assert list(checks.columns[-2:]) == ["comparison_width", "clear_delta_aicc"]


def test_model_summary_settings_change_the_tables(tables):
    curves, fits, _ = tables
    table = model_table(read_all(fits), read_all(curves), LogLagRefit(lags=12))
    assert (table["log_lags_requested"] == 12).all()
    assert (table["n_points_log_lags"] <= 12).all()
    # without curves there is no refit, and no refit settings to record
    assert "log_lags_requested" not in model_table(read_all(fits)).columns
    strict = trend_checks(table, TrendSettings(clear_delta_aicc=1e9)).set_index("check")
    verdicts = ["transformer_samples_algebraic", "rnn_samples_exponential"]
    assert strict.loc[verdicts, "holds"].all() and not strict.loc[verdicts, "clear"].any()
    assert (strict["clear_delta_aicc"] == 1e9).all()
    assert "|dAICc| >= 1e+09" in strict.loc["rnn_samples_exponential", "criterion"]
    assert (trend_checks(table, width=4)["comparison_width"] == 4).all()
    with pytest.raises(ValueError, match="lags must be >= 2"):
        LogLagRefit(lags=1)
    with pytest.raises(ValueError, match="width must be >= 1"):
        TrendSettings(width=0)


def test_a_verdict_that_flips_on_log_spaced_lags_is_not_clear(tables):
    curves, fits, _ = tables
    table = model_table(read_all(fits), read_all(curves))
    assert trend_checks(table).set_index("check").loc["transformer_samples_algebraic", "clear"]
    flipped = table.copy()
    first = flipped.index[flipped.arch == "transformer"][0]
    flipped.loc[first, "verdict_log_lags"] = "exponential"
    row = trend_checks(flipped).set_index("check").loc["transformer_samples_algebraic"]
    assert row["holds"] and not row["clear"]
    weak = table.copy()
    weak.loc[weak.arch == "rnn", "delta_aicc_log_lags"] = -3.0
    row = trend_checks(weak).set_index("check").loc["rnn_samples_exponential"]
    assert row["holds"] and not row["clear"]


def test_trend_checks_fail_when_the_claims_do_not_hold(tables):
    _, fits, _ = tables
    table = model_table(read_all(fits))
    swapped = table.copy()
    rnn, lstm = swapped.arch == "rnn", swapped.arch == "lstm"
    swapped.loc[rnn, "arch"], swapped.loc[lstm, "arch"] = "lstm", "rnn"  # LSTM now the shorter
    transformer = swapped.arch == "transformer"
    swapped.loc[transformer, "verdict"] = "exponential"
    checks = trend_checks(swapped).set_index("check")
    assert not checks.loc["xi_rnn_w8_below_lstm_w8", "holds"]
    assert not checks.loc["transformer_samples_algebraic", "holds"]
    algebraic_rnn = table.copy()
    algebraic_rnn.loc[algebraic_rnn.arch == "rnn", "verdict"] = "algebraic"
    assert not trend_checks(algebraic_rnn).set_index("check").loc["rnn_samples_exponential",
                                                                  "holds"]
    shrinking = table.copy()
    shrinking.loc[(shrinking.arch == "rnn") & (shrinking.width == 8), "xi"] = 1.0
    assert not trend_checks(shrinking).set_index("check").loc["xi_rnn_grows_with_width", "holds"]


def test_trend_checks_name_missing_models(tables):
    _, fits, _ = tables
    table = model_table(read_all(fits))
    checks = trend_checks(table[table.arch != "lstm"]).set_index("check")
    row = checks.loc["xi_rnn_w8_below_lstm_w8"]
    assert pd.isna(row["holds"]) and "not in the model grid" in row["measured"]
