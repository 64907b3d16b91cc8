"""What every subcommand shares: argument validators, the bad-input error, ``--label`` columns.

Validators raise :class:`argparse.ArgumentTypeError` (argparse then names the flag, exit status 2,
before any work); :class:`InputError` is for problems found after parsing, reported by
``miscaling.cli.main`` as one line with status 2.  List options use ``action="extend"`` where
their default is empty (``--curves a b`` = ``--curves a --curves b``, as the rules write lists);
one with a non-empty default keeps plain ``nargs="+"``, which replaces the default.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger("miscaling")

EXIT_BAD_INPUT = 2


class InputError(ValueError):
    """An argument or input file that cannot be used; reported without a traceback."""


def integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None


def positive_int(text: str) -> int:
    value = integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    value = integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}")
    return value


def number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None


def positive_number(text: str) -> float:
    value = number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def non_negative_number(text: str) -> float:
    value = number(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative number, got {text!r}")
    return value


def probability(text: str) -> float:
    value = number(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must lie in [0, 1], got {text!r}")
    return value


def fraction(text: str) -> float:
    value = number(text)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"must lie in (0, 1], got {text!r}")
    return value


def confidence(text: str) -> float:
    value = number(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must lie strictly between 0 and 1, got {text!r}")
    return value


def label(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE with KEY an identifier, got {text!r}")
    try:
        return key, float(value) if any(c in value for c in ".eE") else int(value)
    except ValueError:
        return key, value


def add_labels(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--label",
        dest="labels",
        type=label,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="constant column added to the output table (repeatable), e.g. --label gamma=0.4",
    )


def with_labels(table, labels: list[tuple[str, object]]):
    for key, value in labels:
        if key in table.columns:
            raise InputError(f"--label {key}=...: the table already has a column {key!r}")
        table[key] = value
    return table


def require_suffix(path: str, *suffixes: str, flag: str = "--out") -> None:
    """Fail before any work when an output path has the wrong suffix."""
    if Path(path).suffix.lower() not in suffixes:
        raise InputError(f"{flag} {path!r} must end in {' or '.join(suffixes)}")
