"""``miscaling model-summary``: the per-model table and the paper's trend checks."""

from __future__ import annotations


def register(commands) -> None:
    from miscaling import model_summary

    summary = commands.add_parser(
        "model-summary", help="per-model xi/gamma/verdict table and the paper's trend checks")
    model_summary.add_parser(summary)
    summary.set_defaults(func=model_summary.run)
