"""The L²M condition figure: bipartite MI against the block length ℓ for the data and every
model, its upper slope against the model's memory size, and the loss by position (one row of
panels per level).  Reads the stacked tables of :mod:`miscaling.bipartite_summary`."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from miscaling.bipartite_summary import CLAIM_ESTIMATOR
from miscaling.plots.common import setup_style
from miscaling.plots.models import ARCH_COLORS

__all__ = ["make_fig_bipartite"]

LEVELS = ("binary", "char", "word")
MARKERS = {"samples": "o", "data": "s"}


def _label(row) -> str:
    what = "data, scored by" if row.source == "data" else "samples of"
    return f"{what} {row.arch} {row.width}x{row.depth}"


def _curves(ax, estimates: pd.DataFrame) -> None:
    # a log axis leaves I <= 0 out; with no positive estimate at all (weak models, few
    # sequences) the panel shows every estimate on a linear axis and says so
    logarithmic = bool((estimates["estimate"] > 0).any())
    for _, curve in estimates.groupby(["source", "arch", "width", "depth"], sort=True):
        curve = curve.sort_values("ell")
        row = curve.iloc[0]
        shade = 0.45 if row.source == "data" else 1.0
        shown = curve["estimate"].where(curve["estimate"] > 0) if logarithmic else \
            curve["estimate"]
        ax.errorbar(curve["ell"], shown,
                    yerr=[shown - curve["ci_low"], curve["ci_high"] - shown],
                    marker=MARKERS.get(row.source, "o"), ms=3, lw=1, capsize=2,
                    alpha=shade, color=ARCH_COLORS.get(row.arch, "grey"),
                    linestyle="--" if row.source == "data" else "-", label=_label(row))
    ax.set(xscale="log", yscale="log" if logarithmic else "linear",
           xlabel=r"block length $\ell$ ($L = r\ell$)",
           ylabel=f"bipartite MI, {CLAIM_ESTIMATOR} (nats)")
    if not logarithmic:
        ax.axhline(0, color="black", lw=0.5)
        ax.text(0.02, 0.02, "no estimate above 0: linear axis", transform=ax.transAxes,
                fontsize=7)


def _slopes(ax, growth: pd.DataFrame, margin: float) -> None:
    growth = growth.dropna(subset=["upper_slope"])
    if growth.empty:
        ax.text(0.5, 0.5, "no slope: too few estimates above 0", transform=ax.transAxes,
                ha="center", fontsize=8)
        return
    for arch, rows in growth.groupby("arch", sort=True):
        ax.errorbar(rows["memory_values"], rows["upper_slope"],
                    yerr=[rows["upper_slope"] - rows["upper_slope_ci_low"],
                          rows["upper_slope_ci_high"] - rows["upper_slope"]],
                    fmt="o", ms=4, capsize=2, color=ARCH_COLORS.get(arch, "grey"), label=arch)
    ax.axhline(margin, color="grey", lw=0.8, linestyle=":", label=f"margin {margin:g}")
    ax.axhline(0, color="black", lw=0.5)
    ax.set(xscale="log", xlabel="memory: state or key-value cache (numbers)",
           ylabel="upper slope of ln I on ln L")


def _losses(ax, positions: pd.DataFrame) -> None:
    for (arch, width, depth), rows in positions.groupby(["arch", "width", "depth"], sort=True):
        ax.plot(rows["position"], rows["loss"], lw=1, color=ARCH_COLORS.get(arch, "grey"),
                alpha=0.8, label=f"{arch} {width}x{depth}")
    ax.set(xscale="log", xlabel="position t", ylabel=r"loss $-\log q(s_t \mid s_{<t})$ (nats)")


def make_fig_bipartite(estimates: pd.DataFrame, growth: pd.DataFrame,
                       positions: pd.DataFrame, *, margin: float):
    """(a) I against ℓ of every curve (vCLUB, the smallest ratio), (b) the upper slopes of the
    models' own samples against their memory size, (c) the loss by position of each model on
    its samples; one row per level present."""
    setup_style()
    levels = [level for level in LEVELS if level in set(estimates["level"])]
    fig, axes = plt.subplots(len(levels), 3, figsize=(15, 4.2 * len(levels)), squeeze=False)
    ratio = estimates["ratio"].min()
    for row, level in zip(axes, levels):
        shown = estimates[(estimates["level"] == level)
                          & (estimates["estimator"] == CLAIM_ESTIMATOR)
                          & (estimates["ratio"] == ratio)]
        _curves(row[0], shown)
        row[0].set_title(f"({level}) bipartite MI, r = {ratio:g}")
        own = growth[(growth["level"] == level) & (growth["source"] == "samples")
                     & (growth["estimator"] == CLAIM_ESTIMATOR) & (growth["ratio"] == ratio)]
        _slopes(row[1], own, margin)
        row[1].set_title(f"({level}) growth against memory")
        _losses(row[2], positions[(positions["level"] == level)
                                  & (positions["source"] == "samples")])
        row[2].set_title(f"({level}) loss by position, own samples")
        for ax in row:
            if ax.get_legend_handles_labels()[0]:
                ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return fig
