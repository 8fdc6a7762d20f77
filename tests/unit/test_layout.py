"""The shape of the code: imports point inward, no module imports itself back, and every
module and function fits on a few screens (STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("ledger", "projections", "scheduler", "cli")  # each may import only those before it


def modules() -> dict[str, Path]:
    found = {}
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports(path: Path, *, top_level_only: bool) -> set[str]:
    """The modules ``path`` imports (``from package import module`` names the module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    known = modules()
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{a.name}" for a in node.names} & set(known)
            found.update(submodules or {node.module})
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_imports_point_inward() -> None:
    """ledger imports nothing of the read side, the read side nothing of the scheduler,
    nothing but cli imports cli (types for annotations included)."""
    wrong = []
    for name, path in modules().items():
        layer = LAYERS.index(name.split(".")[0])
        for imported in imports(path, top_level_only=False):
            top = imported.split(".")[0]
            if top in LAYERS and LAYERS.index(top) > layer:
                wrong.append(f"{name} imports {imported}")
    assert wrong == []


def test_no_module_imports_itself_back() -> None:
    known = modules()
    graph = {
        name: {m for m in imports(path, top_level_only=True) if m in known and m != name}
        for name, path in known.items()
    }
    cycles: list[list[str]] = []

    def visit(name: str, trail: list[str]) -> None:
        for nxt in graph[name]:
            if nxt in trail:
                cycles.append([*trail[trail.index(nxt) :], nxt])
            elif len(trail) < 30:
                visit(nxt, [*trail, nxt])

    for start in graph:
        visit(start, [start])
    assert cycles == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_modules_and_functions_fit_on_a_few_screens(name: str) -> None:
    path = modules()[name]
    source = path.read_text(encoding="utf-8")
    assert source.count("\n") <= 400, f"{name}: {source.count(chr(10))} lines"
    long = [
        f"{node.name}: {node.end_lineno - node.lineno + 1} lines"  # type: ignore[operator]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > 60  # type: ignore[operator]
    ]
    assert long == []
