"""The size-matched control of Figure 6's non-uniformity (:mod:`miscaling.controls`).

Per corpus, two rows of three panels: each split's I(τ) among same-size training chunks (grey)
with their floors, then the long-range numbers (γ of Î, γ of Î − floor, mean excess) of the
chunks, their prediction interval and the split, labelled with the verdict.  One key panel
explains every mark; no panel holds a legend, so the figure reads at a report's width.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from miscaling.controls import QUANTITIES, parse_chunk_name
from miscaling.plots.common import (
    FLOOR_NAMES,
    OPTIONAL_CURVE_COLUMNS,
    clip_below_floors,
    draw_curve,
    floors_key,
    setup_style,
    stack_tables,
)
from miscaling.plots.fig6 import CORPUS_TITLES, SPLITS

CURVE_COLUMNS = ["corpus", "target", "source", "chunk", "lag", "mi", "ci_low", "ci_high",
                 "baseline", "baseline_within", "n_pairs"]
#: The size of one panel (inches): three to a row, the figure fits a report's width.
PANEL_SIZE = (3.6, 3.0)
#: Colours of the chunks' values and lines, and of their prediction interval.
CHUNK_COLOR, INTERVAL_COLOR = "0.5", "0.85"
#: gid of the chunks' values (error bars) and of the note that a split has no value.
CHUNK_GID, NO_VALUE_GID = "chunk_values", "no_value"
QUANTITY_LABELS = {
    "gamma": r"$\gamma$ of $\hat I(\tau)$",
    "gamma_excess": r"$\gamma$ of $\hat I(\tau) - $ floor",
    "excess": "excess over floor (nats)",
}


def collect_curves(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """I(τ) tables of the splits, their chunks and the training split (labels corpus, split),
    with ``target`` (the split a chunk is sized like; the split itself otherwise), ``source``
    (split | chunk) and ``chunk`` (index) columns."""
    curves = stack_tables(tables, ["corpus", "split", "lag", "mi", "baseline"],
                          "size-matched control curve table", OPTIONAL_CURVE_COLUMNS)
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
    drawn = []
    if len(train) and target != "train":
        draw_curve(ax, train, "black", "train (all)", lw=1, linestyle="--")
        drawn.append(train)
    chunks = mine[(mine["source"] == "chunk") & (mine["target"] == target)]
    for index, (_, chunk) in enumerate(chunks.groupby("chunk", sort=True)):
        draw_curve(ax, chunk, CHUNK_COLOR, "train chunks" if index == 0 else None, lw=0.8)
        drawn.append(chunk)
    split = mine[(mine["source"] == "split") & (mine["target"] == target)]
    draw_curve(ax, split, color, target, lw=1.4)
    drawn.append(split)
    ax.fill_between(split["lag"], split["ci_low"].clip(lower=1e-12),
                    split["ci_high"].clip(lower=1e-12), color=color, alpha=0.25, lw=0)
    ax.set(xscale="log", yscale="log", xlabel=r"$\tau$ (characters)", ylabel=r"$I(\tau)$ (nats)",
           title=f"{CORPUS_TITLES.get(corpus, corpus)}: {target}-sized")
    axis = clip_below_floors(ax, drawn)
    notes = [f"{'a ' if column in axis.partly else ''}{FLOOR_NAMES[column]} below the axis "
             f"({level:.0e})" for column, level in axis.below.items()]
    if notes:  # the legend is the key's: say it in the panel, where the floor would be
        ax.text(0.02, 0.02, "\n".join(notes), transform=ax.transAxes, fontsize=7, color="0.3",
                va="bottom")


def _quantity_panel(ax, table: pd.DataFrame, summary: pd.DataFrame, corpus: str,
                    targets: list[str], quantity: str, colors: dict) -> None:
    """The chunks' values of ``quantity`` (grey, with CIs), their prediction interval (light grey
    bar) and the split's value (colour, labelled with its verdict), one group per target; a
    target some of whose chunks have no value says how many have one under its tick."""
    ticks = []
    for x, target in enumerate(targets):
        rows = table[(table["corpus"] == corpus) & (table["target"] == target)]
        chunks = rows[rows["source"] == "chunk"]
        split = rows[rows["source"] == "split"]
        xs = x - 0.3 + 0.25 * np.arange(len(chunks)) / max(len(chunks) - 1, 1)
        values = chunks[quantity].to_numpy(dtype=float)
        ax.errorbar(xs, values,
                    yerr=_error(values, chunks[f"{quantity}_ci_low"],
                                chunks[f"{quantity}_ci_high"]),
                    fmt="o", ms=3, lw=0.8, color=CHUNK_COLOR, gid=CHUNK_GID)
        verdict = summary[(summary["corpus"] == corpus) & (summary["target"] == target)
                          & (summary["quantity"] == quantity)]
        if len(verdict) and np.isfinite(verdict["interval_low"].iloc[0]):
            ax.plot([x - 0.02] * 2, [verdict["interval_low"].iloc[0],
                                     verdict["interval_high"].iloc[0]],
                    lw=4, color=INTERVAL_COLOR, solid_capstyle="butt", zorder=0)
        value = split[quantity].to_numpy(dtype=float)
        color = colors.get(target, "0.2")
        label = verdict["verdict"].iloc[0] if len(verdict) else ""
        if np.isfinite(value).all():
            ax.errorbar([x + 0.15], value,
                        yerr=_error(value, split[f"{quantity}_ci_low"],
                                    split[f"{quantity}_ci_high"]),
                        fmt="s", ms=5, lw=1.2, color=color)
            if label:
                ax.annotate(label, (x + 0.15, value[0]), textcoords="offset points",
                            xytext=(6, 0), fontsize=7, va="center")
        else:  # nothing to draw: say so where the split's value would be
            ax.text(x + 0.15, 0.5, f"{target}: no value" + (f" ({label})" if label else ""),
                    transform=ax.get_xaxis_transform(), rotation=90, fontsize=7, color=color,
                    ha="center", va="center", gid=NO_VALUE_GID)
        have = int(np.isfinite(values).sum())
        ticks.append(target if have == len(values) else f"{target}\n{have} of {len(values)} chunks")
    ax.set_xticks(range(len(targets)), ticks)
    ax.set_xlim(-0.5, len(targets) - 0.3)
    ax.axhline(0, lw=0.5, color="0.7")
    ax.set(ylabel=QUANTITY_LABELS.get(quantity, quantity),
           title=f"{CORPUS_TITLES.get(corpus, corpus)}: long range")


def _error(values, low, high) -> np.ndarray:
    """Asymmetric error bars from CI columns (0 where the CI is missing)."""
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    return np.nan_to_num(np.vstack([values - low, high - values]).clip(min=0))


def _key(ax, targets: list[str], colors: dict, curves: list[pd.DataFrame]) -> None:
    """The figure's one legend, in a panel of its own: what every line and marker is (the
    panels hold none, so that no legend covers their data)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ax.axis("off")
    lines = [Line2D([], [], color="black", ls="--", lw=1, label="train (all)"),
             Line2D([], [], color=CHUNK_COLOR, lw=0.8, label="train chunks, each the size of "
                    "the split")]
    lines += [(Patch(color=colors.get(t, "0.2"), alpha=0.25, lw=0),
               Line2D([], [], color=colors.get(t, "0.2"), lw=1.4)) for t in targets]
    labels = [line.get_label() for line in lines[:2]] + [f"{t} (95% band)" for t in targets]
    first = ax.legend(lines, labels, title="I(τ) panels; " + floors_key(curves),
                      loc="upper left", bbox_to_anchor=(0, 1), fontsize=8, title_fontsize=8,
                      frameon=False, alignment="left")
    ax.add_artist(first)
    marks = [Line2D([], [], color=CHUNK_COLOR, marker="o", ms=3, lw=0.8),
             Line2D([], [], color=INTERVAL_COLOR, lw=4, solid_capstyle="butt"),
             Line2D([], [], color="0.2", marker="s", ms=5, lw=1.2, ls="none")]
    ax.legend(marks, ["a training chunk's value (95% CI), one per chunk",
                      "the chunks' 95% prediction interval",
                      "the split's value (95% CI), labelled with its verdict"],
              title="long-range panels (\"k of n chunks\": only k of the\nchunks have a value; "
                    "γ needs the curve positive\nthroughout the long-range window)",
              loc="lower left", bbox_to_anchor=(0, 0), fontsize=8, title_fontsize=8,
              frameon=False, alignment="left")


def make_figure(curves: pd.DataFrame, table: pd.DataFrame, summary: pd.DataFrame):
    """The control figure from :func:`collect_curves`, ``miscaling.controls``'s
    ``size_matched_table`` and ``compare_to_chunks``: per corpus a row of I(τ) panels (one per
    split that chunks were cut for) and below it a row of long-range panels (one per
    quantity); beside the first corpus's I(τ) panels, the key to every panel."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    setup_style()
    present = set(table["corpus"])
    corpora = [c for c in CORPUS_TITLES if c in present] + sorted(present - set(CORPUS_TITLES))
    targets = {corpus: _targets(curves, corpus) for corpus in corpora}
    n_curve_panels = max(len(t) for t in targets.values())
    ncols = max(n_curve_panels + 1, len(QUANTITIES))
    fig, axes = plt.subplots(2 * len(corpora), ncols,
                             figsize=(PANEL_SIZE[0] * ncols, PANEL_SIZE[1] * 2 * len(corpora)),
                             squeeze=False)
    colors = dict(zip(SPLITS, sns.color_palette("colorblind", len(SPLITS))))
    for index, corpus in enumerate(corpora):
        curve_row, quantity_row = axes[2 * index], axes[2 * index + 1]
        for ax, target in zip(curve_row, targets[corpus]):
            _curve_panel(ax, curves, corpus, target, colors.get(target, "0.2"))
        for ax, quantity in zip(quantity_row, QUANTITIES):
            _quantity_panel(ax, table, summary, corpus, targets[corpus], quantity, colors)
        spare = [*curve_row[len(targets[corpus]):], *quantity_row[len(QUANTITIES):]]
        for ax in spare:
            ax.set_visible(False)
        if index == 0:
            spare[0].set_visible(True)
            drawn = curves[curves["corpus"].isin(corpora)]
            _key(spare[0], list(dict.fromkeys(t for c in corpora for t in targets[c])), colors,
                 [group for _, group in drawn.groupby(["corpus", "target", "chunk"],
                                                       dropna=False)])
    sns.despine(fig)
    fig.tight_layout()
    return fig
