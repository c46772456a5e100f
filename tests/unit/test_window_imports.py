"""The window's modules import one way: the window knows its parts, no part knows the
window, and no two parts need each other. Every import counts, also one inside a
function or under TYPE_CHECKING: a circle hidden that way is still a circle."""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "launcher" / "ui"
WINDOW = "launcher.ui.main_window"
STARTS_THE_WINDOW = {"launcher.ui.app"}


def module_name(path: Path) -> str:
    parts = path.relative_to(UI.parents[1]).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def ui_imports() -> dict[str, set[str]]:
    """Each module under launcher/ui, and the modules under launcher/ui it imports."""
    modules = {module_name(path): path for path in UI.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        named: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                named.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                named.add(node.module)
                named.update(f"{node.module}.{alias.name}" for alias in node.names)
        graph[name] = {other for other in named if other in modules and other != name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every path that leads from a module back to itself (each circle once)."""
    found: list[list[str]] = []

    def walk(path: list[str]) -> None:
        for step in sorted(graph[path[-1]]):
            if step == path[0]:
                found.append(path)
            elif step not in path and step > path[0]:  # start each circle at its least name
                walk([*path, step])

    for start in sorted(graph):
        walk([start])
    return found


def test_the_window_reader_finds_the_imports_it_must_see() -> None:
    graph = ui_imports()
    assert WINDOW in graph["launcher.ui.app"]  # imported inside run_gui()
    assert "launcher.ui.dialogs.settings" in graph[WINDOW]  # under TYPE_CHECKING and lazily
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_part_of_the_window_imports_the_window() -> None:
    graph = ui_imports()
    importers = {name for name, imported in graph.items() if WINDOW in imported}
    assert importers == STARTS_THE_WINDOW


def test_there_is_no_import_circle_in_the_window() -> None:
    assert circles(ui_imports()) == []
