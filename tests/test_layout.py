"""The package layout a newcomer relies on: a short top level, package maps that are true,
and no import cycles between modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "seqrec_core"
SUBPACKAGES = sorted(p.parent for p in PACKAGE.glob("*/__init__.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """seqrec_core modules imported anywhere in a module, function-local imports included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("seqrec_core"):
            module = node.module or ""
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                found.add(candidate if _exists(candidate) else module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("seqrec_core"))
    return found


def _exists(module: str) -> bool:
    relative = Path(*module.split(".")[1:])
    return (PACKAGE / relative).with_suffix(".py").exists() or (PACKAGE / relative).is_dir()


def test_the_top_level_holds_at_most_eight_modules() -> None:
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= 8, modules


@pytest.mark.parametrize("package", SUBPACKAGES, ids=lambda p: p.name)
def test_each_package_docstring_lists_its_modules(package: Path) -> None:
    """The map in every `__init__` stays true: each module is named there, in backticks."""
    docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
    assert docstring, f"{package.name}/__init__.py has no docstring"
    missing = [
        p.stem
        for p in package.glob("*.py")
        if p.stem != "__init__" and f"`{p.stem}`" not in docstring
    ]
    assert not missing, f"{package.name}/__init__.py does not list {missing}"


def test_no_import_cycles_between_modules() -> None:
    """Regression: the workspace imported the ingest pipeline, which imports the workspace."""
    # The package root re-exports lazily (PEP 562) and is nobody's dependency.
    graph = {
        _module_name(p): _imports(p) for p in PACKAGE.rglob("*.py") if p != PACKAGE / "__init__.py"
    }
    # A package's own __init__ re-exporting its modules is not a cycle between modules.
    edges = {
        name: {t for t in targets if t in graph and not name.startswith(t + ".")}
        for name, targets in graph.items()
    }
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for target in sorted(edges[node]):
            if state.get(target) == "open":
                cycle = [*trail[trail.index(target) :], target] if target in trail else [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target, [*trail, target])
        state[node] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
