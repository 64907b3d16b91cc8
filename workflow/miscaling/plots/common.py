"""Shared figure plumbing: the style, and one writer for a figure and the tables behind it."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window (CI has no display)

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from miscaling.io import atomic_path  # noqa: E402


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
