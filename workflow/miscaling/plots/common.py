"""Shared figure plumbing: style and atomic PDF + PNG output."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # figures are files; never open a window (CI has no display)

import matplotlib.pyplot as plt  # noqa: E402
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


def save_figure(fig: plt.Figure, out: str | Path) -> None:
    pdf, png = figure_paths(out)
    for path, kwargs in ((pdf, {}), (png, {"dpi": 150})):
        with atomic_path(path) as tmp:
            fig.savefig(tmp, bbox_inches="tight", **kwargs)
    plt.close(fig)
