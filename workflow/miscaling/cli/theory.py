"""``miscaling theory linear-rnn | repetitive | ising``: the paper's analytical checks."""

from __future__ import annotations


def register(commands) -> None:
    from miscaling.theory.commands import add_theory_parsers, run_theory

    theory = commands.add_parser("theory", help="analytical checks of the paper's appendices")
    add_theory_parsers(theory)
    theory.set_defaults(func=run_theory)
