"""Command-line interface: one subcommand per pipeline step, one module per family of steps.

Every Snakemake rule calls one of these with explicit arguments, so each step also runs (and is
tested) without Snakemake::

    miscaling synth binary --n-seq 10000 --length 512 --amplitude 0.1 --gamma 0.4 --out train.npy
    miscaling mi train.npy --lags log:511:60 --shuffles 2 --bootstrap 200 --out mi.csv
    miscaling fit mi.csv --model all --min-mi 1.0e-3 --out fit.csv
    miscaling figure fig5 --curves mi_*.csv --fits fit_*.csv --out results/figures/fig5.pdf

Each module of this package holds ``register(commands)``, which adds its subcommands, beside the
``run_*(args)`` functions they call; the validators they share live in
:mod:`miscaling.cli.common`.  Nothing outside this package imports argparse: the science takes
plain values and settings dataclasses.

Bad input (missing or malformed files, impossible parameters) is reported as one line naming
the value and what was expected, with exit status 2, before any expensive work and without
leaving an output file behind.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from miscaling.cli import (
    analysis,
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
FAMILIES = (data, analysis, models, text, summary, theory, figures, controls, report)


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
