#!/usr/bin/env python
"""GPU hours of a configuration on one H200, per family and architecture (miscaling.plan.cost).

    python scripts/gpu_cost.py config.yaml presets/paper.yaml    # files laid over in order
    python scripts/gpu_cost.py --readme     # rewrite every <!-- gpu-cost: FILES --> block

Run from the repository root with PYTHONPATH=workflow; prints the Markdown table the README
quotes (tests/test_cost.py checks the README against it).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
#: A README block: the files laid over (relative to ROOT) and the table computed from them.
README_BLOCK = re.compile(r"<!-- gpu-cost: ([^>]*?) -->\n(.*?)\n<!-- /gpu-cost -->", re.S)


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


def update_readme(path: Path = ROOT / "README.md") -> int:
    """Recompute every gpu-cost block of ``path`` in place; returns how many changed."""
    from miscaling.plan.cost import cost_table

    text = path.read_text()
    changed = 0

    def table(match: re.Match) -> str:
        nonlocal changed
        files = match.group(1)
        new = cost_table(merged([str(ROOT / name) for name in files.split()]))
        changed += new != match.group(2)
        return f"<!-- gpu-cost: {files} -->\n{new}\n<!-- /gpu-cost -->"

    updated = README_BLOCK.sub(table, text)
    if updated != text:
        path.write_text(updated)
    return changed


def main() -> None:
    from miscaling.plan.cost import cost_table

    if sys.argv[1:] == ["--readme"]:
        print(f"{update_readme()} table(s) of README.md rewritten")
        return
    files = sys.argv[1:] or ["config.yaml"]
    print(cost_table(merged(files)))


if __name__ == "__main__":
    main()
