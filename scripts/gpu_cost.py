#!/usr/bin/env python
"""GPU hours of a configuration on one H200, per family and architecture (miscaling.plan.cost).

    python scripts/gpu_cost.py config.yaml presets/paper.yaml    # files laid over in order

Run from the repository root with PYTHONPATH=workflow; prints the Markdown table the README
quotes (tests/test_cost.py checks the README against it).
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def merged(files: list[str]) -> dict:
    """The files laid over each other as Snakemake does (nested mappings updated), validated."""
    from miscaling.plan.checks import config_problems

    def update(base: dict, extra: dict) -> dict:
        for key, value in extra.items():
            base[key] = (update(base.get(key, {}), value)
                         if isinstance(value, dict) and isinstance(base.get(key), dict)
                         else value)
        return base

    config: dict = {}
    for name in files:
        update(config, yaml.safe_load(Path(name).read_text()))
    problems = config_problems(config, ROOT / "workflow/schemas/config.schema.yaml")
    if problems:
        raise SystemExit("\n".join(problems))
    return config


def main() -> None:
    from miscaling.plan.cost import cost_table

    files = sys.argv[1:] or ["config.yaml"]
    print(cost_table(merged(files)))


if __name__ == "__main__":
    main()
