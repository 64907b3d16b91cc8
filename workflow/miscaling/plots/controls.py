"""The size-matched control of Figure 6's non-uniformity (:mod:`miscaling.controls`).

One row of panels per corpus: for each split that chunks were cut for (validation, test), the
split's I(τ) with its 95% band among the I(τ) of same-size chunks of the training text (grey),
each with its shuffled-text floor (dotted), and the whole training split for reference (black,
dashed, its floor dotted); then one panel per long-range number (γ of Î, γ of Î − floor, mean
excess over the floor) with the chunks' values and CIs (grey), their prediction interval (grey
bar) and the split's (colour), labelled with the verdict.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from miscaling.controls import QUANTITIES, parse_chunk_name
from miscaling.io import require_columns
from miscaling.plots.common import draw_curve, floors_key, setup_style
from miscaling.plots.fig6 import CORPUS_TITLES, SPLITS

CURVE_COLUMNS = ["corpus", "target", "source", "chunk", "lag", "mi", "ci_low", "ci_high",
                 "baseline", "baseline_within", "n_pairs"]
QUANTITY_LABELS = {
    "gamma": r"$\gamma$ of $\hat I(\tau)$",
    "gamma_excess": r"$\gamma$ of $\hat I(\tau) - $ floor",
    "excess": "excess over floor (nats)",
}


def collect_curves(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """I(τ) tables of the splits, their chunks and the training split (labels corpus, split),
    with ``target`` (the split a chunk is sized like; the split itself otherwise), ``source``
    (split | chunk) and ``chunk`` (index) columns."""
    curves = pd.concat(tables, ignore_index=True)
    require_columns(curves, ["corpus", "split", "lag", "mi", "baseline"],
                    "size-matched control curve table")
    for column in ("ci_low", "ci_high", "baseline_within", "n_pairs"):
        if column not in curves:
            curves[column] = np.nan
    parsed = [parse_chunk_name(name) for name in curves["split"]]
    curves["target"] = [p[0] if p else s for p, s in zip(parsed, curves["split"])]
    curves["source"] = ["chunk" if p else "split" for p in parsed]
    curves["chunk"] = pd.array([p[1] if p else None for p in parsed], dtype="Int64")
    curves = curves.assign(_chunk_last=curves["source"] == "chunk")
    curves = curves.sort_values(["corpus", "target", "_chunk_last", "chunk", "lag"],
                                ignore_index=True)
    return curves[CURVE_COLUMNS]


def _targets(curves: pd.DataFrame, corpus: str) -> list[str]:
    """The splits of ``corpus`` that chunks were cut for, in split order."""
    chunked = set(curves.loc[(curves["corpus"] == corpus) & (curves["source"] == "chunk"),
                             "target"])
    return [s for s in SPLITS if s in chunked] + sorted(chunked - set(SPLITS))


def _curve_panel(ax, curves: pd.DataFrame, corpus: str, target: str, color) -> None:
    mine = curves[curves["corpus"] == corpus]
    train = mine[(mine["source"] == "split") & (mine["target"] == "train")]
    if len(train) and target != "train":
        draw_curve(ax, train, "black", "train (all)", lw=1, linestyle="--")
    chunks = mine[(mine["source"] == "chunk") & (mine["target"] == target)]
    for index, (_, chunk) in enumerate(chunks.groupby("chunk", sort=True)):
        draw_curve(ax, chunk, "0.55", "train chunks" if index == 0 else None, lw=0.8)
    split = mine[(mine["source"] == "split") & (mine["target"] == target)]
    draw_curve(ax, split, color, target, lw=1.4)
    ax.fill_between(split["lag"], split["ci_low"].clip(lower=1e-12),
                    split["ci_high"].clip(lower=1e-12), color=color, alpha=0.25, lw=0)
    ax.set(xscale="log", yscale="log", xlabel=r"$\tau$ (characters)", ylabel=r"$I(\tau)$ (nats)",
           title=f"{CORPUS_TITLES.get(corpus, corpus)}: {target}-sized")
    ax.legend(frameon=False, fontsize=7, title=floors_key([train, split, *[
        chunk for _, chunk in chunks.groupby("chunk")]]), title_fontsize=7)


def _quantity_panel(ax, table: pd.DataFrame, summary: pd.DataFrame, corpus: str,
                    targets: list[str], quantity: str, colors: dict, legend: bool) -> None:
    for x, target in enumerate(targets):
        rows = table[(table["corpus"] == corpus) & (table["target"] == target)]
        chunks = rows[rows["source"] == "chunk"]
        split = rows[rows["source"] == "split"]
        xs = x - 0.3 + 0.25 * np.arange(len(chunks)) / max(len(chunks) - 1, 1)
        values = chunks[quantity].to_numpy(dtype=float)
        ax.errorbar(xs, values,
                    yerr=_error(values, chunks[f"{quantity}_ci_low"],
                                chunks[f"{quantity}_ci_high"]),
                    fmt="o", ms=3, lw=0.8, color="0.5", label="train chunks" if x == 0 else None)
        verdict = summary[(summary["corpus"] == corpus) & (summary["target"] == target)
                          & (summary["quantity"] == quantity)]
        if len(verdict) and np.isfinite(verdict["interval_low"].iloc[0]):
            ax.plot([x - 0.02] * 2, [verdict["interval_low"].iloc[0],
                                     verdict["interval_high"].iloc[0]],
                    lw=4, color="0.85", solid_capstyle="butt", zorder=0,
                    label="chunks' prediction interval" if x == 0 else None)
        value = split[quantity].to_numpy(dtype=float)
        color = colors.get(target, "0.2")
        ax.errorbar([x + 0.15], value,
                    yerr=_error(value, split[f"{quantity}_ci_low"], split[f"{quantity}_ci_high"]),
                    fmt="s", ms=5, lw=1.2, color=color)
        if len(verdict) and np.isfinite(value).all():
            ax.annotate(verdict["verdict"].iloc[0], (x + 0.15, value[0]),
                        textcoords="offset points", xytext=(6, 0), fontsize=7, va="center")
    ax.set_xticks(range(len(targets)), targets)
    ax.set_xlim(-0.5, len(targets) - 0.3)
    ax.axhline(0, lw=0.5, color="0.7")
    ax.set(ylabel=QUANTITY_LABELS.get(quantity, quantity),
           title=f"{CORPUS_TITLES.get(corpus, corpus)}: long range")
    if legend:
        ax.legend(frameon=False, fontsize=7, loc="best")


def _error(values, low, high) -> np.ndarray:
    """Asymmetric error bars from CI columns (0 where the CI is missing)."""
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    return np.nan_to_num(np.vstack([values - low, high - values]).clip(min=0))


def make_figure(curves: pd.DataFrame, table: pd.DataFrame, summary: pd.DataFrame):
    """The control figure from :func:`collect_curves`, ``miscaling.controls``'s
    ``size_matched_table`` and ``compare_to_chunks``."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    setup_style()
    present = set(table["corpus"])
    corpora = [c for c in CORPUS_TITLES if c in present] + sorted(present - set(CORPUS_TITLES))
    targets = {corpus: _targets(curves, corpus) for corpus in corpora}
    n_curve_panels = max(len(t) for t in targets.values())
    ncols = n_curve_panels + len(QUANTITIES)
    fig, axes = plt.subplots(len(corpora), ncols, figsize=(3.4 * ncols, 3.2 * len(corpora)),
                             squeeze=False)
    colors = dict(zip(SPLITS, sns.color_palette("colorblind", len(SPLITS))))
    for row, corpus in zip(axes, corpora):
        for ax, target in zip(row, targets[corpus]):
            _curve_panel(ax, curves, corpus, target, colors.get(target, "0.2"))
        for ax in row[len(targets[corpus]):n_curve_panels]:
            ax.set_visible(False)
        for index, (ax, quantity) in enumerate(zip(row[n_curve_panels:], QUANTITIES)):
            _quantity_panel(ax, table, summary, corpus, targets[corpus], quantity, colors,
                            legend=index == 0)
    sns.despine(fig)
    fig.tight_layout()
    return fig
