"""Calling the command line in-process from tests."""

from __future__ import annotations

from miscaling.cli import main


def run_cli(*args) -> int:
    """Call the CLI in-process; argparse's own errors (exit 2) come back as the return code."""
    try:
        return main([str(a) for a in args])
    except SystemExit as exit_:
        return int(exit_.code or 0)
