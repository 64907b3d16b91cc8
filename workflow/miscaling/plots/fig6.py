"""Figure 6: character-level I(tau) of natural-language corpora, train/valid/test (App. D.2).

One panel per corpus, the three splits as curves with their 95% intervals (bands) and the
shuffled-text baselines (dotted), log-log; the axis ends near the data (a baseline orders of
magnitude below them is left below it, and the legend says so).  Beside the figure: fig6.csv
(the curves) and fig6_uniformity.csv (per split: long-range exponent and excess over the
baseline, from ``miscaling uniformity``).
"""

from __future__ import annotations

import pandas as pd

from miscaling.data.registry import CORPORA
from miscaling.plan.names import TEXT_CORPORA
from miscaling.plots.common import (
    OPTIONAL_CURVE_COLUMNS,
    clip_below_floors,
    draw_curve,
    floors_key,
    setup_style,
    stack_tables,
)

SPLITS = ("train", "valid", "test")
CURVE_COLUMNS = ["corpus", "split", "lag", "mi", "ci_low", "ci_high", "baseline",
                 "baseline_within", "n_pairs"]
#: Panel titles, in panel order: the corpora of the registry (miscaling.data.registry).
CORPUS_TITLES = {key: corpus.label for key, corpus in CORPORA.items() if key in TEXT_CORPORA}


UNIFORMITY_COLUMNS = ["corpus", "split", "gamma", "excess"]


def collect_curves(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The I(tau) tables of every corpus split, in split order (train, valid, test)."""
    curves = stack_tables(tables, ["corpus", "split", "lag", "mi", "baseline"],
                          "figure 6 curve table", OPTIONAL_CURVE_COLUMNS)
    order = {split: i for i, split in enumerate(SPLITS)}
    curves = curves.assign(_order=curves["split"].map(order).fillna(len(order)))
    return curves.sort_values(["corpus", "_order", "lag"], ignore_index=True)[CURVE_COLUMNS]


def collect_uniformity(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The ``miscaling uniformity`` tables of every corpus split, stacked."""
    return stack_tables(tables, UNIFORMITY_COLUMNS, "figure 6 uniformity table")


def make_figure(curves: pd.DataFrame):
    """Figure 6 from :func:`collect_curves`."""
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
            draw_curve(ax, group, color, split, lw=1.2)
            ax.fill_between(group["lag"], group["ci_low"].clip(lower=1e-12),
                            group["ci_high"].clip(lower=1e-12), color=color, alpha=0.25, lw=0)
        ax.set(xscale="log", yscale="log", xlabel=r"$\tau$ (characters)",
               ylabel=r"$I(\tau)$ (nats)", title=CORPUS_TITLES.get(corpus, corpus))
        drawn = [group for _, group in curves[curves["corpus"] == corpus].groupby("split")]
        axis = clip_below_floors(ax, drawn)
        ax.legend(frameon=False, fontsize=8, title=floors_key(drawn, axis=axis),
                  title_fontsize=7)
    for ax in axes.flat[len(corpora):]:
        ax.set_visible(False)
    sns.despine(fig)
    fig.tight_layout()
    return fig
