"""Figure 6: character-level I(tau) of natural-language corpora, train/valid/test (App. D.2).

One panel per corpus, the three splits as curves with their 95% intervals (bands) and the
shuffled-text baselines (dotted), log-log.  Beside the figure: fig6.csv (the curves) and
fig6_uniformity.csv (per split: long-range exponent and excess over the baseline, from
``miscaling uniformity``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from miscaling.io import read_table, write_table
from miscaling.plots.common import figure_paths, save_figure, setup_style

SPLITS = ("train", "valid", "test")
CURVE_COLUMNS = ["corpus", "split", "lag", "mi", "ci_low", "ci_high", "baseline"]
#: Panel titles; corpora not listed keep their key.
CORPUS_TITLES = {
    "ptb": "Penn Treebank", "wikitext2": "WikiText-2", "wikitext103": "WikiText-103",
    "text8": "text8",
}


def add_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--curves", nargs="+", required=True,
                        help="I(tau) tables, each with label columns corpus and split")
    parser.add_argument("--uniformity", nargs="+", required=True,
                        help="`miscaling uniformity` tables, each with labels corpus and split")
    parser.add_argument("--out", required=True, help="results/figures/fig6.pdf (.png beside it)")


def _concat(tables: list[pd.DataFrame], required: set[str], what: str) -> pd.DataFrame:
    frame = pd.concat(tables, ignore_index=True)
    missing = required - set(frame.columns)
    if missing:
        raise ValueError(f"figure 6 {what} tables lack the column(s) {sorted(missing)}")
    return frame


def collect_curves(tables: list[pd.DataFrame]) -> pd.DataFrame:
    curves = _concat(tables, {"corpus", "split", "lag", "mi", "baseline"}, "curve")
    for column in ("ci_low", "ci_high"):
        if column not in curves:
            curves[column] = np.nan
    order = {split: i for i, split in enumerate(SPLITS)}
    curves = curves.assign(_order=curves["split"].map(order).fillna(len(order)))
    return curves.sort_values(["corpus", "_order", "lag"], ignore_index=True)[CURVE_COLUMNS]


def plot_fig6(curves: pd.DataFrame):
    import matplotlib.pyplot as plt
    import seaborn as sns

    setup_style()
    corpora = [c for c in CORPUS_TITLES if c in set(curves["corpus"])]
    corpora += sorted(set(curves["corpus"]) - set(corpora))
    ncols = min(2, len(corpora))
    nrows = -(-len(corpora) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5 * ncols, 3.8 * nrows), squeeze=False)
    colors = dict(zip(SPLITS, sns.color_palette("colorblind", len(SPLITS))))
    for ax, corpus in zip(axes.flat, corpora):
        for split, group in curves[curves["corpus"] == corpus].groupby("split", sort=False):
            color = colors.get(split, "0.3")
            shown = group[group["mi"] > 0]
            ax.plot(shown["lag"], shown["mi"], "-", lw=1.2, color=color, label=split)
            ax.fill_between(group["lag"], group["ci_low"].clip(lower=1e-12),
                            group["ci_high"].clip(lower=1e-12), color=color, alpha=0.25, lw=0)
            base = group[group["baseline"] > 0]
            ax.plot(base["lag"], base["baseline"], ":", lw=1, color=color)
        ax.set(xscale="log", yscale="log", xlabel=r"$\tau$ (characters)",
               ylabel=r"$I(\tau)$ (nats)", title=CORPUS_TITLES.get(corpus, corpus))
        ax.legend(frameon=False, fontsize=8, title="dotted: shuffled", title_fontsize=7)
    for ax in axes.flat[len(corpora):]:
        ax.set_visible(False)
    sns.despine(fig)
    fig.tight_layout()
    return fig


def run(args: argparse.Namespace) -> None:
    pdf, _ = figure_paths(args.out)
    curves = collect_curves([read_table(p) for p in args.curves])
    uniformity = _concat([read_table(p) for p in args.uniformity],
                         {"corpus", "split", "gamma", "excess"}, "uniformity")
    fig = plot_fig6(curves)
    write_table(curves, pdf.with_suffix(".csv"))
    write_table(uniformity, Path(pdf.parent, f"{pdf.stem}_uniformity.csv"))
    save_figure(fig, pdf)
