"""Figures 2, 3(b–d), 8 and 10: the language models' samples on WikiText-2, at character level.

Every curve is drawn with what it must be read against (a 2 MB sample's shuffle floor is about
1e-3 nats, as large as the data's long-range signal): its own floor (the sample set's
``baseline``, dotted, in the curve's colour; the curve fades where it is not above it; the
within-sequence floor ``baseline_within`` dash-dotted: what each stream's own character mix
gives), the
size-matched data reference (contiguous training text of the same length, measured the same
way; grey dashed) and the training-data curve (black).

* Figure 2: (a) character-level LSTM I(τ) by width (depth 1) with the semi-log inset at
  intermediate τ, (b) word-level LSTM by width (depth 1).
* ``fig3_text``: Figure 3 (b) character-level Transformer, (c) word-level Transformer,
  (d) GPT-2; panel (a), the binary data, stays ``fig3`` (its inputs are the binary pipeline's,
  so either pipeline draws without the other).
* Figure 8: (a) LSTM ξ vs width (depth 1), character and word level, (b) ξ vs depth at the
  depth-sweep widths (paper: 128 char, 512 word); Figure 10: the same for Transformers.  The
  training data's ξ is the grey dashed line and band (as in Figures 1(c), 9).

Input tables carry the labels of ``miscaling mi/fit --label``: corpus, level (the model's own
tokens, char or word), arch, width, depth; references also ``reference``.  Each figure is a
pure ``make_*`` function of tidy tables; :func:`drawn_points` is the CSV behind it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from miscaling.io import require_columns
from miscaling.mi.sizes import describe_amount, sample_sizes
from miscaling.model_summary import ARCH_TITLES, LEVEL_TITLES, TEXT_KEYS, model_table
from miscaling.plots.common import (
    WITHIN_FLOOR_PART,
    draw_curve,
    floors_key,
    has_within_floor,
    integer_axis,
    semilog_inset,
    setup_style,
)
from miscaling.plots.models import QUALITATIVE, _label, _plot_xi, algebraic_mask

#: The figures of this module, with the one-line description ``miscaling figure`` shows.
TITLES = {
    "fig2": "Figure 2: character- and word-level LSTM sample I(tau) on WikiText-2 by width",
    "fig3_text": "Figure 3(b-d): character- and word-level Transformer and GPT-2 sample I(tau)",
    "fig8": "Figure 8: LSTM correlation length vs width and depth on WikiText-2",
    "fig10": "Figure 10: Transformer correlation length vs width and depth on WikiText-2",
}
CURVE_FIGURES, XI_FIGURES = ("fig2", "fig3_text"), ("fig8", "fig10")
LEVEL_COLORS = {"char": "tab:blue", "word": "tab:red"}
#: Where the inset sits in panel (a), in axes fractions: the upper right, where the curves have
#: reached their floors (lower left: the legend).
INSET_BOUNDS = (0.55, 0.55, 0.42, 0.38)
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


def _concat(tables: list[pd.DataFrame], required: list[str], what: str) -> pd.DataFrame:
    if not tables:
        raise ValueError(f"no {what} given")
    frame = pd.concat(tables, ignore_index=True)
    require_columns(frame, required, what)
    return frame


def collect_curves(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The samples' I(tau) tables, stacked (labels level, arch, width, depth; ``baseline`` is
    the sample set's own shuffle floor)."""
    return _concat(tables, [*TEXT_KEYS, "lag", "mi", "baseline"], "text model I(tau) table")


def collect_references(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The size-matched references' I(tau) tables, labelled like the samples they match."""
    return _concat(tables, [*TEXT_KEYS, "lag", "mi"], "size-matched reference I(tau) table")


def data_curve(table: pd.DataFrame) -> pd.DataFrame:
    """The training data's I(tau) table (``wikitext2_char`` train)."""
    require_columns(table, ["lag", "mi"], "training data I(tau) table")
    return table


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
    return model_table(_concat(tables, FIT_COLUMNS, "text model fit table"), keys=TEXT_KEYS)


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


def _draw_context(ax, references: pd.DataFrame, data: pd.DataFrame | None) -> None:
    labelled, floors = False, []
    for _, ref in references.groupby(TEXT_KEYS):
        ref = ref.sort_values("lag")
        ax.plot(ref["lag"], ref["mi"].where(ref["mi"] > 0), "--", lw=0.9, color="0.55",
                label=None if labelled else "size-matched data")
        labelled = True
        # Its within floor says up to which τ even the training text, cut like the samples,
        # shows more than each sequence's own character mix (drawn once per distinct floor).
        if has_within_floor(ref):
            floor = ref["baseline_within"].to_numpy(float)
            if not any(np.array_equal(floor, seen) for seen in floors):
                floors.append(floor)
                ax.plot(ref["lag"], np.where(floor > 0, floor, np.nan), "-.", lw=0.7,
                        color="0.55", alpha=0.8, gid=WITHIN_FLOOR_PART)
    if data is not None:
        draw_curve(ax, data, "black", "training data", lw=1.4)


def _curve_panel(ax, models: pd.DataFrame, references: pd.DataFrame,
                 data: pd.DataFrame | None, title: str, legend: str,
                 inset: bool = False) -> dict:
    """One panel of sample curves; returns the colour of each model key."""
    keys = sorted({(int(w), int(d)) for w, d in zip(models["width"], models["depth"])},
                  key=lambda key: (key[1] > 1, key))  # depth 1 first, as the binary figures
    colors = {key: QUALITATIVE[i % len(QUALITATIVE)] for i, key in enumerate(keys)}
    _draw_context(ax, references, data)
    for (width, depth), curve in models.groupby(["width", "depth"]):
        draw_curve(ax, curve, colors[(int(width), int(depth))], _label(int(width), int(depth)))
    ax.set(xscale="log", yscale="log", xlabel=r"$\tau$ (characters)",
           ylabel=r"$I(\tau)$ (nats)", title=title)
    # the curves fall from the upper left to their floors at the bottom: the legend goes to
    # the upper right, or just below the inset where one takes that corner
    place = {"loc": "center right", "bbox_to_anchor": (1.0, 0.42)} if inset else \
        {"loc": "upper right"}
    drawn = [curve for _, curve in models.groupby(["width", "depth"])]
    drawn += [ref for _, ref in references.groupby(TEXT_KEYS)] if len(references) else []
    drawn += [data] if data is not None else []
    ax.legend(title=f"{legend}\n{floors_key(drawn)}", fontsize=7, title_fontsize=7, ncols=2,
              frameon=False, **place)
    return colors


def make_curve_figure(figure: str, curves: pd.DataFrame, references: pd.DataFrame | None,
                      data: pd.DataFrame | None, gpt2: pd.DataFrame | None = None,
                      inset: tuple[float, float] | None = INSET_LAGS):
    """Figure 2 (``fig2``, with the semi-log ``inset`` lags on panel (a); None: no inset) or
    Figure 3(b–d) (``fig3_text``, GPT-2 in panel (d))."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    panels = PANELS[figure]
    setup_style()
    n = len(panels) + (figure == "fig3_text")
    fig, axes = plt.subplots(1, n, figsize=(5.2 * n, 4.4), squeeze=False)
    for ax, (panel, level, arch, shallow, title) in zip(axes[0], panels):
        models = _models(curves, level, arch, shallow)
        with_inset = panel == "a" and inset is not None and not models.empty
        colors = _curve_panel(ax, models, _match(references, models), data, title,
                              "width" if shallow else "width(×depth)", with_inset)
        if with_inset:
            drawn = [(curve, colors[(int(w), int(d))], 0.9)
                     for (w, d), curve in models.groupby(["width", "depth"])]
            semilog_inset(ax, drawn + ([(data, "black", 1.1)] if data is not None else []),
                          inset, bounds=INSET_BOUNDS)
    _note_sizes(fig, figure, curves, data, gpt2)
    if figure == "fig3_text":
        ax = axes[0, -1]
        _draw_context(ax, _match(None, curves), data)
        shown = gpt2 if gpt2 is not None else pd.DataFrame(columns=["sample_set"])
        palette = sns.color_palette("rocket", max(shown["sample_set"].nunique(), 1))
        for color, (name, curve) in zip(palette, shown.groupby("sample_set")):
            draw_curve(ax, curve, color, name)
        ax.set(xscale="log", yscale="log", xlabel=r"$\tau$ (characters)",
               ylabel=r"$I(\tau)$ (nats)", title="(d) GPT-2 samples (BPE; WebText)")
        drawn = [curve for _, curve in shown.groupby("sample_set")]
        ax.legend(title=floors_key(drawn + ([data] if data is not None else [])), fontsize=7,
                  title_fontsize=7, frameon=False)
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
                   char_width: int = 128, word_width: int = 512):
    """Figure 8 (LSTM) or 10 (Transformer): (a) ξ vs width at depth 1, (b) ξ vs depth at
    ``char_width`` / ``word_width``; the training data's ξ as the grey line and band."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    arch = {"fig8": "lstm", "fig10": "transformer"}[figure]
    shallow, deep = _sweeps(table, arch, {"char": char_width, "word": word_width})
    setup_style()
    fig, (ax_w, ax_d) = plt.subplots(1, 2, figsize=(10, 4.2))
    _plot_xi(ax_w, table, "width", shallow, reference,
             rf"(a) {ARCH_TITLES[arch]} $\xi$ vs width (depth 1)")
    integer_axis(ax_w, [w for g in shallow for w in g[1]["width"]], log2=True)
    _plot_xi(ax_d, table, "depth", deep, reference, rf"(b) {ARCH_TITLES[arch]} $\xi$ vs depth")
    integer_axis(ax_d, [d for g in deep for d in g[1]["depth"]])
    sns.despine(fig)
    fig.tight_layout()
    return fig


def drawn_xi(figure: str, table: pd.DataFrame, char_width: int = 128,
             word_width: int = 512, curves: pd.DataFrame | None = None) -> pd.DataFrame:
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
