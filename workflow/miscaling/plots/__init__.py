"""Figures of the paper: tidy DataFrames in, a matplotlib Figure out.

Each module exposes ``make_figure``-style functions that take the tidy tables the pipeline
computed and return a Figure, beside the functions that assemble those tables (and check their
columns); :func:`miscaling.plots.common.save_figure` writes a figure as PDF and PNG together
with the CSV behind it, all or nothing.  The command line (``miscaling figure NAME``,
:mod:`miscaling.cli.figures`) reads the input files and calls both.
"""

from __future__ import annotations

from miscaling.plots import fig4, fig5, fig6, models, text, theory

__all__ = ["fig4", "fig5", "fig6", "models", "text", "theory"]
