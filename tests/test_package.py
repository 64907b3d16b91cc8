"""The package's shape: its modules import each other without a cycle, and their docstrings stay
short and cite only equations that docs/METHODS.md displays."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "workflow" / "miscaling"


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


# ---------------------------------------------------------------- docstrings (issue 18)

METHODS = PACKAGE.parents[1] / "docs" / "METHODS.md"
#: Module docstrings say what a module is for and where its mathematics is (docs/METHODS.md).
MAX_MODULE_DOCSTRING_LINES = 10
#: Modules of other changes in flight, cut when those land; remove an entry once it passes.
MODULE_DOCSTRINGS_PENDING: set[str] = set()
_EQUATION = re.compile(r"\(M(\d+)\)(?:\s*[–-]\s*\(M(\d+)\))?")


def module_docstring_lines(package: Path = PACKAGE) -> dict[str, int]:
    """{path relative to the package: lines of its module docstring}."""
    lengths = {}
    for path in sorted(package.rglob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text()), clean=False)
        lengths[path.relative_to(package).as_posix()] = len(doc.strip().splitlines()) if doc else 0
    return lengths


def equation_references(package: Path = PACKAGE) -> dict[str, set[int]]:
    """{path: the equations (Mn) its docstrings cite}, a range (M4)–(M7) read as 4, 5, 6, 7."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        cited = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                for first, last in _EQUATION.findall(ast.get_docstring(node) or ""):
                    cited |= set(range(int(first), int(last or first) + 1))
        if cited:
            found[path.relative_to(package).as_posix()] = cited
    return found


def methods_equations(text: str) -> list[int]:
    """The numbers of the displayed equations of docs/METHODS.md (indented lines), in order."""
    return [int(m) for m in re.findall(r"^ {4}.*?\(M(\d+)\)", text, re.M)]


def test_module_docstrings_are_short():
    too_long = {path: n for path, n in module_docstring_lines().items()
                if n > MAX_MODULE_DOCSTRING_LINES and path not in MODULE_DOCSTRINGS_PENDING}
    assert not too_long, (f"module docstrings over {MAX_MODULE_DOCSTRING_LINES} lines (move the "
                          f"mathematics to docs/METHODS.md and point there): {too_long}")


def test_docstrings_cite_only_equations_of_methods():
    numbers = methods_equations(METHODS.read_text())
    assert numbers == list(range(1, len(numbers) + 1)), "(M1), (M2), ... each displayed once"
    missing = {path: sorted(cited - set(numbers))
               for path, cited in equation_references().items() if cited - set(numbers)}
    assert not missing, f"equations cited but not in docs/METHODS.md: {missing}"
    assert equation_references(), "the package cites docs/METHODS.md's equations"


def test_the_conda_environment_lists_every_dependency_of_the_package():
    import re

    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {re.split(r"[<>=!~ ]", dep, maxsplit=1)[0].lower() for dep in project["dependencies"]}
    conda = (ROOT / "envs/miscaling.yaml").read_text()
    listed = set(re.findall(r"^\s+- ([A-Za-z0-9_-]+)", conda, flags=re.M))
    listed |= {"snakemake"} if "snakemake-minimal" in listed else set()
    assert names <= {name.lower() for name in listed}, names - listed
