"""Lines of plain Python in the workflow's .smk files: what lies outside the Snakemake blocks
(rule, use rule, checkpoint, wildcard_constraints, include, configfile) and the lambdas inside
them.  Blank and comment lines are not counted.  Usage: python scripts/smk_python_lines.py [ROOT]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

BLOCK = re.compile(r"^(rule |use rule |checkpoint |wildcard_constraints:|include:|configfile:"
                   r"|localrules:|ruleorder:)")


def python_lines(text: str) -> int:
    count, in_block = 0, False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line[0].isspace():
            in_block = bool(BLOCK.match(line))
        if not in_block or "lambda" in line:
            count += 1
    return count


def count(root: Path) -> dict[str, int]:
    files = sorted((root / "workflow/rules").glob("*.smk")) + [root / "Snakefile"]
    return {path.name: python_lines(path.read_text()) for path in files if path.exists()}


if __name__ == "__main__":
    counts = count(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
    for name, lines in counts.items():
        print(f"{lines:5d}  {name}")
    print(f"{sum(counts.values()):5d}  total")
