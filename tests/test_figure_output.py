"""The figure writer (miscaling.plots.common.save_figure) and the pure make_figure functions."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from miscaling.plan.figures import FIGURES
from miscaling.plots import fig4, fig5
from miscaling.plots.common import (
    FLOOR_MARGIN,
    LOW_QUANTILE,
    clip_below_floors,
    floor_axis,
    floors_key,
    output_paths,
    save_figure,
)


def _figure():
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [1, 4, 9])
    return fig


def test_save_figure_writes_pdf_png_and_the_tables_behind(tmp_path):
    table = pd.DataFrame({"lag": [1, 2], "mi": [0.5, 0.25]})
    extra = pd.DataFrame({"check": ["a"], "passed": [True]})
    fig = _figure()
    save_figure(fig, tmp_path / "out" / "figX.pdf", table, {"checks": extra})
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["figX.csv", "figX.pdf", "figX.png", "figX_checks.csv"]
    assert (tmp_path / "out/figX.csv").read_text() == table.to_csv(index=False)
    assert (tmp_path / "out/figX_checks.csv").read_text() == extra.to_csv(index=False)
    assert (tmp_path / "out/figX.pdf").read_bytes()[:4] == b"%PDF"
    assert (tmp_path / "out/figX.png").read_bytes()[1:4] == b"PNG"
    assert not plt.fignum_exists(fig.number)  # closed


def test_save_figure_is_all_or_nothing(tmp_path, monkeypatch):
    fig = _figure()
    original = fig.savefig

    def fail_on_png(path, **kwargs):
        if str(path).endswith(".png"):
            raise RuntimeError("disk full")
        return original(path, **kwargs)

    monkeypatch.setattr(fig, "savefig", fail_on_png)
    with pytest.raises(RuntimeError, match="disk full"):
        save_figure(fig, tmp_path / "figY.pdf", pd.DataFrame({"a": [1]}),
                    {"checks": pd.DataFrame({"b": [2]})})
    assert not list(tmp_path.iterdir())  # neither the finished files nor temporaries


def test_save_figure_wants_a_pdf_path(tmp_path):
    with pytest.raises(ValueError, match="must end in .pdf"):
        save_figure(_figure(), tmp_path / "fig.png", pd.DataFrame({"a": [1]}))
    assert output_paths("r/fig6.pdf", ["uniformity"])["uniformity"].name == "fig6_uniformity.csv"


def test_make_figure_is_pure(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    curves = pd.DataFrame({"p": [0.2] * 6, "replicate": [0, 0, 0, 1, 1, 1],
                           "lag": [1, 2, 3] * 2, "mi": [0.3, 0.1, 0.2, 0.3, 0.2, 0.3]})
    fig = fig4.make_figure(curves, fig4.summarize(curves))
    assert isinstance(fig, Figure)
    lags = np.arange(1, 20)
    mi = pd.DataFrame({"gamma": 0.4, "amplitude": 0.1, "lag": lags, "mi": 0.1 * lags**-0.4})
    fits = pd.DataFrame({"gamma": [0.4], "model": ["power"], "parameter": ["gamma"],
                         "value": [0.41], "ci_low": [0.39], "ci_high": [0.43]})
    fig = fig5.make_figure(fig5.collect_curves([mi]), fig5.collect_gamma_fits([fits], 0.03))
    assert isinstance(fig, Figure)
    plt.close("all")
    assert not list(tmp_path.iterdir())


def test_fig5_draws_both_floors_and_keeps_its_axis_on_the_estimates():
    lags = np.arange(1, 20)
    mi = pd.DataFrame({"gamma": 0.4, "amplitude": 0.1, "lag": lags, "mi": 0.1 * lags**-0.4,
                       "baseline": 1e-7, "baseline_within": 0.01})
    fits = pd.DataFrame({"gamma": [0.4], "model": ["power"], "parameter": ["gamma"],
                         "value": [0.41], "ci_low": [0.39], "ci_high": [0.43]})
    fig = fig5.make_figure(fig5.collect_curves([mi]), fig5.collect_gamma_fits([fits], 0.03))
    ax = fig.axes[0]
    styles = sorted(line.get_linestyle() for line in ax.get_lines())
    assert styles.count("-.") == 1 and styles.count(":") == 1  # within and global floor
    # the global floor (1e-7) would stretch the axis: it starts below the smallest of the
    # estimates, the targets and the within floors (here the within floor, 0.01)
    assert ax.get_ylim()[0] == pytest.approx(0.3 * 0.01)
    assert "mostly below the axis (median 1e-07)" in ax.get_legend().get_title().get_text()
    plt.close(fig)


def test_every_figure_has_a_title():
    assert {entry.name for entry in FIGURES} == {
        "fig1", "fig2", "fig3", "fig3_text", "fig4", "fig5", "fig6", "fig7", "fig8", "fig9",
        "fig10", "theory_linear_rnn", "theory_ising", "size_matched_control", "fig_ssm",
        "bipartite"}
    assert all(entry.title.strip() and entry.label.strip() for entry in FIGURES)


# --------------------------------------------------------------------------- what a reader sees


def _display_points(ax, artist) -> np.ndarray:
    """Display coordinates of what ``artist`` (a line, or the segments of an error bar's
    collection) draws inside ``ax``: its vertices and 20 points along each segment between
    them (a log axis' straight segments are straight on screen)."""
    from matplotlib.collections import LineCollection

    if isinstance(artist, LineCollection):
        paths = [np.asarray(s, dtype=float) for s in artist.get_segments()]
    else:
        paths = [np.asarray(artist.get_xydata(), dtype=float)]
    points = []
    for path in (path.reshape(-1, 2) for path in paths):
        screen = artist.get_transform().transform(path)
        ok = np.all(np.isfinite(screen), axis=1)
        for a, b, both in zip(screen[:-1], screen[1:], ok[:-1] & ok[1:]):
            if both:
                points.append(a + np.linspace(0, 1, 20)[:, None] * (b - a))
        points += [p[None] for p in screen[ok]]
    points = np.concatenate(points) if points else np.empty((0, 2))
    box = ax.get_window_extent()  # what the axes clip away is not drawn
    inside = ((points[:, 0] >= box.x0 - 0.5) & (points[:, 0] <= box.x1 + 0.5)
              & (points[:, 1] >= box.y0 - 0.5) & (points[:, 1] <= box.y1 + 0.5))
    return points[inside]


def data_under(fig, covers) -> list[str]:
    """What the legends and insets of the axes ``covers`` (and every figure legend) hide: one
    line per data line of any axes of ``fig`` with points under one of them (an inset: under
    it, its own lines apart).  Empty when no legend or inset covers data."""
    from matplotlib.collections import LineCollection

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(f"legend of {ax.get_title()!r}", ax.get_legend(), None) for ax in covers
             if ax.get_legend() is not None]
    boxes += [(f"inset of {ax.get_title()!r}", inset, inset) for ax in covers
              for inset in ax.child_axes]
    boxes += [("figure legend", legend, None) for legend in fig.legends]
    found = []
    every = [ax for ax in fig.axes if ax.get_visible()]
    every += [child for ax in every for child in ax.child_axes]
    for name, cover, own in boxes:
        box = cover.get_window_extent(renderer).padded(-1)
        for ax in every:
            if ax is own:
                continue
            artists = [line for line in ax.get_lines() if line.get_visible()]
            artists += [c for c in ax.collections if isinstance(c, LineCollection)]
            for artist in artists:
                points = _display_points(ax, artist)
                under = ((points[:, 0] > box.x0) & (points[:, 0] < box.x1)
                         & (points[:, 1] > box.y0) & (points[:, 1] < box.y1))
                if under.any():
                    found.append(f"{name} covers {artist.get_label() or artist.get_gid()!r} "
                                 f"of {ax.get_title()!r}")
    return found


def test_data_under_sees_a_legend_over_a_line():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="diagonal")
    ax.plot([0, 1], [1, 0.9], label="flat")
    ax.legend(loc="upper right")
    assert any("'flat'" in hit for hit in data_under(fig, [ax]))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    assert data_under(fig, [ax]) == []
    plt.close(fig)


def _curve(mi, baseline, **extra):
    lags = np.arange(1, mi.size + 1)
    return pd.DataFrame({"lag": lags, "mi": mi, "baseline": baseline, **extra})


def test_an_axis_leaves_floors_orders_of_magnitude_below_the_data_below_it():
    rng = np.random.default_rng(0)
    mi = 0.1 * np.exp(-np.arange(1, 201) / 20) + 1e-6 * rng.lognormal(0, 0.5, 200)
    far = _curve(mi, 1e-9 * rng.lognormal(0, 1, 200))  # a million pairs of binary data
    axis = floor_axis([far])
    low = np.quantile(mi, LOW_QUANTILE)
    assert axis.bottom == pytest.approx(FLOOR_MARGIN * low)  # near the data, not 1e-10
    assert axis.below == {"baseline": pytest.approx(np.median(far["baseline"]))}
    level = f"(median {np.median(far['baseline']):.0e})"
    assert floors_key([far], axis=axis) == f"dotted: shuffle floor, mostly below the axis {level}"
    # a floor near the data (a decade or less below) is shown: the axis ends below it
    near = far.assign(baseline=1e-6 * rng.lognormal(0, 1, 200))
    axis = floor_axis([near])
    assert not axis.below
    assert axis.bottom == pytest.approx(FLOOR_MARGIN * min(low, np.median(near["baseline"])))
    assert floors_key([near], axis=axis) == "dotted: shuffle floor"
    # a far within floor is left below too; one curve's far floor beside near ones: "some"
    within = far.assign(baseline_within=1e-10)
    assert set(floor_axis([within]).below) == {"baseline", "baseline_within"}
    both = floor_axis([near, far])
    assert both.partly == {"baseline"}
    assert floors_key([near, far], axis=both) == (
        f"dotted: shuffle floor, some below the axis {level}")
    # without any floor the axis keeps its limits; single estimates near zero do not set it
    assert floor_axis([pd.DataFrame({"lag": [1, 2], "mi": [0.1, 0.01]})]).bottom is None
    spiky = far.assign(mi=np.where(np.arange(200) == 150, 1e-12, mi))
    assert floor_axis([spiky]).bottom == pytest.approx(floor_axis([far]).bottom, rel=0.05)


def test_clip_below_floors_sets_the_axis_and_says_which_floors_lie_below():
    fig, ax = plt.subplots()
    rng = np.random.default_rng(1)
    curve = _curve(0.1 * np.arange(1, 101) ** -0.5, 1e-9 * rng.lognormal(0, 1, 100))
    ax.plot(curve.lag, curve.mi)
    ax.plot(curve.lag, curve.baseline)
    ax.set(xscale="log", yscale="log")
    axis = clip_below_floors(ax, [curve], extra=[np.full(100, 0.02)])
    assert ax.get_ylim()[0] == axis.bottom == pytest.approx(FLOOR_MARGIN * np.quantile(
        curve.mi, LOW_QUANTILE))
    assert ax.get_ylim()[1] > curve.mi.max()
    assert set(axis.below) == {"baseline"}
    plt.close(fig)
