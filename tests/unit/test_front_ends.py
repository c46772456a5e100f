"""Who may import whom: the front ends over the facade, the core without circles.

Read from the source with ``ast``, so imports inside functions and under
``TYPE_CHECKING`` count as much as those at the top of a module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import launcher

ROOT = Path(launcher.__file__).parent
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: str) -> dict[str, Path]:
    folder = ROOT.parent.joinpath(*package.split("."))
    return {module_name(path): path for path in sorted(folder.rglob("*.py"))}


ALL_MODULES = modules("launcher")


def imported(path: Path) -> Iterator[tuple[str, int]]:
    """Every launcher module ``path`` imports, with the line, wherever the import is."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                yield (full if full in ALL_MODULES else node.module), node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno


def import_graph(package: str) -> dict[str, set[str]]:
    inside = modules(package)
    return {
        name: {target for target, _ in imported(path) if target in inside and target != name}
        for name, path in inside.items()
    }


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_circle_finder_finds_a_hidden_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_the_core_has_no_import_circles_not_even_lazy_or_for_annotations() -> None:
    assert circles(import_graph("launcher.core")) == []


def test_the_command_line_has_no_import_circles() -> None:
    assert circles(import_graph("launcher.cli")) == []


def test_the_workflows_do_not_import_the_facade() -> None:
    """Reset, update, import, the doctor and the bundle take ``LauncherContext``."""
    graph = import_graph("launcher.core")
    users = sorted(name for name, targets in graph.items() if "launcher.core.launcher" in targets)
    assert users == []


def test_no_core_or_command_line_module_is_over_400_lines() -> None:
    sizes = {
        name: len(path.read_text(encoding="utf-8").splitlines())
        for name, path in ALL_MODULES.items()
        if name.startswith(("launcher.core", "launcher.cli"))
    }
    assert {name: size for name, size in sizes.items() if size > MAX_LINES} == {}
