"""The figure writer (miscaling.plots.common.save_figure) and the pure make_figure functions."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from miscaling.plots import TITLES, fig4, fig5
from miscaling.plots.common import output_paths, save_figure


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
    assert list(TITLES) == ["fig1", "fig2", "fig3", "fig3_text", "fig4", "fig5", "fig6", "fig7",
                            "fig8", "fig9", "fig10", "theory_linear_rnn", "theory_ising"]
    assert all(title.strip() for title in TITLES.values())
