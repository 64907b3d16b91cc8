"""Count docstring and comment lines in workflow/miscaling (issue 18).

Usage: python scripts/docstring_stats.py [package dir] [--top N]
"""

from __future__ import annotations

import argparse
import ast
import io
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def docstring_lines(tree: ast.AST) -> tuple[int, int]:
    """(module docstring lines, all docstring lines) of one parsed file."""
    module = total = 0
    for node in ast.walk(tree):
        if not isinstance(node, DOCUMENTED):
            continue
        doc = ast.get_docstring(node, clean=False)
        if doc is None:
            continue
        n = len(doc.strip("\n").splitlines()) or 1
        total += n
        if isinstance(node, ast.Module):
            module = n
    return module, total


def comment_lines(source: str) -> tuple[int, int]:
    """(comment lines, of them whole-line comments) of one file."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    comments = [tok for tok in tokens if tok.type == tokenize.COMMENT]
    return len(comments), sum(1 for tok in comments if tok.line.lstrip().startswith("#"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", nargs="?", default=str(ROOT / "workflow" / "miscaling"))
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    package = Path(args.package)
    rows = []
    for path in sorted(package.rglob("*.py")):
        source = path.read_text()
        module, total = docstring_lines(ast.parse(source))
        comments, whole = comment_lines(source)
        rows.append((path.relative_to(package.parent), module, total, comments, whole))
    print(f"files:                  {len(rows)}")
    print(f"module docstring lines: {sum(r[1] for r in rows)}")
    print(f"docstring lines (all):  {sum(r[2] for r in rows)}")
    print(f"comment lines:          {sum(r[3] for r in rows)}")
    print(f"  of them whole-line:   {sum(r[4] for r in rows)}")
    print(f"longest module docstrings (top {args.top}):")
    for path, module, *_ in sorted(rows, key=lambda r: -r[1])[: args.top]:
        print(f"  {module:4d}  {path}")


if __name__ == "__main__":
    main()
