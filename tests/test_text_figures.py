"""Figures 2, 3(b-d), 8, 10 and the language models' tables, from synthetic tables whose decay is
known: LSTMs decay exponentially (xi grows with width), Transformers follow the data curve,
closer with depth, GPT-2 is a power law; every curve sits on a shuffle floor of 1e-4 nats."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from miscaling.cli import main
from miscaling.fit import FitConfig, fit_decay
from miscaling.paper_claims import claims_of
from miscaling.plots import text
from miscaling.plots.common import WITHIN_FLOOR_PART
from miscaling.seed_spread import SeedSpread
from miscaling.text_summary import (
    TextSettings,
    summarize_text,
    text_trend_checks,
    window_verdict,
)
from miscaling.trained import TrainedModel
from miscaling.verdicts import FAILS, HOLDS, INCONCLUSIVE, NOT_MEASURED
from test_figure_output import data_under

LAGS = np.unique(np.geomspace(1, 1000, 60).round())
FLOOR, FLOOR_SD = 1e-4, 1e-5
LABELS = ("level", "arch", "width", "depth")


def _data_signal():
    return 0.4 * np.exp(-LAGS / 3) + 0.05 * LAGS ** -0.3


def _signal(level, arch, width, depth):
    if arch == "transformer":
        return _data_signal() * (1 - 0.5 / depth)
    xi = width / 10 if level == "char" else width / 8
    return 0.05 * np.exp(-LAGS / xi)


def _table(signal, seed, **labels):
    """An I(tau) table as `miscaling mi --label` writes it: mi = signal + floor (noisy)."""
    signal = signal * np.exp(np.random.default_rng(seed).normal(0, 0.02, LAGS.size))
    mi = signal + FLOOR
    return pd.DataFrame({"lag": LAGS, "mi": mi, "ci_low": signal * 0.95 + FLOOR,
                         "ci_high": signal * 1.05 + FLOOR, "baseline": FLOOR,
                         "baseline_sd": FLOOR_SD, "n_pairs": 2_000_000, "estimator": "grassberger",
                         **labels})


def _fit(curve):
    labels = {c: curve[c].iloc[0] for c in curve.columns if c in (*LABELS, "corpus", "reference")}
    return fit_decay(curve.lag, curve.mi,
                     config=FitConfig(min_mi=2e-3, too_few="nan")).assign(**labels)


MODELS = [("char", "lstm", 32, 1), ("char", "lstm", 128, 1), ("char", "lstm", 128, 2),
          ("word", "lstm", 64, 1), ("word", "lstm", 512, 1), ("word", "lstm", 512, 2),
          ("char", "transformer", 32, 1), ("char", "transformer", 128, 1),
          ("char", "transformer", 128, 2), ("char", "transformer", 128, 3),
          ("word", "transformer", 512, 1), ("word", "transformer", 512, 2)]


def _result(level, arch, width, depth, loss):
    return {"best_val_loss": loss, "num_parameters": 1000 * width * depth,
            "total_seconds": 12.5, "epochs_run": 3,
            "model_config": {"arch": arch, "width": width, "depth": depth},
            "train_config": {}}


@pytest.fixture
def tables(tmp_path):
    """Files as the pipeline writes them; returns {role: [paths]}."""
    paths = {"curves": [], "fits": [], "references": [], "reference_fits": [],
             "char_training": [], "word_training": []}

    def write(table, name, role):
        path = tmp_path / f"{name}.csv"
        table.to_csv(path, index=False)
        paths[role].append(str(path))

    for i, (level, arch, width, depth) in enumerate(MODELS):
        labels = dict(corpus="wikitext2", level=level, arch=arch, width=width, depth=depth)
        name = f"{level}_{arch}_w{width}_d{depth}"
        curve = _table(_signal(level, arch, width, depth), i, **labels)
        reference = _table(_data_signal(), 100 + i, **labels, reference="size_matched")
        write(curve, name, "curves")
        write(_fit(curve), f"fit_{name}", "fits")
        write(reference, f"ref_{name}", "references")
        write(_fit(reference), f"reffit_{name}", "reference_fits")
        run = tmp_path / "runs" / name
        run.mkdir(parents=True)
        (run / "result.json").write_text(json.dumps(_result(level, arch, width, depth, 1.5)))
        (run / "selection.json").write_text(json.dumps({"best_dir": str(run)}))
        paths[f"{level}_training"].append(str(run / "selection.json"))
    data = _table(_data_signal(), 999, corpus="wikitext2", level="char", split="train")
    data.to_csv(tmp_path / "data.csv", index=False)
    _fit(data).to_csv(tmp_path / "data_fit.csv", index=False)
    gpt2 = _table(0.1 * LAGS ** -0.4, 7, corpus="gpt2", level="char", split="samples")
    gpt2.to_csv(tmp_path / "gpt2.csv", index=False)
    _fit(gpt2).to_csv(tmp_path / "gpt2_fit.csv", index=False)
    paths.update(data_curve=str(tmp_path / "data.csv"), data_fit=str(tmp_path / "data_fit.csv"),
                 gpt2=str(tmp_path / "gpt2.csv"), gpt2_fit=str(tmp_path / "gpt2_fit.csv"))
    return paths


def read_all(paths):
    return pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)


def _summary(t, **kwargs):
    training = [TrainedModel.from_result(level, _result(level, arch, width, depth, 1.5))
                for level, arch, width, depth in MODELS]
    return summarize_text(read_all(t["fits"]), pd.read_csv(t["data_fit"]), read_all(t["curves"]),
                          pd.read_csv(t["data_curve"]), references=read_all(t["references"]),
                          reference_fits=read_all(t["reference_fits"]),
                          gpt2_fits=pd.read_csv(t["gpt2_fit"]), gpt2_curve=pd.read_csv(t["gpt2"]),
                          training=training, **kwargs)


@pytest.mark.parametrize("figure", ["fig2", "fig3_text"])
def test_curve_figures_draw_and_write_their_points(figure, tables, tmp_path):
    out = tmp_path / "figures" / f"{figure}.pdf"
    extra = ["--gpt2", tables["gpt2"]] if figure == "fig3_text" else ["--inset-lags", "10", "150"]
    assert main(["figure", figure, "--curves", *tables["curves"],
                 "--references", *tables["references"], "--data-curve", tables["data_curve"],
                 *extra, "--out", str(out)]) == 0
    assert out.stat().st_size > 0 and out.with_suffix(".png").stat().st_size > 0
    drawn = pd.read_csv(out.with_suffix(".csv"))
    assert list(drawn.columns) == text.DRAWN_COLUMNS
    samples = drawn[drawn.role == "samples"]
    if figure == "fig2":  # depth-1 LSTMs only, char in (a) and word in (b)
        assert set(samples.arch) == {"lstm"} and set(samples.depth) == {1}
        assert set(zip(samples.panel, samples.level)) == {("a", "char"), ("b", "word")}
        expected = pd.read_csv(tables["curves"][0])  # char LSTM w32: every point, floor too
        got = samples[(samples.width == 32)].sort_values("lag")
        np.testing.assert_allclose(got.mi, expected.mi)
        np.testing.assert_allclose(got.baseline, FLOOR)
    else:
        assert set(samples.arch) == {"transformer"}
        assert len(samples) == 6 * LAGS.size
        assert (drawn[drawn.role == "gpt2"].panel == "d").all()
        assert len(drawn[drawn.role == "gpt2"]) == LAGS.size
    # every model's size-matched reference beside it, and the training data in every panel
    refs = drawn[drawn.role == "size_matched"]
    assert len(refs) == len(samples)
    assert set(drawn[drawn.role == "training_data"].panel) == set(drawn.panel)


def test_the_size_matched_texts_within_floor_is_drawn_once_in_grey(tables):
    # the references are the same text cut alike: one within floor (5x the global) for all
    references = read_all(tables["references"]).assign(baseline_within=5 * FLOOR)
    curves = read_all(tables["curves"])
    fig = text.make_curve_figure("fig3_text", text.collect_curves([curves]),
                                 text.collect_references([references]),
                                 pd.read_csv(tables["data_curve"]))
    panel = fig.axes[0]  # (b) character-level Transformers: three references, one floor
    grey = [line for line in panel.get_lines()
            if line.get_gid() == WITHIN_FLOOR_PART and line.get_color() == "0.55"]
    assert len(grey) == 1 and grey[0].get_linestyle() == "-."
    np.testing.assert_allclose(grey[0].get_ydata(), 5 * FLOOR)
    assert "dash-dot: within-sequence floor" in panel.get_legend().get_title().get_text()
    plt.close(fig)


def test_curve_figures_are_headed_by_the_sizes_behind_their_curves(tables):
    def sized(table, n, length):
        return table.assign(n_pairs=n * (length - table.lag), baseline_within=10 * FLOOR)

    curves = read_all(tables["curves"])
    curves = pd.concat([sized(c, 20, 100_000) if arch == "lstm" else sized(c, 3_899, 513)
                        for arch, c in curves.groupby("arch")])
    data = sized(pd.read_csv(tables["data_curve"]), 1, 10_797_148)
    fig = text.make_curve_figure("fig2", text.collect_curves([curves]), None, data)
    assert fig._suptitle.get_text() == ("sequences × length: char LSTM 20 × 100,000; "
                                        "word LSTM 20 × 100,000; training data 1 × 10,797,148")
    legend = fig.axes[0].get_legend().get_title().get_text()
    assert "dash-dot: within-sequence floor" in legend  # the samples' own within floors
    plt.close(fig)
    gpt2 = text.collect_gpt2([pd.read_csv(tables["gpt2"]).assign(
        n_pairs=lambda t: 2_349_038 - 500 * t.lag)])
    fig = text.make_curve_figure("fig3_text", text.collect_curves([curves]), None, None, gpt2)
    assert fig._suptitle.get_text() == (
        "sequences × length: char Transformer 3,899 × 513; word Transformer 3,899 × 513; "
        "GPT-2 500 sequences, 2,349,038 symbols")
    plt.close(fig)


def test_xi_figures_tables_say_the_sizes_behind_each_model_given_the_curves(tables, tmp_path):
    curves = []
    for i, path in enumerate(tables["curves"]):
        curve = pd.read_csv(path)
        sized = tmp_path / f"sized_{i}.csv"
        curve.assign(n_pairs=20 * (100_000 - curve.lag)).to_csv(sized, index=False)
        curves.append(str(sized))
    out = tmp_path / "fig8.pdf"
    assert main(["figure", "fig8", "--fits", *tables["fits"], "--reference", tables["data_fit"],
                 "--curves", *curves, "--out", str(out)]) == 0
    drawn = pd.read_csv(out.with_suffix(".csv"))
    assert len(drawn) and (drawn.n_sequences == 20).all()
    assert (drawn.n_symbols == 2_000_000).all()


@pytest.mark.parametrize("figure,arch", [("fig8", "lstm"), ("fig10", "transformer")])
def test_xi_figures_draw_and_write_their_points(figure, arch, tables, tmp_path):
    out = tmp_path / f"{figure}.pdf"
    widths = ["--char-width", "128", "--word-width", "512"]
    assert main(["figure", figure, "--fits", *tables["fits"], "--reference", tables["data_fit"],
                 *widths, "--out", str(out)]) == 0
    assert out.with_suffix(".png").stat().st_size > 0
    drawn = pd.read_csv(out.with_suffix(".csv"))
    assert set(drawn.arch) == {arch}
    a, b = drawn[drawn.panel == "a"], drawn[drawn.panel == "b"]
    assert set(a.depth) == {1} and set(a.level) == {"char", "word"}
    assert set(b[b.level == "char"].width) == {128} and set(b[b.level == "word"].width) == {512}
    table = text.collect_fits([pd.read_csv(p) for p in tables["fits"]])
    merged = drawn.merge(table, on=list(LABELS), suffixes=("", "_table"))
    np.testing.assert_allclose(merged.xi, merged.xi_table)
    if arch == "lstm":  # char xi = width / 10
        assert a.set_index(["level", "width"]).loc[("char", 128), "xi"] == pytest.approx(12.8,
                                                                                           rel=0.1)


def test_figures_name_a_missing_column(tables, tmp_path, capsys):
    bare = tmp_path / "bare.csv"
    pd.read_csv(tables["curves"][0]).drop(columns=["baseline"]).to_csv(bare, index=False)
    assert main(["figure", "fig2", "--curves", str(bare), "--data-curve", tables["data_curve"],
                 "--out", str(tmp_path / "f.pdf")]) == 2
    assert "baseline" in capsys.readouterr().err
    pd.read_csv(tables["fits"][0]).drop(columns=["level"]).to_csv(bare, index=False)
    assert main(["figure", "fig8", "--fits", str(bare), "--reference", tables["data_fit"],
                 "--out", str(tmp_path / "f.pdf")]) == 2
    assert "['level']" in capsys.readouterr().err
    assert main(["figure", "fig2", "--curves", *tables["curves"], "--data-curve",
                 tables["data_curve"], "--inset-lags", "200", "10",
                 "--out", str(tmp_path / "f.pdf")]) == 2
    assert "--inset-lags" in capsys.readouterr().err
    assert not (tmp_path / "f.pdf").exists()


def test_make_figures_are_pure(tables, tmp_path, monkeypatch):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    curves = text.collect_curves([pd.read_csv(p) for p in tables["curves"]])
    data = pd.read_csv(tables["data_curve"])
    assert isinstance(text.make_curve_figure("fig2", curves, None, data, inset=None), Figure)
    # without GPT-2 or references, panel (d) holds the data curve only
    assert isinstance(text.make_curve_figure("fig3_text", curves, None, data), Figure)
    table = text.collect_fits([pd.read_csv(p) for p in tables["fits"]])
    assert isinstance(text.make_xi_figure("fig10", table, (30.0, 25.0, 35.0), 64, 64), Figure)
    assert text.drawn_xi("fig10", table, 64, 64).query("panel == 'b'").empty
    import matplotlib.pyplot as plt
    plt.close("all")
    assert not list(cwd.iterdir())


def test_window_verdict_tells_exponential_from_algebraic():
    exponential = _table(0.05 * np.exp(-LAGS / 20), 1)
    algebraic = _table(0.05 * LAGS ** -0.3, 2)
    assert window_verdict(exponential, 10, 100, 2.0)["verdict"] == "exponential"
    assert window_verdict(algebraic, 50, 500, 2.0)["verdict"] == "algebraic"
    # the floor is subtracted: a decayed curve resting on its floor has no signal, every lag
    # of the window counted all the same
    far = window_verdict(exponential, 500, 1000, 2.0)
    assert far["verdict"] == "no signal" and far["n_points"] == 6 and far["n_above"] == 0
    assert np.isnan(far["delta_aicc"])


TEXT_CLAIMS = [c.id for c in claims_of("text_trends") if c.decided]


def _statuses(trends):
    return trends.set_index("claim")["status"]


def test_text_summary_holds_on_the_constructed_models(tables):
    models, trends = _summary(tables)
    assert list(trends.claim) == TEXT_CLAIMS
    statuses = _statuses(trends)
    held = ["wikitext2_short_range_exponential", "wikitext2_long_range_power_03",
            "char_lstm_samples_exponential_mid", "char_lstm_xi_below_data_below_2048",
            "char_transformer_captures_mid_range", "deeper_char_transformers_closer_to_data",
            "deeper_word_transformers_closer_to_data", "gpt2_samples_algebraic",
            "gpt2_mi_larger_than_wikitext2"]
    assert (statuses[held] == HOLDS).all(), trends[["claim", "status", "evidence"]]
    # the synthetic word LSTMs' xi (8, 64) is far below the data's (420): refuted
    assert statuses["word_lstm_captures_intermediate"] == FAILS
    # no char Transformer of width 512, no word Transformer of depth 3 or 5 in the grid
    assert statuses["char_transformer_512_algebraic_tail"] == NOT_MEASURED
    assert statuses["word_transformer_deep_tail_to_500"] == NOT_MEASURED
    assert TextSettings.from_table(trends, "text_trends.csv") == TextSettings()
    by = models.set_index(list(LABELS))
    assert set(models.arch) == {"lstm", "transformer", "data", "gpt2"}
    assert by.loc[("char", "lstm", 128, 1), "xi"] == pytest.approx(12.8, rel=0.1)
    assert by.loc[("char", "lstm", 128, 1), "val_bpc"] == pytest.approx(1.5 / np.log(2))
    assert np.isnan(by.loc[("char", "lstm", 128, 1), "val_perplexity"])
    assert by.loc[("word", "lstm", 64, 1), "val_perplexity"] == pytest.approx(np.exp(1.5))
    assert by.loc[("word", "lstm", 64, 1), "num_parameters"] == 64_000
    assert by.loc[("char", "transformer", 128, 3), "reference_xi"] == pytest.approx(
        by.loc[("char", "data", 0, 0), "xi"], rel=0.2)
    assert by.loc[("char", "transformer", 128, 1), "data_distance"] == pytest.approx(0.5, abs=0.03)
    assert by.loc[("bpe", "gpt2", 0, 0), "verdict_far"] == "algebraic"
    # the settings that made the table are its columns
    assert {"mid_lag_min", "far_lag_max", "log_lags_requested"} <= set(models.columns)


def test_text_trends_not_held_and_not_measured(tables):
    models, _ = _summary(tables)
    broken = models.copy()
    broken.loc[broken.arch == "transformer", ["verdict_long", "delta_aicc_long"]] = \
        ["exponential", -40.0]
    deep = (broken.arch == "transformer") & (broken.depth == 3)
    broken.loc[deep, ["data_distance", "data_distance_ci_low", "data_distance_ci_high"]] = \
        [0.9, 0.45, 1.3]
    wide = (broken.arch == "transformer") & (broken.width == 128) & (broken.depth == 1)
    # a 512 x 1 char Transformer, clearly exponential at long range
    broken = pd.concat([broken, broken[wide].assign(width=512)], ignore_index=True)
    statuses = _statuses(text_trend_checks(broken))
    assert statuses["char_transformer_512_algebraic_tail"] == FAILS
    # the deepest Transformer farther from the data, on its point estimate only: open
    assert statuses["deeper_char_transformers_closer_to_data"] == INCONCLUSIVE
    # missing models: "not measured", never held
    only_lstm = models[models.arch != "transformer"]
    checks = text_trend_checks(only_lstm).set_index("claim")
    for name in ("char_transformer_captures_mid_range",
                 "deeper_char_transformers_closer_to_data"):
        assert checks.loc[name, "status"] == NOT_MEASURED, name
        assert checks.loc[name, "evidence"].startswith("not measured"), name
    no_gpt2 = _statuses(text_trend_checks(models[models.arch != "gpt2"]))
    assert no_gpt2["gpt2_samples_algebraic"] == NOT_MEASURED
    # fits without curves: the curve claims are not measured either
    fits_only, _ = summarize_text(read_all(tables["fits"]), pd.read_csv(tables["data_fit"]))
    statuses = _statuses(text_trend_checks(fits_only))
    assert statuses["char_lstm_samples_exponential_mid"] == NOT_MEASURED


def test_text_model_summary_cli(tables, tmp_path, capsys):
    models, trends = tmp_path / "out" / "text_models.csv", tmp_path / "out" / "text_trends.csv"
    args = ["text-model-summary", "--fits", *tables["fits"], "--curves", *tables["curves"],
            "--reference", tables["data_fit"], "--reference-curve", tables["data_curve"],
            "--size-matched-curves", *tables["references"],
            "--size-matched-fits", *tables["reference_fits"],
            "--gpt2-fits", tables["gpt2_fit"], "--gpt2-curve", tables["gpt2"],
            "--char-training", *tables["char_training"],
            "--word-training", *tables["word_training"],
            "--mid-lags", "10", "80", "--models-out", str(models), "--trends-out", str(trends)]
    assert main(args) == 0
    table, checks = pd.read_csv(models), pd.read_csv(trends)
    assert len(table) == len(MODELS) + 2
    assert (checks.mid_lag_max == 80).all() and list(checks.claim) == TEXT_CLAIMS
    assert table.loc[table.arch == "lstm", "train_seconds"].eq(12.5).all()
    bad = [*args[:-4], "--mid-lags", "80", "10", *args[-4:]]
    assert main(bad) == 2
    assert "mid_lag_max must be > mid_lag_min" in capsys.readouterr().err


def test_a_sample_size_that_cannot_resolve_the_data_makes_no_claim_clear(tables):
    models, trends = _summary(tables)
    by = models.set_index(list(LABELS))
    # each model's size-matched training text has its own window verdicts: algebraic here
    assert by.loc[("char", "lstm", 32, 1), "reference_verdict_mid"] == "algebraic"
    assert by.loc[("char", "transformer", 128, 3), "reference_n_points_long"] > 5
    assert "size-matched training text: algebraic" in \
        trends.set_index("claim").loc["char_lstm_samples_exponential_mid", "evidence"]
    # the same models, measured from too few characters for even the data to be told apart
    unresolved = models.copy()
    unresolved.loc[unresolved.arch.isin(["lstm", "transformer"]),
                   ["reference_verdict_mid", "reference_verdict_long"]] = "undetermined"
    checks = text_trend_checks(unresolved).set_index("claim")
    row = checks.loc["char_lstm_samples_exponential_mid"]
    assert row["status"] == INCONCLUSIVE and row["lean"]
    assert "even the data" in row["settle"]


def test_each_level_pools_its_own_restarts_and_borrows_a_stand_in_without(tables):
    """Character-level restarts given (ξ ±5%): those models record the measured pooled spread;
    the word level has none and records the binary models' spread as a stand-in."""
    fits = read_all(tables["fits"])
    char = fits[fits.level == "char"]
    xi = (char.model == "exponential") & (char.parameter == "xi")
    restarts = []
    for restart, factor in enumerate((0.95, 1.05)):
        moved = char.copy()
        moved.loc[xi, ["value", "ci_low", "ci_high"]] *= factor
        restarts.append(moved.assign(restart=restart))
    binary = SeedSpread(0.12, 14, 14, "this run's binary models", measured=True).standing_in()
    models, trends = _summary(tables, restart_fits=pd.concat(restarts), fallback=binary)
    trained = models[~models.arch.isin(["data", "gpt2"])]
    by_level = trained.groupby("level")
    assert by_level["xi_seed_sd"].unique().to_dict() == {
        "char": [pytest.approx(0.05 * np.sqrt(2))], "word": [0.12]}
    assert by_level["xi_seed_sd_measured"].unique().to_dict() == {"char": [True],
                                                                  "word": [False]}
    assert models.loc[models.arch.isin(["data", "gpt2"]), "xi_seed_sd"].isna().all()
    evidence = trends.set_index("claim").loc["lstm_depth_no_gain_text", "evidence"]
    assert "of this run's char-level models" in evidence
    assert "sd 12% of xi pooled over 14 models' restarts of this run's binary" in evidence


@pytest.mark.parametrize("figure", ["fig2", "fig3_text"])
def test_curve_figures_legends_and_inset_cover_no_data(figure, tables):
    gpt2 = text.collect_gpt2([pd.read_csv(tables["gpt2"])]) if figure == "fig3_text" else None
    fig = text.make_curve_figure(figure, text.collect_curves([read_all(tables["curves"])]),
                                 text.collect_references([read_all(tables["references"])]),
                                 pd.read_csv(tables["data_curve"]), gpt2)
    assert data_under(fig, fig.axes) == []
    insets = [(ax, inset) for ax in fig.axes for inset in ax.child_axes]
    assert len(insets) == (figure == "fig2")  # Figure 2(a)'s, beside its panel
    for ax, inset in insets:
        assert inset.get_position().x0 > ax.get_position().x1
    for ax in fig.axes:  # the axis ends just below the floors (1e-4), not decades below...
        below = "mostly below the axis (median 1e-04)" in ax.get_legend().get_title().get_text()
        if not below:
            assert FLOOR / 10 < ax.get_ylim()[0] < FLOOR
        else:  # ... unless they lie over a decade below every curve (the Transformers and
            # GPT-2 here follow the data's power law, at 3e-3 and above)
            assert ax.get_ylim()[0] > FLOOR and figure == "fig3_text"
    plt.close(fig)
