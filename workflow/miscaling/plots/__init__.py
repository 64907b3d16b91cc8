"""Figures of the paper.  Each module exposes ``add_parser(subparsers)`` and ``run(args)``.

Plot functions take tidy DataFrames and return a matplotlib Figure; ``run`` reads the tables the
pipeline computed, writes the figure as PDF and PNG and the table behind it as CSV beside them.
"""

from __future__ import annotations

import argparse

from miscaling.plots import fig4, fig5, fig6, models, theory

_MODULES = {
    "fig1": models.fig1,
    "fig3": models.fig3,
    "fig4": fig4,
    "fig5": fig5,
    "fig6": fig6,
    "fig7": models.fig7,
    "fig9": models.fig9,
    "theory_linear_rnn": theory.theory_linear_rnn,
    "theory_ising": theory.theory_ising,
}
FIGURES = {name: module.run for name, module in _MODULES.items()}


def add_figure_parsers(parser: argparse.ArgumentParser) -> None:
    figures = parser.add_subparsers(dest="figure", required=True, metavar="FIGURE")
    for name, module in _MODULES.items():
        module.add_parser(figures.add_parser(name, help=module.__doc__.splitlines()[0]))
