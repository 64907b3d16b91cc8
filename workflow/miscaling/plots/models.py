"""Figures 1, 3(a), 7 and 9: mutual information of samples of the binary models.

Each figure reads the samples' I(τ) and fits (labels arch, width, depth), the training data's
I(τ) and its fit (the reference ξ, dashed, with its band) and is headed by the sequences ×
length behind it.  ``make_figN(...) -> Figure`` draws it from tidy tables; :func:`drawn_points`
is the CSV written beside it.  Curves follow :func:`~miscaling.plots.common.draw_curve`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from miscaling.choices import state_values
from miscaling.mi.sizes import sample_sizes
from miscaling.model_summary import ARCH_TITLES, MODEL_KEYS, model_table
from miscaling.plots.common import (  # noqa: F401  (data_curve: the figures' API)
    LEGEND_BESIDE,
    clip_below_floors,
    data_curve,
    describe_sizes,
    draw_curve,
    floors_key,
    integer_axis,
    semilog_inset,
    setup_style,
    stack_tables,
)

ARCH_COLORS = {"rnn": "tab:orange", "lstm": "tab:blue", "transformer": "tab:green",
               "ssm": "tab:purple"}
#: The recurrent architectures drawn against their state size in the SSM figure.
STATEFUL = ("rnn", "lstm", "ssm")
#: The columns of a fit table beside the model's labels.
FIT_VALUE_COLUMNS = ["model", "parameter", "value", "ci_low", "ci_high", "aicc"]
FIT_COLUMNS = [*MODEL_KEYS, *FIT_VALUE_COLUMNS]
#: The semi-log insets of Figure 1(a, b): τ from … to (cut to the longest lag measured).
INSET_LAGS = (1, 100)
#: One colour per model of a panel: tab10 without its grey (the training data is black, its ξ
#: band grey), then colours of matplotlib's qualitative maps (Dark2, Accent, tab20, tab20b,
#: Set3) and a few named ones, each chosen as the farthest in CIELAB from all before it
#: and from black: any two of the 22 are at least 25 ΔE apart (neighbours in viridis, 13 of
#: them, are 10).
QUALITATIVE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22",
    "#17becf", "#637939", "#f0027f", "#4b0082", "#a6761d", "#ff9896", "#1b9e77", "#393b79",
    "#800000", "#e6ab02", "#00bfff", "#fdb462", "#9c9ede", "#7fc97f",
]
#: Depth > 1 is drawn dashed with a marker per depth (depth 1: solid, no marker), so that a
#: deeper model reads as such even where colours come close.
DEPTH_MARKERS = ["o", "s", "^", "D", "v", "P", "X"]


def collect_curves(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The samples' I(tau) tables, stacked (labels arch, width, depth)."""
    return stack_tables(tables, [*MODEL_KEYS, "lag", "mi"], "model I(tau) table")


def collect_fits(tables: list[pd.DataFrame], keys=MODEL_KEYS,
                 what: str = "model fit table") -> pd.DataFrame:
    """The samples' fit tables (labels ``keys``), stacked, one row per model (``model_table``)."""
    return model_table(stack_tables(tables, [*keys, *FIT_VALUE_COLUMNS], what), keys=keys)


def model_label(width: int, depth: int) -> str:
    return f"{width}" if depth == 1 else f"{width}×{depth}"


def model_styles(frame: pd.DataFrame, arch: str) -> dict[tuple[int, int], dict]:
    """Line style of every (width, depth) of ``arch`` in ``frame`` (curves or fits): a colour
    of its own from :data:`QUALITATIVE` (the depth-1 widths first, in width order, then the
    deeper models), dashed with a :data:`DEPTH_MARKERS` marker when depth > 1.  Every figure
    draws a model with the style it has here, from the whole grid of its architecture."""
    sub = frame[frame["arch"] == arch]
    keys = sorted({(int(w), int(d)) for w, d in zip(sub["width"], sub["depth"])},
                  key=lambda key: (key[1] > 1, key[1], key[0]))
    return {(width, depth): {
        "color": QUALITATIVE[i % len(QUALITATIVE)],
        "linestyle": "-" if depth == 1 else "--",
        "marker": None if depth == 1 else DEPTH_MARKERS[(depth - 2) % len(DEPTH_MARKERS)],
    } for i, (width, depth) in enumerate(keys)}


def _note_sizes(fig, models: pd.DataFrame, data: pd.DataFrame | None) -> None:
    """Head ``fig`` with the sizes behind it, read from the tables' pair counts
    (:func:`~miscaling.plots.common.describe_sizes`): ``sequences × length: 2,000 × 512 per
    model; training data 10,000 × 512``; nothing when they cannot say."""
    parts = [(what, describe_sizes(tables)) for what, tables in (
        ("per model", [group for _, group in models.groupby(MODEL_KEYS)] if len(models) else []),
        ("training data", [data] if data is not None else []))]
    parts = [f"{size} {what}" if what == "per model" else f"{what} {size}"
             for what, size in parts if size]
    if parts:
        fig.suptitle(f"sequences × length: {'; '.join(parts)}", fontsize=9)


def _plot_curves(ax, curves: pd.DataFrame, arch: str, title: str, data: pd.DataFrame | None,
                 inset: tuple[float, float] | None = None) -> None:
    """The samples' I(tau) of ``arch``, each against its floor, with the training data's curve
    (black), the sample sizes in the legend and, given ``inset`` lags, the semi-log inset."""
    sub = curves[curves["arch"] == arch]
    styles = model_styles(curves, arch)
    groups = [((int(w), int(d)), group) for (w, d), group in sub.groupby(["width", "depth"])]
    groups.sort(key=lambda item: list(styles).index(item[0]))  # the legend in palette order
    for key, group in groups:
        style = styles[key]
        draw_curve(ax, group, style["color"], model_label(*key), linestyle=style["linestyle"],
                   marker=style["marker"])
    if data is not None:
        draw_curve(ax, data, "black", "training data", lw=1.4)
    ax.set(xscale="log", yscale="log", xlabel=r"$\tau$", ylabel=r"$I(\tau)$ (nats)", title=title)
    drawn = [group for _, group in groups] + ([data] if data is not None else [])
    axis = clip_below_floors(ax, drawn)
    if inset is not None and groups:
        semilog_inset(ax, [(group, styles[key]["color"], 0.9, styles[key]["linestyle"])
                           for key, group in groups]
                      + ([(data, "black", 1.1)] if data is not None else []), inset)
    if drawn:
        ax.legend(title="width(×depth)\n" + floors_key(drawn, sep="\n", axis=axis),
                  fontsize=7, title_fontsize=7, ncols=1 if len(drawn) <= 10 else 2,
                  **LEGEND_BESIDE)


#: The verdict columns, in order of preference, that say a model's samples decay
#: algebraically, so that the ξ of an exponential fit to them is no correlation length.
VERDICT_COLUMNS = ("verdict_window", "verdict_mid", "verdict")


def algebraic_mask(group: pd.DataFrame) -> pd.Series:
    """Whether each model's samples decay algebraically by its first available verdict."""
    column = next((c for c in VERDICT_COLUMNS if c in group), None)
    if column is None:
        return pd.Series(False, index=group.index)
    return group[column] == "algebraic"


def plot_xi(ax, table: pd.DataFrame, x: str, groups: list[tuple],
             reference: tuple[float, float, float], title: str) -> None:
    """ξ with its interval against ``x``; ``groups`` are (label, rows[, color]).  A model whose
    samples decay algebraically is an open marker (its ξ measures no exponential decay); the
    size-matched training text's ξ (``reference_xi``, where the table has it) a grey square
    beside each model.  Models without a ξ (too few points above the fit's threshold) are
    named in the panel, so that an empty panel says why it is empty."""
    ref, ref_low, ref_high = reference
    unfitted, any_open, any_matched = [], False, False
    for label, group, *color in groups:
        group = group.sort_values(x)
        ok = np.isfinite(group["xi"])
        low = (group["xi"] - group["xi_ci_low"]).clip(lower=0)
        high = (group["xi_ci_high"] - group["xi"]).replace(np.inf, np.nan)
        line = ax.errorbar(group.loc[ok, x], group.loc[ok, "xi"],
                           yerr=[low[ok], high[ok].fillna(0)], fmt="o-", ms=4, capsize=3,
                           label=label, color=color[0] if color else None)
        algebraic = ok & algebraic_mask(group)
        if algebraic.any():
            any_open = True
            ax.plot(group.loc[algebraic, x], group.loc[algebraic, "xi"], "o", ms=7,
                    mfc="white", mec=line.lines[0].get_color(), zorder=3)
        if "reference_xi" in group and np.isfinite(group["reference_xi"]).any():
            any_matched = True
            matched = group[np.isfinite(group["reference_xi"])]
            ax.errorbar(matched[x], matched["reference_xi"],
                        yerr=[(matched["reference_xi"] - matched["reference_xi_ci_low"])
                              .clip(lower=0),
                              (matched["reference_xi_ci_high"] - matched["reference_xi"])
                              .replace(np.inf, np.nan).fillna(0)],
                        fmt="s", ms=4, capsize=2, color="0.45", mfc="none", lw=0.8)
        if not ok.all():
            unfitted.append(f"{label}: {x} {', '.join(str(int(v)) for v in group.loc[~ok, x])}")
    ax.axhline(ref, ls="--", color="0.4", lw=1, label="training data (95% band)")
    ax.axhspan(ref_low, ref_high, color="0.6", alpha=0.25, lw=0)
    if any_matched:
        ax.errorbar([], [], fmt="s", color="0.45", mfc="none",
                    label="size-matched training text")
    if any_open:
        ax.plot([], [], "o", mfc="white", mec="0.3",
                label="samples decay algebraically: xi is no correlation length")
    ax.set(xlabel=x, ylabel=r"$\xi$", title=title)
    ax.legend(frameon=False, fontsize=8)
    if unfitted:
        ax.text(0.02, 0.02, "no ξ (too few points to fit):\n" + "\n".join(unfitted),
                transform=ax.transAxes, fontsize=7, color="0.3", va="bottom")


def _depth_sweep_width(table: pd.DataFrame, arch: str) -> int | None:
    """The width with the most depths, the widest on ties (the paper's sweeps: 8 RNN/LSTM, 16
    Transformer)."""
    sub = table[table["arch"] == arch]
    if sub.empty:
        return None
    counts = sub.groupby("width")["depth"].nunique()
    return int(counts[counts == counts.max()].index.max())


def make_fig1(curves: pd.DataFrame, table: pd.DataFrame,
              reference: tuple[float, float, float], data: pd.DataFrame | None = None,
              inset: tuple[float, float] | None = INSET_LAGS):
    """(a, b) RNN and LSTM sample I(tau) with the training data's and semi-log ``inset``s
    (None: none); (c) xi vs width at depth 1; (d) xi vs depth."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    setup_style()
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    _plot_curves(axes[0, 0], curves, "rnn", "(a) vanilla RNN samples", data, inset)
    _plot_curves(axes[0, 1], curves, "lstm", "(b) LSTM samples", data, inset)
    recurrent = ["rnn", "lstm"]
    _note_sizes(fig, curves[curves["arch"].isin(recurrent)], data)
    shallow = table[(table["depth"] == 1) & table["arch"].isin(recurrent)]
    plot_xi(axes[1, 0], shallow, "width",
             [(ARCH_TITLES[a], g, ARCH_COLORS[a]) for a, g in shallow.groupby("arch")], reference,
             r"(c) $\xi$ vs width (depth 1)")
    integer_axis(axes[1, 0], shallow["width"], log2=True)
    deep = []
    for arch in recurrent:
        width = _depth_sweep_width(table, arch)
        if width is not None:
            deep.append((f"{ARCH_TITLES[arch]}, width {width}",
                         table[(table["arch"] == arch) & (table["width"] == width)],
                         ARCH_COLORS[arch]))
    plot_xi(axes[1, 1], table, "depth", deep, reference, r"(d) $\xi$ vs depth")
    integer_axis(axes[1, 1], [d for _, rows, _ in deep for d in rows["depth"]])
    sns.despine(fig)
    fig.tight_layout()
    return fig


def make_fig3(curves: pd.DataFrame, data: pd.DataFrame | None = None):
    """(a) Transformer sample I(tau) on the binary data, with the training data's."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    setup_style()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    _plot_curves(ax, curves, "transformer", "(a) Transformer samples, binary data", data)
    _note_sizes(fig, curves[curves["arch"] == "transformer"], data)
    sns.despine(fig)
    fig.tight_layout()
    return fig


def make_fig7(curves: pd.DataFrame, table: pd.DataFrame,
              reference: tuple[float, float, float], data: pd.DataFrame | None = None):
    """LSTM xi vs depth, one line per width with more than one depth, each in the colour its
    shallowest model has in Figure 1(b)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    lstm = table[table["arch"] == "lstm"]
    styles = model_styles(table, "lstm")
    swept = lstm.groupby("width")["depth"].nunique()
    groups = [(f"width {w}", lstm[lstm["width"] == w],
               styles[(int(w), int(lstm.loc[lstm["width"] == w, "depth"].min()))]["color"])
              for w in swept[swept > 1].index]
    setup_style()
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    plot_xi(ax, lstm, "depth", groups, reference, r"LSTM $\xi$ vs depth")
    _note_sizes(fig, curves[curves["arch"] == "lstm"], data)
    integer_axis(ax, [d for _, rows, _ in groups for d in rows["depth"]])
    sns.despine(fig)
    fig.tight_layout()
    return fig


def make_fig9(curves: pd.DataFrame, table: pd.DataFrame,
              reference: tuple[float, float, float], data: pd.DataFrame | None = None):
    """(a) Transformer xi vs width at depth 1; (b) xi vs depth at the depth-sweep width."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    transformer = table[table["arch"] == "transformer"]
    color = ARCH_COLORS["transformer"]
    setup_style()
    fig, (ax_w, ax_d) = plt.subplots(1, 2, figsize=(10, 4.2))
    _note_sizes(fig, curves[curves["arch"] == "transformer"], data)
    shallow = transformer[transformer["depth"] == 1]
    plot_xi(ax_w, shallow, "width", [("Transformer", shallow, color)], reference,
             r"(a) $\xi$ vs width (depth 1)")
    integer_axis(ax_w, shallow["width"], log2=True)
    width = _depth_sweep_width(transformer, "transformer")
    deep = transformer[transformer["width"] == width] if width else transformer.iloc[:0]
    plot_xi(ax_d, deep, "depth", [(f"width {width}", deep, color)], reference,
             r"(b) $\xi$ vs depth")
    integer_axis(ax_d, deep["depth"])
    sns.despine(fig)
    fig.tight_layout()
    return fig


def with_state_values(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``state_values``, the numbers each model carries from symbol to symbol
    (:func:`miscaling.choices.state_values`, the SSM at its default sizes)."""
    return table.assign(state_values=[
        float(state_values(arch, int(width), int(depth)) or np.nan)
        for arch, width, depth in zip(table["arch"], table["width"], table["depth"])])


def make_fig_ssm(curves: pd.DataFrame, table: pd.DataFrame,
                 reference: tuple[float, float, float], data: pd.DataFrame | None = None):
    """Beyond the paper: (a) the SSMs' sample I(tau) by width (×depth) beside the training
    data's; (b) ξ against the state size of the depth-1 RNNs, LSTMs and SSMs."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    setup_style()
    fig, (ax_c, ax_x) = plt.subplots(1, 2, figsize=(12, 4.4))
    _note_sizes(fig, curves[curves["arch"] == "ssm"], data)
    _plot_curves(ax_c, curves, "ssm", "(a) SSM samples", data)
    shallow = with_state_values(table[(table["depth"] == 1) & table["arch"].isin(STATEFUL)])
    groups = [(ARCH_TITLES[a], g, ARCH_COLORS[a]) for a, g in shallow.groupby("arch")]
    plot_xi(ax_x, shallow, "state_values", groups, reference,
            r"(b) $\xi$ vs state size (depth 1)")
    ax_x.set(xlabel="numbers in the state")
    if (shallow["xi"].notna() & (shallow["state_values"] > 0)).any():
        ax_x.set(xscale="log")  # else no point is drawn (plot_xi says why): no log range
    sns.despine(fig)
    fig.tight_layout()
    return fig


def make_figure(figure: str, curves: pd.DataFrame, table: pd.DataFrame,
                reference: tuple[float, float, float], data: pd.DataFrame | None = None,
                inset: tuple[float, float] | None = INSET_LAGS):
    """Figure ``figure`` (fig1, fig3, fig7, fig9 or fig_ssm) from the collected tables; ``data``
    is the training data's I(tau) (drawn as the reference curve, and its size noted)."""
    if figure == "fig1":
        return make_fig1(curves, table, reference, data, inset)
    if figure == "fig3":
        return make_fig3(curves, data)
    if figure == "fig7":
        return make_fig7(curves, table, reference, data)
    if figure == "fig9":
        return make_fig9(curves, table, reference, data)
    if figure == "fig_ssm":
        return make_fig_ssm(curves, table, reference, data)
    raise ValueError(f"unknown model figure {figure!r}; expected one of fig1, fig3, fig7, fig9, "
                     "fig_ssm")


def drawn_points(figure: str, curves: pd.DataFrame, table: pd.DataFrame,
                 data: pd.DataFrame | None = None) -> pd.DataFrame:
    """The table behind figure ``figure`` (written as ``figN.csv``): Figure 3(a)'s curves with
    a ``role`` (samples, training_data), else the ξ rows of the models drawn with the
    sequences and symbols behind each (``n_sequences``, ``n_symbols``, from its curve)."""
    if figure == "fig3":
        parts = [curves[curves["arch"] == "transformer"].assign(role="samples")]
        if data is not None:
            parts.append(data.assign(role="training_data"))
        table = pd.concat(parts, ignore_index=True)
        return table[["role", *(c for c in table.columns if c != "role")]]
    archs = {"fig1": ["rnn", "lstm"], "fig7": ["lstm"], "fig9": ["transformer"],
             "fig_ssm": list(STATEFUL)}[figure]
    drawn = table[table["arch"].isin(archs)].drop(columns=["n_sequences", "n_symbols"],
                                                   errors="ignore")
    if figure == "fig_ssm":  # the SSMs, and the depth-1 models panel (b) sets them against
        drawn = with_state_values(drawn[(drawn["arch"] == "ssm") | (drawn["depth"] == 1)])
    drawn = drawn.assign(xi_is_correlation_length=~algebraic_mask(drawn))
    # the sequences and symbols behind each model's ξ, from its curve's pair counts
    return drawn.merge(sample_sizes(curves, MODEL_KEYS), on=MODEL_KEYS, how="left")
