"""Command-line interface: one subcommand per pipeline step, one module per family of steps.

Every Snakemake rule calls one of these with explicit arguments, so each step also runs (and is
tested) without Snakemake (README, "Every step without Snakemake").  Each module holds
``register(commands)`` beside the ``run_*(args)`` functions it adds; shared validators live in
:mod:`miscaling.cli.common`, and nothing outside this package imports argparse.  Bad input is one
line naming the value and what was expected, exit status 2, before any expensive work and
without leaving an output file behind.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from miscaling.cli import (
    analysis,
    bipartite,
    controls,
    data,
    figures,
    models,
    report,
    summary,
    text,
    theory,
)
from miscaling.cli.common import EXIT_BAD_INPUT, InputError

__all__ = ["EXIT_BAD_INPUT", "InputError", "build_parser", "main"]

#: In the order ``--help`` lists them: data, measurement, models, theory, figures, controls,
#: and the report that gathers them.
FAMILIES = (data, analysis, models, bipartite, text, summary, theory, figures, controls, report)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="miscaling",
        description="Auto-mutual information of sequences and sequence models (Shen 2019).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for family in FAMILIES:
        family.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    command = " ".join(filter(None, [args.command, getattr(args, "kind", None)]))
    try:
        args.func(args)
    except (ValueError, FileNotFoundError) as err:
        print(f"miscaling {command}: error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
