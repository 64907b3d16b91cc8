"""``miscaling figure NAME``: assemble one of the paper's figures from the pipeline's tables."""

from __future__ import annotations


def register(commands) -> None:
    from miscaling.plots import FIGURES, add_figure_parsers

    figure = commands.add_parser("figure", help="assemble one of the paper's figures")
    add_figure_parsers(figure)
    figure.set_defaults(func=lambda args: FIGURES[args.figure](args))
