"""Shared figure plumbing: the style, one writer for a figure and the tables behind it, and
the pieces every I(tau) figure draws alike (a curve against its floor, the semi-log inset,
integer width/depth axes, the sample size read from a table)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window (CI has no display)

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import (  # noqa: E402
    FixedLocator,
    MaxNLocator,
    NullLocator,
    StrMethodFormatter,
)

from miscaling.io import atomic_path, require_columns, stack_tables  # noqa: E402,F401
from miscaling.mi.sizes import sample_shape  # noqa: E402,F401  (re-exported: the figures' API)

#: Columns an I(tau) table may lack (older tables, estimators run without them): NaN then.
OPTIONAL_CURVE_COLUMNS = ("ci_low", "ci_high", "baseline", "baseline_within", "n_pairs")


def data_curve(table: pd.DataFrame) -> pd.DataFrame:
    """The training data's I(tau) table, the reference curve of the model figures."""
    require_columns(table, ["lag", "mi"], "training data I(tau) table")
    return table


def setup_style() -> None:
    sns.set_theme(context="paper", style="ticks", font_scale=1.1)


def figure_paths(out: str | Path) -> tuple[Path, Path]:
    """``results/figures/fig5.pdf`` -> (that path, the same with .png)."""
    out = Path(out)
    if out.suffix.lower() != ".pdf":
        raise ValueError(
            f"figure output {str(out)!r} must end in .pdf (a .png is written beside it)")
    return out, out.with_suffix(".png")


def output_paths(out: str | Path, extras=()) -> dict[str, Path]:
    """Every file :func:`save_figure` writes for ``out`` (``…/fig4.pdf``): ``pdf``, ``png``,
    ``csv`` (``fig4.csv``) and one ``fig4_<name>.csv`` per name in ``extras``."""
    pdf, png = figure_paths(out)
    paths = {"pdf": pdf, "png": png, "csv": pdf.with_suffix(".csv")}
    paths.update({name: pdf.with_name(f"{pdf.stem}_{name}.csv") for name in extras})
    return paths


def save_figure(fig: plt.Figure, out: str | Path, table: pd.DataFrame,
                extras: Mapping[str, pd.DataFrame] | None = None) -> None:
    """Write ``fig`` as ``out`` (PDF) and PNG beside it, ``table`` (the data drawn) as
    ``<stem>.csv`` and each of ``extras`` as ``<stem>_<name>.csv``; closes the figure.

    All or nothing: every file is rendered to a temporary name first, and the files are renamed
    onto their final names only once all of them are complete.
    """
    extras = dict(extras or {})
    paths = output_paths(out, extras)
    try:
        with contextlib.ExitStack() as stack:
            temporary = {name: stack.enter_context(atomic_path(path))
                         for name, path in paths.items()}
            table.to_csv(temporary["csv"], index=False)
            for name, extra in extras.items():
                extra.to_csv(temporary[name], index=False)
            fig.savefig(temporary["pdf"], bbox_inches="tight")
            fig.savefig(temporary["png"], bbox_inches="tight", dpi=150)
    finally:
        plt.close(fig)


# --------------------------------------------------------------------------- curves against floors
#
# An I(tau) estimate has two floors, both the estimator's value on shuffled copies of the data:
# the global shuffle (``baseline``: symbols permuted across all sequences, the estimator's bias
# for independent symbols) and the within-sequence shuffle (``baseline_within``: symbols
# permuted inside each sequence, so each sequence keeps its own symbol mix).  A curve must beat
# the global floor to show any dependence at τ (the fits count only such points); where it also
# beats the within floor, the dependence at τ is more than each sequence's composition.  Every
# curve figure draws a curve solid where it is above its global floor and faded where not, the
# global floor dotted and the within floor dash-dotted in the curve's colour (the within floor
# only where it differs from the global one: with one sequence they are the same), and keeps
# the log axis from being stretched down by the noise or by floors orders of magnitude below
# the data (:func:`clip_below_floors`: the legend then says they lie below).  The lines carry
# a ``gid`` naming their part (CURVE_PARTS, WITHIN_FLOOR_PART), so a test can tell them apart.

#: gid of the solid part (points above the floor), of the faded whole curve, and of the floor.
CURVE_PARTS = ("above_floor", "below_floor", "floor")
#: gid of the within-sequence floor's line.
WITHIN_FLOOR_PART = "within_floor"
#: A log I(tau) axis starts this factor below the lowest level it must show (the data, and the
#: floors near them; :func:`floor_axis`).
FLOOR_MARGIN = 0.3
#: A floor line more than this factor below the data is left below the axis (a decade: the
#: floors the issue is about lie orders of magnitude below; nearer, a floor is worth the room).
FLOOR_GAP = 0.1
#: The share of a curve's lowest positive points that may lie below the axis: on a log axis an
#: estimate near zero (noise) lies orders of magnitude below the rest and would set it alone.
LOW_QUANTILE = 0.05
#: Names of the floors (their columns) in :func:`floors_key` and :class:`FloorAxis`.
FLOOR_NAMES = {"baseline": "shuffle floor", "baseline_within": "within-sequence floor"}


def _column(curve: pd.DataFrame, name: str) -> np.ndarray:
    return (curve[name].to_numpy(float) if name in curve
            else np.full(len(curve), np.nan))


def has_within_floor(curve: pd.DataFrame) -> bool:
    """Whether ``curve`` has a within-sequence floor of its own (measured, and not the global
    floor itself, as it is for a single sequence)."""
    within, baseline = _column(curve, "baseline_within"), _column(curve, "baseline")
    return bool(np.isfinite(within).any()
                and not np.allclose(within, baseline, rtol=0, atol=0, equal_nan=True))


def floors_key(curves, sep: str = "; ", axis: FloorAxis | None = None) -> str:
    """The legend's note on the floor lines of ``curves`` (I(tau) tables); given the panel's
    ``axis`` (:func:`clip_below_floors`), a floor it leaves below says so, with its median."""
    below = axis.below if axis is not None else {}
    parts = []
    for column, style in (("baseline", "dotted"), ("baseline_within", "dash-dot")):
        if column == "baseline_within" and not any(has_within_floor(c) for c in curves):
            continue
        part = f"{style}: {FLOOR_NAMES[column]}"
        if column in below:  # on a line of its own in a legend of one floor a line
            which = "some" if column in axis.partly else "mostly"
            part += (",\n  " if "\n" in sep else ", ") + (
                f"{which} below the axis (median {below[column]:.0e})")
        parts.append(part)
    return sep.join(parts)


def draw_curve(ax, curve: pd.DataFrame, color, label: str | None, lw: float = 1.1,
               linestyle: str = "-", marker: str | None = None, floor: bool = True) -> None:
    """``curve`` (lag, mi[, baseline, baseline_within]) solid where above its global floor,
    faded below; its floors dotted (global) and dash-dotted (within-sequence, where it has
    one of its own); ``floor=False``: no floor lines.  A table without ``baseline`` is all
    above."""
    curve = curve.sort_values("lag")
    lag, mi = curve["lag"].to_numpy(float), curve["mi"].to_numpy(float)
    baseline = _column(curve, "baseline")
    shown = np.where(mi > 0, mi, np.nan)  # a log axis: zero and negative estimates are not drawn
    above = np.where(~(mi <= baseline), shown, np.nan)  # NaN floor: all above
    ax.plot(lag, shown, linestyle, lw=lw * 0.7, color=color, alpha=0.3, gid=CURVE_PARTS[1])
    ax.plot(lag, above, linestyle, lw=lw, color=color, label=label, marker=marker,
            markevery=0.08 if marker else None, ms=3.5, gid=CURVE_PARTS[0])
    if floor and np.isfinite(baseline).any():
        ax.plot(lag, baseline, ":", lw=0.8, color=color, alpha=0.8, gid=CURVE_PARTS[2])
    if floor and has_within_floor(curve):
        within = _column(curve, "baseline_within")
        ax.plot(lag, np.where(within > 0, within, np.nan), "-.", lw=0.7, color=color,
                alpha=0.7, gid=WITHIN_FLOOR_PART)


@dataclass(frozen=True)
class FloorAxis:
    """Where a log I(tau) axis starts (``bottom``; None: the axis keeps its own limits) and the
    floors it leaves below: ``below`` maps a floor's column to the median of those of its lines
    that lie below, ``partly`` names the floors some of whose lines are still shown."""

    bottom: float | None
    below: dict = field(default_factory=dict)
    partly: frozenset = frozenset()


def _low(values) -> float:
    """The :data:`LOW_QUANTILE` quantile of the positive finite ``values`` (NaN: none)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    return float(np.quantile(values, LOW_QUANTILE)) if values.size else np.nan


def _level(values) -> float:
    """The median of the positive finite ``values``: a floor line's level (NaN: none)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    return float(np.median(values)) if values.size else np.nan


def floor_axis(curves, extra=()) -> FloorAxis:
    """The lower end of a log I(tau) axis of ``curves`` (I(tau) tables drawn by
    :func:`draw_curve`) beside the lines ``extra`` (arrays of values drawn as they are:
    targets, reference curves).

    The axis must show the data: each curve's points above its global floor and every line
    of ``extra``, each but for its lowest :data:`LOW_QUANTILE` (estimates near zero, noise).
    A floor line (a curve's global floor; its within-sequence floor where it has one of its
    own), at its median, is shown too where it is near the data; one more than
    1/:data:`FLOOR_GAP` below them is left below the axis (``below``), where it would take
    most of it (a million pairs put the global floor of binary data near 1e-9, the data at
    1e-6 and above).  The axis starts :data:`FLOOR_MARGIN` below the lowest level shown.
    Without any floor the axis keeps its own limits (``bottom`` None)."""
    curves = list(curves)
    floors = {column: [level for level in (_level(_column(c, column)) for c in curves
                                           if column == "baseline" or has_within_floor(c))
                       if np.isfinite(level)]
              for column in FLOOR_NAMES}
    if not floors["baseline"]:
        return FloorAxis(None)
    levels = [_low(np.where(~(_column(c, "mi") <= _column(c, "baseline")),
                            _column(c, "mi"), np.nan)) for c in curves]
    levels += [_low(values) for values in extra]
    levels = [level for level in levels if np.isfinite(level)]
    if not levels:  # nothing above its floor: the floors are what there is to see
        return FloorAxis(FLOOR_MARGIN * min(min(f) for f in floors.values() if f))
    data = min(levels)
    shown, below, partly = [data], {}, set()
    for column, lines in floors.items():
        low = [level for level in lines if level < FLOOR_GAP * data]
        shown += [level for level in lines if level >= FLOOR_GAP * data]
        if low:
            below[column] = float(np.median(low))
            if len(low) < len(lines):
                partly.add(column)
    return FloorAxis(FLOOR_MARGIN * min(shown), below, frozenset(partly))


def clip_below_floors(ax, curves, extra=()) -> FloorAxis:
    """Start the log I(tau) axis ``ax`` where :func:`floor_axis` says: what lies further down
    is noise (drawn faded) or floors far below the data, and would otherwise take most of the
    axis.  Returns the :class:`FloorAxis`, for the legend's note (:func:`floors_key`)."""
    axis = floor_axis(curves, extra)
    if axis.bottom is not None:
        ax.set_ylim(bottom=axis.bottom)
    return axis


#: Where a panel's legend goes: beside it, at the top (inside, it would hide data: the curves
#: run from the upper left down to their floors, which span the panel's width).
LEGEND_BESIDE = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "frameon": False,
                 "alignment": "left"}
#: Where the semi-log inset goes, in fractions of its panel (x, y, width, height): beside it,
#: below the legend.  Inside, it would cover data: once the axis ends near the data
#: (:func:`clip_below_floors`) no corner of the panel is empty.
INSET_BOUNDS = (1.17, 0.0, 0.5, 0.46)


def semilog_inset(ax, curves, lags: tuple[float, float], bounds=INSET_BOUNDS):
    """A semi-log inset (linear τ, log I) of ``ax`` over ``lags`` (low, high; high is cut to
    the largest lag drawn), where an exponential decay is a straight line.  ``curves`` are
    (I(tau) table, colour, line width[, line style]); each is drawn as :func:`draw_curve` does
    (faded below its floor), without the floor line, on an axis that ends as the panel's
    (:func:`clip_below_floors`).  Returns the inset axes."""
    inset = ax.inset_axes(list(bounds))
    low, high = lags
    parts = []
    for curve, color, lw, *linestyle in curves:
        part = curve[(curve["lag"] >= low) & (curve["lag"] <= high)]
        if not part.empty:
            draw_curve(inset, part, color, None, lw=lw, linestyle=linestyle[0] if linestyle
                       else "-", floor=False)
            parts.append(part)
    inset.set_yscale("log")
    largest = max((part["lag"].max() for part in parts), default=high)
    inset.set_xlim(low, max(min(high, largest), low + 1))
    clip_below_floors(inset, parts)
    inset.tick_params(labelsize=6)
    inset.set_title(rf"semi-log, $\tau$ {low:g}-{inset.get_xlim()[1]:g}", fontsize=6)
    return inset


# --------------------------------------------------------------------------- axes and sizes


def integer_axis(ax, values, log2: bool = False) -> None:
    """Ticks of the x axis at the integers ``values`` (widths or depths present, NaN ignored),
    labelled as integers; ``log2``: a base-2 log axis.  Widths and depths are counts: an axis
    of them must not show 1.25 or 1.5."""
    values = np.asarray(values, dtype=float)
    ticks = sorted({int(v) for v in values[np.isfinite(values)]})
    if not ticks:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        return
    if log2:
        ax.set_xscale("log", base=2)
        ax.set_xlim(ticks[0] / 1.4, ticks[-1] * 1.4)
    else:
        ax.set_xlim(ticks[0] - 0.5, ticks[-1] + 0.5)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:.0f}"))
    ax.xaxis.set_minor_locator(NullLocator())


def describe_sizes(curves) -> str | None:
    """``"2,000 × 512"`` (sequences × length) shared by every table of ``curves``, the distinct
    ones joined with ``" / "`` when they differ; None when no table says."""
    shapes = sorted({shape for shape in map(sample_shape, curves) if shape is not None})
    return " / ".join(f"{n:,} × {length:,}" for n, length in shapes) or None
