"""Figures of the paper: tidy DataFrames in, a matplotlib Figure out.

Each module exposes ``make_figure``-style functions that take the tidy tables the pipeline
computed and return a Figure, beside the functions that assemble those tables (and check their
columns); :func:`miscaling.plots.common.save_figure` writes a figure as PDF and PNG together
with the CSV behind it, all or nothing.  The command line (``miscaling figure NAME``,
:mod:`miscaling.cli.figures`) reads the input files and calls both.
"""

from __future__ import annotations

from miscaling.plots import fig4, fig5, fig6, models, text, theory


def _first_line(module) -> str:
    return module.__doc__.splitlines()[0]


#: Every figure ``miscaling figure`` makes, with its one-line description, in ``--help`` order.
TITLES: dict[str, str] = {
    "fig1": models.TITLES["fig1"],
    "fig2": text.TITLES["fig2"],
    "fig3": models.TITLES["fig3"],
    "fig3_text": text.TITLES["fig3_text"],
    "fig4": _first_line(fig4),
    "fig5": _first_line(fig5),
    "fig6": _first_line(fig6),
    "fig7": models.TITLES["fig7"],
    "fig8": text.TITLES["fig8"],
    "fig9": models.TITLES["fig9"],
    "fig10": text.TITLES["fig10"],
    "theory_linear_rnn": theory.TITLES["theory_linear_rnn"],
    "theory_ising": theory.TITLES["theory_ising"],
}
