"""The package's shape: its modules import each other without a cycle."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "workflow" / "miscaling"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_level_imports(path: Path) -> set[str]:
    """The miscaling modules ``path`` imports at module level (``if TYPE_CHECKING:`` blocks
    included; imports inside functions, which run late, left out)."""
    name, found = module_name(path), set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    body = list(ast.parse(path.read_text()).body)
    while body:
        node = body.pop(0)
        if isinstance(node, (ast.If, ast.Try)):
            body += node.body + getattr(node, "orelse", []) + getattr(node, "finalbody", [])
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("miscaling")}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] \
                if node.level else []
            if node.module:
                modules = [".".join([*base, node.module])]
            else:  # from . import grid: the submodules named
                modules = [".".join([*base, alias.name]) for alias in node.names]
            found |= {m for m in modules if m.startswith("miscaling")}
    return found - {name}


def test_the_package_has_no_import_cycle():
    graph = {module_name(p): module_level_imports(p) for p in PACKAGE.rglob("*.py")}
    assert "miscaling.checkpoint" in graph

    def cycle_from(start, node, seen):
        for dep in graph.get(node, ()):
            if dep == start:
                return [*seen, dep]
            if dep not in seen and dep in graph:
                found = cycle_from(start, dep, [*seen, dep])
                if found:
                    return found
        return None

    for module in sorted(graph):
        cycle = cycle_from(module, module, [module])
        assert cycle is None, f"import cycle: {' -> '.join(cycle)}"
