"""regkb's modules import one another without cycles.

The graph is read from the source with ast: module-level imports only (a function's local
import is a deliberate lazy load). Imports under ``if TYPE_CHECKING:`` do not run, so the runtime
graph leaves them out; the dependency graph keeps them, because a module that names another's type
depends on it as surely as one that calls it (regkb.clauses once held the Engine that way).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "regkb"


def module_names(root: Path, package: Path) -> dict[str, Path]:
    found = {}
    for path in package.rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _imported(node: ast.stmt, package: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            kept = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*kept, *([base] if base else [])])
        return [base, *(f"{base}.{alias.name}" for alias in node.names)]
    return []


def _top_level(body: list[ast.stmt], package: str, type_checking: bool) -> list[str]:
    """Names imported by statements that run at import (if / try blocks included)."""
    names: list[str] = []
    for node in body:
        if _is_type_checking(node) and not type_checking:
            names += _top_level(getattr(node, "orelse", []), package, type_checking)
            continue
        names += _imported(node, package)
        for block in ("body", "orelse", "finalbody"):
            if isinstance(node, (ast.If, ast.Try)):
                names += _top_level(getattr(node, block, []), package, type_checking)
        for handler in getattr(node, "handlers", []):
            names += _top_level(handler.body, package, type_checking)
    return names


def import_graph(type_checking: bool, root: Path = ROOT, package: Path = PACKAGE) -> dict[str, set[str]]:
    modules = module_names(root, package)
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        names = _top_level(ast.parse(path.read_text(encoding="utf-8")).body, package, type_checking)
        graph[name] = {n for n in names if n in modules and n != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while (top := stack.pop()) != node:
                component.append(top)
            if component:
                found.append(sorted([node, *component]))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle_and_only_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_reads_relative_type_checking_and_package_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg import b\n")
    (pkg / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.sub.c import C\n"
        "def lazy():\n    import pkg.a\n"
    )
    (pkg / "sub" / "c.py").write_text(
        "from ..a import x\ntry:\n    from . import d\nexcept ImportError:\n    pass\n"
    )
    (pkg / "sub" / "d.py").write_text("")
    typed = import_graph(True, tmp_path, pkg)
    assert typed["pkg.a"] == {"pkg", "pkg.b"}
    assert typed["pkg.b"] == {"pkg.sub.c"}  # the function's local import is not read
    assert typed["pkg.sub.c"] == {"pkg.a", "pkg.sub", "pkg.sub.d"}
    assert import_graph(False, tmp_path, pkg)["pkg.b"] == set()
    assert cycles(typed) == [["pkg.a", "pkg.b", "pkg.sub.c"]]
    assert cycles(import_graph(False, tmp_path, pkg)) == []


@pytest.mark.parametrize("type_checking", [False, True], ids=["runtime", "with-type-checking"])
def test_regkb_has_no_import_cycle(type_checking: bool) -> None:
    assert cycles(import_graph(type_checking)) == []


def test_only_the_engine_reads_its_loaded_state() -> None:
    """Engine._state is private: clause review, the services, evals and tests use public methods."""
    pattern = re.compile(r"\._state\b")
    readers = [
        str(path.relative_to(ROOT))
        for folder in ("regkb", "ingest", "evals", "training", "bench", "tests")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != PACKAGE / "engine.py" and path != Path(__file__).resolve()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    app = ROOT / "app.py"
    if app.exists() and pattern.search(app.read_text(encoding="utf-8")):
        readers.append("app.py")
    assert readers == []
