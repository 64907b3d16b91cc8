"""Shared figure plumbing: the style, one writer for a figure and the tables behind it, and
the pieces every I(tau) figure draws alike (a curve against its floor, the semi-log inset,
integer width/depth axes, the sample size read from a table)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
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

from miscaling.io import atomic_path  # noqa: E402
from miscaling.mi.sizes import sample_shape  # noqa: E402,F401  (re-exported: the figures' API)


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
# the log axis from being stretched down by the noise.  The lines carry a ``gid`` naming their
# part (CURVE_PARTS, WITHIN_FLOOR_PART), so a test can tell them apart.

#: gid of the solid part (points above the floor), of the faded whole curve, and of the floor.
CURVE_PARTS = ("above_floor", "below_floor", "floor")
#: gid of the within-sequence floor's line.
WITHIN_FLOOR_PART = "within_floor"
#: The lower y-limit of a log I(tau) axis, as a fraction of the smallest floor drawn on it.
FLOOR_MARGIN = 0.3


def _column(curve: pd.DataFrame, name: str) -> np.ndarray:
    return (curve[name].to_numpy(float) if name in curve
            else np.full(len(curve), np.nan))


def has_within_floor(curve: pd.DataFrame) -> bool:
    """Whether ``curve`` has a within-sequence floor of its own (measured, and not the global
    floor itself, as it is for a single sequence)."""
    within, baseline = _column(curve, "baseline_within"), _column(curve, "baseline")
    return bool(np.isfinite(within).any()
                and not np.allclose(within, baseline, rtol=0, atol=0, equal_nan=True))


def floors_key(curves, sep: str = "; ") -> str:
    """The legend's note on the floor lines of ``curves`` (I(tau) tables)."""
    if any(has_within_floor(curve) for curve in curves):
        return sep.join(["dotted: shuffle floor", "dash-dot: within-sequence floor"])
    return "dotted: shuffle floor"


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


def floor_bottom(curves) -> float | None:
    """:data:`FLOOR_MARGIN` times the smallest positive floor (``baseline``) of ``curves``
    (I(tau) tables); None when none has one (then the axis keeps its own limits)."""
    floors = [c["baseline"].to_numpy(float) for c in curves if "baseline" in c]
    floors = np.concatenate(floors) if floors else np.array([])
    floors = floors[np.isfinite(floors) & (floors > 0)]
    return float(FLOOR_MARGIN * floors.min()) if floors.size else None


def clip_below_floors(ax, curves) -> None:
    """Start a log I(tau) axis just below the smallest floor of ``curves``: what lies further
    down is noise (drawn faded), and would otherwise take most of the axis."""
    bottom = floor_bottom(curves)
    if bottom is not None:
        ax.set_ylim(bottom=bottom)


def semilog_inset(ax, curves, lags: tuple[float, float],
                  bounds=(0.1, 0.08, 0.4, 0.36)):
    """A semi-log inset (linear τ, log I) of ``ax`` over ``lags`` (low, high; high is cut to
    the largest lag drawn), where an exponential decay is a straight line.  ``curves`` are
    (I(tau) table, colour, line width[, line style]); each is drawn as :func:`draw_curve` does
    (faded below its floor), without the floor line.  Returns the inset axes."""
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
