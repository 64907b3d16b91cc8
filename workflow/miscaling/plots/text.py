"""Figures 2, 3(b–d), 8 and 10: the language models' samples, measured at character level.

Every curve is drawn against its own floors (dotted; the within-sequence floor dash-dotted),
the size-matched data reference (grey dashed) and the training data (black); legends sit beside
their panels.  Figures 8 and 10 draw ξ vs width (depth 1) and vs depth at the depth-sweep
widths.  Inputs carry the labels corpus, level, arch, width, depth (references: ``reference``);
each figure is a pure ``make_*`` function of tidy tables, :func:`drawn_points` its CSV.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from miscaling.io import require_columns
from miscaling.mi.sizes import describe_amount, sample_sizes
from miscaling.model_summary import ARCH_TITLES, LEVEL_TITLES, TEXT_KEYS
from miscaling.plots import models
from miscaling.plots.common import (  # noqa: F401  (data_curve: the figures' API)
    LEGEND_BESIDE,
    WITHIN_FLOOR_PART,
    clip_below_floors,
    data_curve,
    draw_curve,
    floors_key,
    has_within_floor,
    integer_axis,
    semilog_inset,
    setup_style,
    stack_tables,
)
from miscaling.plots.models import QUALITATIVE, algebraic_mask, model_label, plot_xi
from miscaling.recipes import DEPTH_SWEEP_WIDTHS

CURVE_FIGURES, XI_FIGURES = ("fig2", "fig3_text"), ("fig8", "fig10")
LEVEL_COLORS = {"char": "tab:blue", "word": "tab:red"}
#: The size of a curve panel with its legend beside it (inches).
PANEL_WIDTH, PANEL_HEIGHT = 6.6, 4.4
#: The semi-log inset of Figure 2(a): τ from … to (the intermediate distance).
INSET_LAGS = (10, 200)
#: The columns of the curves' CSV (``fig2.csv``, ``fig3_text.csv``), missing ones left empty.
DRAWN_COLUMNS = ["panel", "role", *TEXT_KEYS, "sample_set", "lag", "mi", "ci_low", "ci_high",
                 "baseline", "baseline_sd", "baseline_within", "baseline_within_sd", "n_pairs"]
FIT_COLUMNS = [*TEXT_KEYS, "model", "parameter", "value", "ci_low", "ci_high", "aicc"]
#: (panel, level, arch, depth-1 only, title) of each curve figure's model panels.
PANELS = {
    "fig2": [("a", "char", "lstm", True, "(a) character-level LSTM samples"),
             ("b", "word", "lstm", True, "(b) word-level LSTM samples")],
    "fig3_text": [("b", "char", "transformer", False, "(b) character-level Transformer samples"),
                  ("c", "word", "transformer", False, "(c) word-level Transformer samples")],
}


def collect_curves(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The samples' I(tau) tables, stacked (labels level, arch, width, depth; ``baseline`` is
    the sample set's own shuffle floor)."""
    return stack_tables(tables, [*TEXT_KEYS, "lag", "mi", "baseline"], "text model I(tau) table")


def collect_references(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The size-matched references' I(tau) tables, labelled like the samples they match."""
    return stack_tables(tables, [*TEXT_KEYS, "lag", "mi"], "size-matched reference I(tau) table")


def collect_gpt2(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """GPT-2 sample I(tau) tables, each named by its ``model_size`` label if it has one (e.g.
    ``--label model_size=1542M``), else ``GPT-2`` (numbered when there are several)."""
    named = []
    for i, table in enumerate(tables):
        require_columns(table, ["lag", "mi", "baseline"], "GPT-2 I(tau) table")
        name = (f"GPT-2 {table['model_size'].iloc[0]}" if "model_size" in table
                else "GPT-2" if len(tables) == 1 else f"GPT-2 ({i + 1})")
        named.append(table.assign(sample_set=name))
    return pd.concat(named, ignore_index=True) if named else pd.DataFrame(columns=["lag", "mi"])


def collect_fits(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The samples' fit tables, stacked, as one row per model (``model_table`` on TEXT_KEYS)."""
    return models.collect_fits(tables, TEXT_KEYS, "text model fit table")


# --------------------------------------------------------------------------- curves


def _models(curves: pd.DataFrame, level: str, arch: str, shallow: bool) -> pd.DataFrame:
    sub = curves[(curves["level"] == level) & (curves["arch"] == arch)]
    return sub[sub["depth"] == 1] if shallow else sub


def _match(references: pd.DataFrame | None, models: pd.DataFrame) -> pd.DataFrame:
    """The references of the models drawn."""
    if references is None or references.empty:
        return pd.DataFrame(columns=[*TEXT_KEYS, "lag", "mi"])
    keys = models[TEXT_KEYS].drop_duplicates()
    return references.merge(keys, on=TEXT_KEYS)


def _draw_context(ax, references: pd.DataFrame, data: pd.DataFrame | None) -> list:
    """The size-matched references (grey dashed, their within floor grey dash-dotted, once per
    distinct floor) and the training data's curve (black); returns the values of the grey
    lines, which the axis must show (:func:`~miscaling.plots.common.clip_below_floors`)."""
    labelled, floors = False, []
    drawn = []
    for _, ref in references.groupby(TEXT_KEYS):
        ref = ref.sort_values("lag")
        ax.plot(ref["lag"], ref["mi"].where(ref["mi"] > 0), "--", lw=0.9, color="0.55",
                label=None if labelled else "size-matched data")
        drawn.append(ref["mi"].to_numpy(float))
        labelled = True
        # Its within floor says up to which τ even the training text, cut like the samples,
        # shows more than each sequence's own character mix (drawn once per distinct floor).
        if has_within_floor(ref):
            floor = ref["baseline_within"].to_numpy(float)
            if not any(np.array_equal(floor, seen) for seen in floors):
                floors.append(floor)
                ax.plot(ref["lag"], np.where(floor > 0, floor, np.nan), "-.", lw=0.7,
                        color="0.55", alpha=0.8, gid=WITHIN_FLOOR_PART)
                drawn.append(floor)
    if data is not None:
        draw_curve(ax, data, "black", "training data", lw=1.4)
    return drawn


def _curve_panel(ax, models: pd.DataFrame, references: pd.DataFrame,
                 data: pd.DataFrame | None, title: str, legend: str) -> dict:
    """One panel of sample curves; returns the colour of each model key."""
    keys = sorted({(int(w), int(d)) for w, d in zip(models["width"], models["depth"])},
                  key=lambda key: (key[1] > 1, key))  # depth 1 first, as the binary figures
    colors = {key: QUALITATIVE[i % len(QUALITATIVE)] for i, key in enumerate(keys)}
    context = _draw_context(ax, references, data)
    for (width, depth), curve in models.groupby(["width", "depth"]):
        draw_curve(ax, curve, colors[(int(width), int(depth))], model_label(int(width), int(depth)))
    ax.set(xscale="log", yscale="log", xlabel=r"$\tau$ (characters)",
           ylabel=r"$I(\tau)$ (nats)", title=title)
    curves = [curve for _, curve in models.groupby(["width", "depth"])]
    curves += [data] if data is not None else []
    axis = clip_below_floors(ax, curves, extra=context)
    drawn = curves + ([ref for _, ref in references.groupby(TEXT_KEYS)] if len(references)
                      else [])
    _legend(ax, legend + "\n" + floors_key(drawn, sep="\n", axis=axis))
    return colors


def _legend(ax, title: str) -> None:
    """The panel's legend beside it (inside, it would cover data: the curves fall from the
    upper left to their floors, which span the panel)."""
    entries = len(ax.get_legend_handles_labels()[0])
    ax.legend(title=title, fontsize=7, title_fontsize=7, ncols=1 if entries <= 10 else 2,
              **LEGEND_BESIDE)


def make_curve_figure(figure: str, curves: pd.DataFrame, references: pd.DataFrame | None,
                      data: pd.DataFrame | None, gpt2: pd.DataFrame | None = None,
                      inset: tuple[float, float] | None = INSET_LAGS):
    """Figure 2 (``fig2``, with the semi-log ``inset`` lags on panel (a); None: no inset) or
    Figure 3(b–d) (``fig3_text``, GPT-2 in panel (d))."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    panels = PANELS[figure]
    setup_style()
    # each panel with its legend (and Figure 2(a)'s inset) beside it; Figure 3(b-d) in two rows
    n = len(panels) + (figure == "fig3_text")
    rows, cols = (1, n) if n <= 2 else (2, 2)
    fig = plt.figure(figsize=(PANEL_WIDTH * cols, PANEL_HEIGHT * rows))
    grid = fig.add_gridspec(rows, cols)
    axes = [fig.add_subplot(grid[i // cols, i % cols]) for i in range(n)]
    for ax, (panel, level, arch, shallow, title) in zip(axes, panels):
        models = _models(curves, level, arch, shallow)
        colors = _curve_panel(ax, models, _match(references, models), data, title,
                              "width" if shallow else "width(×depth)")
        if panel == "a" and inset is not None and not models.empty:
            drawn = [(curve, colors[(int(w), int(d))], 0.9)
                     for (w, d), curve in models.groupby(["width", "depth"])]
            semilog_inset(ax, drawn + ([(data, "black", 1.1)] if data is not None else []),
                          inset)
    _note_sizes(fig, figure, curves, data, gpt2)
    if figure == "fig3_text":
        ax = axes[-1]
        _draw_context(ax, _match(None, curves), data)
        shown = gpt2 if gpt2 is not None else pd.DataFrame(columns=["sample_set"])
        palette = sns.color_palette("rocket", max(shown["sample_set"].nunique(), 1))
        for color, (name, curve) in zip(palette, shown.groupby("sample_set")):
            draw_curve(ax, curve, color, name)
        ax.set(xscale="log", yscale="log", xlabel=r"$\tau$ (characters)",
               ylabel=r"$I(\tau)$ (nats)", title="(d) GPT-2 samples (BPE; WebText)")
        drawn = [curve for _, curve in shown.groupby("sample_set")]
        drawn += [data] if data is not None else []
        axis = clip_below_floors(ax, drawn)
        _legend(ax, floors_key(drawn, sep="\n", axis=axis))
    sns.despine(fig)
    fig.tight_layout()
    return fig


def _note_sizes(fig, figure: str, curves: pd.DataFrame, data: pd.DataFrame | None,
                gpt2: pd.DataFrame | None) -> None:
    """Head ``fig`` with the sequences × length behind its curves, read from the tables' pair
    counts (:func:`~miscaling.mi.sizes.describe_amount`): per panel's models, the training
    data and GPT-2; nothing when the tables cannot say."""
    groups = []
    for _, level, arch, shallow, _title in PANELS[figure]:
        models = _models(curves, level, arch, shallow)
        groups.append((f"{level} {ARCH_TITLES[arch]}",
                       [curve for _, curve in models.groupby(["width", "depth"])]))
    if figure == "fig3_text" and gpt2 is not None:
        groups.append(("GPT-2", [curve for _, curve in gpt2.groupby("sample_set")]))
    groups.append(("training data", [data] if data is not None else []))
    parts = []
    for name, tables in groups:
        amounts = list(dict.fromkeys(a for a in map(describe_amount, tables) if a))
        if amounts:
            parts.append(f"{name} {' / '.join(amounts)}")
    if parts:
        fig.suptitle(f"sequences × length: {'; '.join(parts)}", fontsize=9)


def drawn_curves(figure: str, curves: pd.DataFrame, references: pd.DataFrame | None,
                 data: pd.DataFrame | None, gpt2: pd.DataFrame | None = None) -> pd.DataFrame:
    """The points behind a curve figure: every drawn row with its ``panel`` and ``role``
    (samples — their ``baseline`` is the floor drawn —, size_matched, training_data, gpt2)."""
    parts = []
    for panel, level, arch, shallow, _ in PANELS[figure]:
        models = _models(curves, level, arch, shallow)
        parts += [models.assign(panel=panel, role="samples"),
                  _match(references, models).assign(panel=panel, role="size_matched")]
        if data is not None:
            parts.append(data.assign(panel=panel, role="training_data"))
    if figure == "fig3_text":
        if gpt2 is not None:
            parts.append(gpt2.assign(panel="d", role="gpt2"))
        if data is not None:
            parts.append(data.assign(panel="d", role="training_data"))
    parts = [p for p in parts if not p.empty]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return table.reindex(columns=DRAWN_COLUMNS)


# --------------------------------------------------------------------------- xi


def _sweeps(table: pd.DataFrame, arch: str, widths: dict[str, int]):
    """(a) depth-1 rows per level, (b) the depth sweep per level at ``widths[level]``."""
    sub = table[table["arch"] == arch]
    shallow = [(LEVEL_TITLES[level], rows[rows["depth"] == 1], LEVEL_COLORS[level])
               for level, rows in sub.groupby("level") if level in LEVEL_TITLES]
    deep = [(f"{LEVEL_TITLES[level]}, width {widths[level]}",
             rows[rows["width"] == widths[level]], LEVEL_COLORS[level])
            for level, rows in sub.groupby("level") if level in LEVEL_TITLES]
    return ([g for g in shallow if not g[1].empty], [g for g in deep if not g[1].empty])


def make_xi_figure(figure: str, table: pd.DataFrame, reference: tuple[float, float, float],
                   char_width: int = DEPTH_SWEEP_WIDTHS["char"],
                   word_width: int = DEPTH_SWEEP_WIDTHS["word"]):
    """Figure 8 (LSTM) or 10 (Transformer): (a) ξ vs width at depth 1, (b) ξ vs depth at
    ``char_width`` / ``word_width``; the training data's ξ as the grey line and band."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    arch = {"fig8": "lstm", "fig10": "transformer"}[figure]
    shallow, deep = _sweeps(table, arch, {"char": char_width, "word": word_width})
    setup_style()
    fig, (ax_w, ax_d) = plt.subplots(1, 2, figsize=(10, 4.2))
    plot_xi(ax_w, table, "width", shallow, reference,
             rf"(a) {ARCH_TITLES[arch]} $\xi$ vs width (depth 1)")
    integer_axis(ax_w, [w for g in shallow for w in g[1]["width"]], log2=True)
    plot_xi(ax_d, table, "depth", deep, reference, rf"(b) {ARCH_TITLES[arch]} $\xi$ vs depth")
    integer_axis(ax_d, [d for g in deep for d in g[1]["depth"]])
    sns.despine(fig)
    fig.tight_layout()
    return fig


def drawn_xi(figure: str, table: pd.DataFrame, char_width: int = DEPTH_SWEEP_WIDTHS["char"],
             word_width: int = DEPTH_SWEEP_WIDTHS["word"],
             curves: pd.DataFrame | None = None) -> pd.DataFrame:
    """The points behind Figure 8/10: the model rows of each panel, with a ``panel`` column;
    given the samples' ``curves``, the sequences and symbols behind each model (``n_sequences``,
    ``n_symbols``, from the pair counts; empty otherwise)."""
    arch = {"fig8": "lstm", "fig10": "transformer"}[figure]
    shallow, deep = _sweeps(table, arch, {"char": char_width, "word": word_width})
    parts = [g[1].assign(panel=panel) for panel, groups in (("a", shallow), ("b", deep))
             for g in groups]
    columns = ["panel", *TEXT_KEYS, "xi", "xi_ci_low", "xi_ci_high", "xi_is_correlation_length",
               "reference_xi", "reference_xi_ci_low", "reference_xi_ci_high", "n_points",
               "lag_max", "n_sequences", "n_symbols"]
    drawn = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=TEXT_KEYS)
    if len(drawn):
        drawn = drawn.assign(xi_is_correlation_length=~algebraic_mask(drawn))
    if curves is not None and len(drawn):
        drawn = drawn.drop(columns=["n_sequences", "n_symbols"], errors="ignore").merge(
            sample_sizes(curves, TEXT_KEYS), on=TEXT_KEYS, how="left")
    return drawn.reindex(columns=columns)
