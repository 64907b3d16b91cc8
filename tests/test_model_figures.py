"""Figures 1, 3, 7, 9 and the per-model table, from synthetic sample curves with known decay."""


import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex, to_rgb
from miscaling.cli import main
from miscaling.fit import FitConfig, fit_decay
from miscaling.mi.sizes import describe_amount, sample_size
from miscaling.model_summary import TrendSettings, trend_checks
from miscaling.paper_claims import claims_of
from miscaling.plots import models
from miscaling.plots.common import (
    FLOOR_MARGIN,
    WITHIN_FLOOR_PART,
    describe_sizes,
    sample_shape,
)
from miscaling.seed_spread import SeedSpread
from miscaling.summary import LogLagRefit, floor_counts, model_table, reference_xi, with_spread
from miscaling.verdicts import FAILS, HOLDS, INCONCLUSIVE, NOT_MEASURED
from test_figure_output import data_under

LAGS = np.unique(np.geomspace(1, 500, 40).round())
#: The synthetic samples: N_SEQ sequences of LENGTH symbols per model (n_pairs says so), whose
#: estimates rest on a shuffle floor of FLOOR nats (the exponentials sink far below it).
N_SEQ, LENGTH, FLOOR = 50, 512, 1e-4
N_DATA = 400


def _measured(mi, n_seq, seed):
    """An I(tau) table as `miscaling mi --shuffles` writes it: the estimate, its floor (noisy),
    the pairs counted."""
    noise = np.random.default_rng(seed).normal(0, 0.1 * FLOOR, LAGS.size)
    return pd.DataFrame({"lag": LAGS, "mi": mi, "baseline": FLOOR + noise,
                         "baseline_sd": 0.1 * FLOOR, "n_pairs": n_seq * (LENGTH - LAGS)})


def _curve(arch, width, depth):
    """Exponential decay for recurrent models (ξ grows with width), a power law otherwise."""
    if arch == "transformer":
        mi = 0.1 * LAGS ** -0.4
    else:
        xi = 5.0 * width * (2 if arch == "lstm" else 1) * (1 + 0.1 * (depth - 1))
        mi = 0.1 * np.exp(-LAGS / xi)
    mi = mi * np.exp(np.random.default_rng(width * 10 + depth).normal(0, 0.02, LAGS.size))
    return _measured(mi, N_SEQ, width * 10 + depth).assign(arch=arch, width=width, depth=depth)


MODELS = [("rnn", 4, 1), ("rnn", 8, 1), ("rnn", 8, 2), ("lstm", 4, 1), ("lstm", 8, 1),
          ("lstm", 8, 2), ("lstm", 4, 2), ("transformer", 8, 1), ("transformer", 16, 1),
          ("transformer", 16, 2)]


@pytest.fixture
def tables(tmp_path):
    curves, fits = [], []
    for arch, width, depth in MODELS:
        curve = _curve(arch, width, depth)
        fit = fit_decay(curve.lag, curve.mi, config=FitConfig(min_mi=1e-3, too_few="nan"))
        fit = fit.assign(arch=arch, width=width, depth=depth)
        c, f = tmp_path / f"c_{arch}{width}{depth}.csv", tmp_path / f"f_{arch}{width}{depth}.csv"
        curve.to_csv(c, index=False)
        fit.to_csv(f, index=False)
        curves.append(c)
        fits.append(f)
    reference = tmp_path / "reference.csv"
    reference_mi = 0.1 * np.exp(-LAGS / 420.0) * (1 + 0.01 * np.sin(LAGS))
    fit_decay(LAGS, reference_mi).to_csv(reference, index=False)
    _measured(reference_mi, N_DATA, 0).to_csv(
        tmp_path / "reference_curve.csv", index=False)
    return curves, fits, reference


def data_curve(reference):
    """The training data's I(tau) table written beside the reference fit."""
    return reference.parent / "reference_curve.csv"


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
    fit = fit_decay(curve.lag, curve.mi,
                    config=FitConfig(min_mi=1e-3)).assign(arch="rnn", width=1, depth=1)
    row = model_table(fit, curve).iloc[0]
    lags = np.unique(np.geomspace(1, 399, 60).round())
    expected = fit_decay(lags, curve.set_index("lag").loc[lags, "mi"].to_numpy(),
                         ("exponential", "power"), config=FitConfig(min_mi=1e-3))
    aicc = expected.groupby("model")["aicc"].first()
    assert row["n_points_log_lags"] == len(lags) < row["n_points"] == 399
    assert row["delta_aicc_log_lags"] == pytest.approx(aicc["exponential"] - aicc["power"])


def test_model_table_names_a_model_without_curve(tables):
    curves, fits, _ = tables
    with pytest.raises(ValueError, match="I\\(tau\\) table lacks the column\\(s\\) \\['mi'\\]"):
        model_table(read_all(fits), read_all(curves).drop(columns="mi"))
    with pytest.raises(ValueError, match="no I\\(tau\\) curve for the model.*'lstm'"):
        model_table(read_all(fits), read_all(curves).query("arch != 'lstm'"))


def _args(figure, curves, fits, reference, out):
    return ["figure", figure, "--curves", *map(str, curves), "--fits", *map(str, fits),
            "--reference", str(reference), "--data-curve", str(data_curve(reference)),
            "--out", str(out)]


@pytest.mark.parametrize("figure", ["fig1", "fig3", "fig7", "fig9"])
def test_model_figures(figure, tables, tmp_path):
    curves, fits, reference = tables
    out = tmp_path / "figures" / f"{figure}.pdf"
    assert main(_args(figure, curves, fits, reference, out)) == 0
    assert out.stat().st_size > 0 and out.with_suffix(".png").stat().st_size > 0
    drawn = pd.read_csv(out.with_suffix(".csv"))
    assert len(drawn)
    if figure == "fig3":  # the samples and the training data they are read against
        assert set(drawn["role"]) == {"samples", "training_data"}
        assert (drawn.loc[drawn.role == "training_data", "lag"] == LAGS).all()


def test_model_figures_reject_unlabelled_tables(tables, tmp_path, capsys):
    curves, fits, reference = tables
    bare = tmp_path / "bare.csv"
    pd.read_csv(curves[0]).drop(columns=["arch"]).to_csv(bare, index=False)
    assert main(_args("fig1", [bare], fits, reference, tmp_path / "f.pdf")) == 2
    assert "arch" in capsys.readouterr().err
    args = _args("fig1", curves, fits, reference, tmp_path / "f.pdf")
    assert main([*args, "--inset-lags", "100", "1"]) == 2
    assert "--inset-lags LOW must be < HIGH" in capsys.readouterr().err
    assert not (tmp_path / "f.pdf").exists()


# --------------------------------------------------------------------------- what a reader sees


def _figure(figure, tables, keep=lambda frame: frame):
    """``figure`` drawn from the synthetic tables (``keep`` filters the sample curves)."""
    curves, fits, reference = tables
    curves_table = keep(models.collect_curves([pd.read_csv(p) for p in curves]))
    return models.make_figure(figure, curves_table,
                              models.collect_fits([pd.read_csv(p) for p in fits]),
                              reference_xi(pd.read_csv(reference)),
                              models.data_curve(pd.read_csv(data_curve(reference))))


def _lines(ax, part):
    return [line for line in ax.get_lines() if line.get_gid() == part]


@pytest.mark.parametrize(("figure", "panels"), [("fig1", [2, 3]), ("fig7", [0]),
                                                ("fig9", [0, 1])])
def test_width_and_depth_axes_have_integer_ticks(figure, panels, tables):
    fig = _figure(figure, tables)
    fig.canvas.draw()
    for ax in (fig.axes[i] for i in panels):
        labels = [t.get_text() for t in ax.get_xticklabels()]
        low, high = ax.get_xlim()
        ticks = [t for t in ax.get_xticks() if low <= t <= high]
        assert labels and all(label.isdigit() for label in labels), (ax.get_title(), labels)
        assert ticks == [int(t) for t in ticks], ax.get_title()
    depth_ticks = {"fig1": [1, 2], "fig7": [1, 2], "fig9": [1, 2]}[figure]
    assert list(fig.axes[panels[-1]].get_xticks()) == depth_ticks  # the depths present, only
    plt.close(fig)


@pytest.mark.parametrize("figure", ["fig1", "fig3"])
def test_solid_curves_are_never_drawn_below_their_floor(figure, tables):
    # the Transformers' power laws scaled down to cross the floor at intermediate lags
    fig = _figure(figure, tables, keep=lambda curves: curves.assign(
        mi=curves.mi.where(curves.arch != "transformer", curves.mi * 0.005)))
    curve_axes = fig.axes[:2] if figure == "fig1" else fig.axes[:1]
    faded_below = 0
    for ax in curve_axes:
        floors = {to_hex(line.get_color()): dict(zip(line.get_xdata(), line.get_ydata()))
                  for line in _lines(ax, "floor")}
        assert len(floors) == len(_lines(ax, "above_floor"))  # every curve has its floor
        for axes in [ax, *ax.child_axes]:  # the inset's curves against the same floors
            for solid, faded in zip(_lines(axes, "above_floor"), _lines(axes, "below_floor")):
                floor = floors[to_hex(solid.get_color())]
                for lag, mi in zip(solid.get_xdata(), solid.get_ydata()):
                    assert not mi <= floor[lag], (ax.get_title(), solid.get_label(), lag)
                faded_below += sum(mi <= floor[lag]
                                   for lag, mi in zip(faded.get_xdata(), faded.get_ydata()))
        # floors near the data: the log axis starts just below them (each floor line at its
        # median), not at the noise far beneath them
        lowest = min(np.median(list(floor.values())) for floor in floors.values())
        assert 0.5 * FLOOR_MARGIN * lowest < ax.get_ylim()[0] <= FLOOR_MARGIN * lowest
    assert faded_below > 0  # the fixture has points below the floor: the check above can fail
    plt.close(fig)


def test_every_curve_with_a_within_floor_of_its_own_draws_it_dash_dotted(tables):
    # the Transformers' sequences differ in composition (a within floor 20x the global one);
    # the recurrent models' within floor is their global floor itself (as for one sequence)
    def with_within(curves):
        own = curves.arch == "transformer"
        return curves.assign(baseline_within=curves.baseline.where(~own, 20 * curves.baseline))

    fig = _figure("fig1", tables, keep=with_within)
    for ax in fig.axes[:2]:  # RNN, LSTM: no floor of their own, so no dash-dotted line
        assert not _lines(ax, WITHIN_FLOOR_PART)
        assert "within-sequence" not in ax.get_legend().get_title().get_text()
    plt.close(fig)
    fig = _figure("fig3", tables, keep=with_within)
    (ax,) = fig.axes
    within = _lines(ax, WITHIN_FLOOR_PART)
    assert len(within) == 3 and all(line.get_linestyle() == "-." for line in within)
    floors = {to_hex(line.get_color()): line.get_ydata() for line in _lines(ax, "floor")}
    for line in within:  # in the curve's colour, 20x its global floor
        np.testing.assert_allclose(line.get_ydata(), 20 * floors[to_hex(line.get_color())])
    assert "dash-dot: within-sequence floor" in ax.get_legend().get_title().get_text()
    plt.close(fig)


def test_fig3_draws_the_training_data(tables):
    fig = _figure("fig3", tables)
    (ax,) = fig.axes
    data = [line for line in _lines(ax, "above_floor") if line.get_label() == "training data"]
    assert len(data) == 1 and to_hex(data[0].get_color()) == "#000000"
    np.testing.assert_allclose(data[0].get_xdata(), LAGS)
    assert len(_lines(ax, "above_floor")) == 1 + 3  # the data and the three Transformers
    plt.close(fig)


def test_fig1_curve_panels_have_semilog_insets(tables):
    fig = _figure("fig1", tables)
    for ax in fig.axes[:2]:
        (inset,) = ax.child_axes
        assert inset.get_xscale() == "linear" and inset.get_yscale() == "log"
        assert _lines(inset, "above_floor")
        low, high = models.INSET_LAGS  # cut to the last lag measured in it
        assert inset.get_xlim() == (low, LAGS[LAGS <= high].max())
    assert not any(ax.child_axes for ax in fig.axes[2:4])  # none on the ξ panels
    plt.close(fig)


def _many_models(tables):
    """The fixture's curves and, for the RNN, the paper's 12 curves (8 widths, 4 depths)."""
    def keep(curves):
        rnn = curves[curves.arch == "rnn"].query("width == 4 and depth == 1")
        grid = [(w, 1) for w in (1, 2, 4, 8, 16, 32, 64, 128)] + [(8, d) for d in (2, 3, 4, 5)]
        extra = [rnn.assign(width=w, depth=d) for w, d in grid]
        return pd.concat([curves[curves.arch != "rnn"], *extra], ignore_index=True)
    return keep


def _lab(colour):
    """CIELAB (D65) of a matplotlib colour: distances in it are differences as seen."""
    rgb = np.array(to_rgb(colour))
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ linear / [0.95047, 1.0, 1.08883]
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("figure", ["fig1", "fig3"])
def test_colours_within_a_panel_are_distinct(figure, tables):
    fig = _figure(figure, tables, keep=_many_models(tables))
    for ax in fig.axes[:2] if figure == "fig1" else fig.axes[:1]:
        colours = [to_hex(line.get_color()) for line in _lines(ax, "above_floor")]
        assert len(colours) > 2
        # pairwise distinct, and far enough apart to be told apart (viridis, 13 shades: 10)
        closest = min(np.linalg.norm(_lab(a) - _lab(b))
                      for a, b in itertools.combinations(colours, 2))
        assert closest > 20, (ax.get_title(), colours)
    rnn = fig.axes[0] if figure == "fig1" else None
    if rnn is not None:  # the paper's RNN grid: 12 models and the data, each its own colour
        assert len(_lines(rnn, "above_floor")) == 13
        styles = {line.get_label(): (line.get_linestyle(), line.get_marker())
                  for line in _lines(rnn, "above_floor")}
        assert styles["8"] == ("-", "None") and styles["8×2"][0] == "--"
        assert len({styles[f"8×{d}"][1] for d in (2, 3, 4, 5)}) == 4  # a marker per depth
    plt.close(fig)


def test_a_model_keeps_its_colour_across_figures(tables):
    fig1, fig7 = _figure("fig1", tables), _figure("fig7", tables)
    lstm = {line.get_label(): to_hex(line.get_color())
            for line in _lines(fig1.axes[1], "above_floor")}
    for line in fig7.axes[0].get_lines():  # errorbar lines, labelled "width W"
        if line.get_label().startswith("width "):
            assert to_hex(line.get_color()) == lstm[line.get_label().split()[1]]
    plt.close(fig1)
    plt.close(fig7)


@pytest.mark.parametrize("figure", ["fig1", "fig3", "fig7", "fig9"])
def test_figures_give_the_sample_sizes_read_from_the_tables(figure, tables):
    fig = _figure(figure, tables)
    assert fig.get_suptitle() == (f"sequences × length: {N_SEQ} × {LENGTH} per model; "
                                  f"training data {N_DATA} × {LENGTH}")
    plt.close(fig)


def test_sample_shape_reads_the_pair_counts():
    curve = pd.DataFrame({"lag": [1, 2, 5], "n_pairs": [6300, 6200, 5900]})
    assert sample_shape(curve) == (100, 64)
    assert describe_sizes([curve, curve.assign(n_pairs=curve.n_pairs * 20)]) == \
        "100 × 64 / 2,000 × 64"
    # ragged sequences, one lag, or no pair counts: the table cannot say
    assert sample_shape(curve.assign(n_pairs=[6300, 6200, 5950])) is None
    assert sample_shape(curve.head(1)) is None
    assert sample_shape(curve.drop(columns="n_pairs")) is None


def test_sample_size_reads_ragged_sequences_too():
    # three sequences of 10, 20 and 30 symbols: 57 pairs at lag 1, 54 at lag 2 (as 3 x 20
    # would give), but 20 at lag 15, where the shortest has none (3 x 20 would give 15)
    lengths = np.array([10, 20, 30])
    curve = pd.DataFrame({"lag": [1, 2, 15], "n_pairs": [
        int(np.sum(np.maximum(lengths - t, 0))) for t in (1, 2, 15)]})
    assert sample_size(curve) == (3, 60) and sample_shape(curve) is None
    assert describe_amount(curve) == "3 sequences, 60 symbols"
    assert describe_amount(pd.DataFrame({"lag": [1, 2], "n_pairs": [99, 98]})) == "1 × 100"
    assert sample_size(curve.assign(n_pairs=[57, 55.5, 20])) is None  # no whole count
    assert describe_amount(curve.head(1)) is None


def test_a_model_without_xi_is_named_in_its_panel(tables):
    curves, fits, reference = tables
    table = models.collect_fits([pd.read_csv(p) for p in fits])
    table.loc[(table.arch == "lstm") & (table.depth == 2), "xi"] = np.nan
    fig = models.make_fig7(models.collect_curves([pd.read_csv(p) for p in curves]), table,
                           reference_xi(pd.read_csv(reference)))
    notes = [t.get_text() for t in fig.axes[0].texts]
    assert any("no ξ" in note and "width 4: depth 2" in note for note in notes), notes
    plt.close(fig)


BINARY_CLAIMS = [c.id for c in claims_of("binary_trends") if c.decided]
WINDOW = ["verdict_window", "delta_aic_window", "verdict_window_log", "delta_aic_window_log"]


def _status(trends, claim_id):
    return trends.set_index("claim").loc[claim_id, "status"]


def restart_fits(fits, factors=(0.95, 1.05)):
    """Two restarts of every model, their ξ ``factors`` x the model's (relative sd 7%)."""
    paths = []
    for path in fits:
        fit = pd.read_csv(path)
        xi = (fit.model == "exponential") & (fit.parameter == "xi")
        for restart, factor in enumerate(factors):
            moved = fit.copy()
            moved.loc[xi, ["value", "ci_low", "ci_high"]] *= factor
            paths.append(path.with_name(f"{path.stem}_seed{restart}.csv"))
            moved.assign(restart=restart).to_csv(paths[-1], index=False)
    return paths


def without_seed_spread(table):
    """``table`` as if the seeds did not move ξ: the rules see the estimator's intervals."""
    return with_spread(table, SeedSpread(0.0, 1, 1, "a test", measured=True))


def test_model_summary_writes_models_and_trend_checks(tables, tmp_path):
    curves, fits, reference = tables
    models, trends = tmp_path / "out" / "binary_models.csv", tmp_path / "out" / "binary_trends.csv"
    assert main(["model-summary", "--fits", *map(str, fits), "--curves", *map(str, curves),
                 "--restart-fits", *map(str, restart_fits(fits)),
                 "--reference", str(reference),
                 "--reference-curve", str(reference.parent / "reference_curve.csv"),
                 "--models-out", str(models), "--trends-out", str(trends)]) == 0
    table = pd.read_csv(models)
    data = table[table.arch == "data"].iloc[0]
    assert data.xi == pytest.approx(420, rel=0.05) and data.verdict == "exponential"
    assert data.verdict_log_lags == "exponential" and data.verdict_window == "exponential"
    assert (table.verdict_log_lags == table.verdict).all()
    checks = pd.read_csv(trends)
    # one row per decided claim of the registry, in its order, each with a status
    assert list(checks.claim) == BINARY_CLAIMS
    statuses = checks.set_index("claim")["status"]
    # the synthetic curves: recurrent models exponential (xi growing with width and depth,
    # RNN below LSTM), Transformers algebraic; the "data" exponential with xi = 420
    held = ["rnn_samples_exponential", "xi_rnn_grows_with_width",
            "small_lstm_samples_exponential", "xi_lstm_grows_with_width",
            "xi_rnn_below_lstm_same_width", "training_xi_about_420",
            "transformer_samples_algebraic", "best_lstm_xi_below_350"]
    assert (statuses[held] == HOLDS).all(), checks
    assert statuses["binary_data_power_law"] == FAILS  # an exponential is no tau^-0.4
    # depth 2's xi 10% above depth 1's: clear on the estimator's intervals, not beside the
    # spread between training seeds (7% of xi here)
    assert statuses["xi_rnn_grows_with_depth"] == INCONCLUSIVE
    assert statuses["transformer_16x1_overestimates_xi"] == FAILS  # 240 < 420, disjoint
    assert statuses["xi_rnn_w32_below_lstm_w4"] == NOT_MEASURED  # no RNN of width 32
    row = checks.set_index("claim").loc["xi_rnn_below_lstm_same_width"]
    assert "rnn w8d1 40 [" in row["evidence"] and row["lean"]
    # a comparison between trained models says which seed spread widened its intervals
    assert "sd 7% of xi pooled over 10 models' restarts of this run's binary" in row["evidence"]
    assert "seed" not in checks.set_index("claim").loc["training_xi_about_420", "evidence"]
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
    strict = trend_checks(table, TrendSettings(clear_delta_aicc=1e9))
    for claim_id in ("transformer_samples_algebraic", "rnn_samples_exponential"):
        assert _status(strict, claim_id) == INCONCLUSIVE
        assert strict.set_index("claim").loc[claim_id, "lean"]
    assert (strict["clear_delta_aicc"] == 1e9).all()
    assert (trend_checks(table, TrendSettings(width=4))["comparison_width"] == 4).all()
    with pytest.raises(ValueError, match="lags must be an integer >= 2, got 1"):
        LogLagRefit(lags=1)
    with pytest.raises(ValueError, match="width must be an integer >= 1, got 0"):
        TrendSettings(width=0)
    with pytest.raises(ValueError, match="selection must be one of"):
        LogLagRefit(selection="some")


def test_trend_checks_fail_when_the_claims_do_not_hold(tables):
    curves, fits, _ = tables
    table = without_seed_spread(model_table(read_all(fits), read_all(curves)))
    swapped = table.copy()
    rnn, lstm = swapped.arch == "rnn", swapped.arch == "lstm"
    swapped.loc[rnn, "arch"], swapped.loc[lstm, "arch"] = "lstm", "rnn"  # LSTM now the shorter
    transformer = swapped.arch == "transformer"
    swapped.loc[transformer, WINDOW] = ["exponential", -50.0] * 2
    checks = trend_checks(swapped)
    assert _status(checks, "xi_rnn_below_lstm_same_width") == FAILS
    assert _status(checks, "transformer_samples_algebraic") == FAILS
    algebraic_rnn = table.copy()
    algebraic_rnn.loc[algebraic_rnn.arch == "rnn", ["verdict_window", "verdict_window_log"]] = \
        "algebraic"
    assert _status(trend_checks(algebraic_rnn), "rnn_samples_exponential") == FAILS


def test_a_failure_is_clear_only_when_the_evidence_against_the_claim_is(tables):
    curves, fits, _ = tables
    table = without_seed_spread(model_table(read_all(fits), read_all(curves)))

    def set_xi(frame, arch, width, xi, low, high):
        frame = frame.copy()
        pick = (frame.arch == arch) & (frame.width == width) & (frame.depth == 1)
        frame.loc[pick, ["xi", "xi_ci_low", "xi_ci_high"]] = [xi, low, high]
        return frame

    lstm8 = table[(table.arch == "lstm") & (table.width == 8) & (table.depth == 1)].iloc[0]
    # RNN ξ above the LSTM's with disjoint intervals: refuted; overlapping: open
    above = set_xi(table, "rnn", 8, lstm8.xi * 3, lstm8.xi * 2.5, lstm8.xi * 3.5)
    assert _status(trend_checks(above), "xi_rnn_below_lstm_same_width") == FAILS
    overlapping = set_xi(table, "rnn", 8, lstm8.xi * 1.05, lstm8.xi_ci_low, lstm8.xi * 1.2)
    checks = trend_checks(overlapping)
    assert _status(checks, "xi_rnn_below_lstm_same_width") == INCONCLUSIVE
    assert not checks.set_index("claim").loc["xi_rnn_below_lstm_same_width", "lean"]
    # ξ falling from width 4 to 8: refuted when the intervals are disjoint, else open
    rnn4 = table[(table.arch == "rnn") & (table.width == 4)].iloc[0]
    falling = set_xi(table, "rnn", 8, rnn4.xi / 2, rnn4.xi / 2.2, rnn4.xi / 1.8)
    assert _status(trend_checks(falling), "xi_rnn_grows_with_width") == FAILS
    dipping = set_xi(table, "rnn", 8, rnn4.xi * 0.99, rnn4.xi * 0.9, rnn4.xi * 1.1)
    assert _status(trend_checks(dipping), "xi_rnn_grows_with_width") == INCONCLUSIVE
    # a Transformer clearly exponential refutes "every one is algebraic"; weakly, it does not
    contrary = table.copy()
    first = contrary.index[contrary.arch == "transformer"][0]
    contrary.loc[first, WINDOW] = ["exponential", -25.0] * 2
    assert _status(trend_checks(contrary), "transformer_samples_algebraic") == FAILS
    contrary.loc[first, "delta_aic_window"] = -4.0
    assert _status(trend_checks(contrary), "transformer_samples_algebraic") == INCONCLUSIVE
    # every lag and log-spaced lags disagreeing: neither shape fits, never clear
    contrary.loc[first, WINDOW] = ["exponential", -25.0, "algebraic", 30.0]
    checks = trend_checks(contrary).set_index("claim")
    assert checks.loc["transformer_samples_algebraic", "status"] == INCONCLUSIVE
    assert "neither shape" in checks.loc["transformer_samples_algebraic", "settle"]


def test_trend_checks_name_missing_models(tables):
    curves, fits, _ = tables
    table = model_table(read_all(fits), read_all(curves))
    checks = trend_checks(table[table.arch != "lstm"]).set_index("claim")
    row = checks.loc["xi_rnn_below_lstm_same_width"]
    assert row["status"] == NOT_MEASURED and "the width-8 depth-1 RNN and LSTM" in row["evidence"]
    # fits without curves: the decay claims need the curves
    fits_only = trend_checks(model_table(read_all(fits))).set_index("claim")
    assert fits_only.loc["rnn_samples_exponential", "status"] == NOT_MEASURED


def test_floor_counts_count_the_lags_beating_each_floor_by_two_of_its_sds():
    curve = pd.DataFrame({"lag": [1, 2, 3, 4], "mi": [0.5, 0.2, 0.11, 0.05],
                          "baseline": 0.01, "baseline_sd": 0.01,
                          "baseline_within": 0.1, "baseline_within_sd": [0.0, 0.0, 0.01, 0.0]})
    # global: every lag > 0.03; within: 0.5, 0.2 beat 0.1, 0.11 not 0.1 + 2 x 0.01, 0.05 not
    assert floor_counts(curve) == {"lags_measured": 4, "lags_above_floor": 4,
                                   "lags_above_within_floor": 2}
    older = floor_counts(curve.drop(columns=["baseline_within", "baseline_within_sd"]))
    assert older["lags_above_floor"] == 4 and np.isnan(older["lags_above_within_floor"])


def test_the_model_table_says_how_many_lags_beat_each_floor(tables):
    curves, fits, _ = tables
    table = model_table(read_all(fits), read_all(curves).assign(baseline_within=0.02))
    assert (table["lags_measured"] == LAGS.size).all()
    # the within floor (0.02) lies far above the global one (1e-4): fewer lags beat it
    assert (table["lags_above_within_floor"] < table["lags_above_floor"]).all()
    assert (table["lags_above_floor"] <= LAGS.size).all()
    # and what each curve rests on, read back from its pair counts
    assert (table["n_sequences"] == N_SEQ).all() and (table["n_symbols"] == N_SEQ * LENGTH).all()


def test_the_xi_figures_tables_carry_the_sizes_behind_each_model(tables):
    curves, fits, _ = tables
    curves_table = models.collect_curves([pd.read_csv(p) for p in curves])
    table = models.collect_fits([pd.read_csv(p) for p in fits])
    drawn = models.drawn_points("fig1", curves_table, table)
    assert set(drawn["arch"]) == {"rnn", "lstm"}
    assert (drawn["n_sequences"] == N_SEQ).all() and (drawn["n_symbols"] == N_SEQ * LENGTH).all()


def _far_floors(table, seed):
    """``table`` as a million pairs of binary data give it: estimates that level off in noise
    near 1e-6, over a shuffle floor near 1e-9 (orders of magnitude below them)."""
    rng = np.random.default_rng(seed)
    return table.assign(mi=table.mi + 1e-6 * rng.lognormal(0, 0.5, len(table)),
                        baseline=1e-9 * rng.lognormal(0, 1, len(table)))


def _far_figure(figure, tables):
    curves, fits, reference = tables
    return models.make_figure(
        figure, _far_floors(models.collect_curves([pd.read_csv(p) for p in curves]), 1),
        models.collect_fits([pd.read_csv(p) for p in fits]), reference_xi(pd.read_csv(reference)),
        _far_floors(models.data_curve(pd.read_csv(data_curve(reference))), 2))


@pytest.mark.parametrize("figure", ["fig1", "fig3"])
def test_floors_far_below_the_data_stay_below_the_axis(figure, tables):
    fig = _far_figure(figure, tables)
    for ax in fig.axes[:2] if figure == "fig1" else fig.axes[:1]:
        for axes in [ax, *ax.child_axes]:  # the semi-log inset too: not squashed by them
            # within a decade of the lowest curve's lowest points (but for its lowest 5%)
            lowest = min(np.nanquantile(line.get_ydata(), 0.05)
                         for line in _lines(axes, "above_floor"))
            assert axes.get_ylim()[0] >= 0.1 * lowest, ax.get_title()
            assert axes.get_ylim()[0] > 100 * max(
                np.median(line.get_ydata()) for line in _lines(ax, "floor"))
        level = np.median([np.median(line.get_ydata()) for line in _lines(ax, "floor")])
        assert (f"dotted: shuffle floor,\n  mostly below the axis (median {level:.0e})"
                in ax.get_legend().get_title().get_text())
    plt.close(fig)


@pytest.mark.parametrize("figure", ["fig1", "fig3"])
@pytest.mark.parametrize("far", [False, True])
def test_legends_and_insets_cover_no_data(figure, far, tables):
    fig = _far_figure(figure, tables) if far else _figure(figure, tables, _many_models(tables))
    curve_panels = fig.axes[:2] if figure == "fig1" else fig.axes[:1]
    assert data_under(fig, curve_panels) == []
    for ax in curve_panels:  # the inset beside its panel, in full
        for inset in ax.child_axes:
            assert inset.get_position().x0 > ax.get_position().x1
            assert inset.get_position().x1 <= 1
    plt.close(fig)
