"""The import graph of a package, read from its source with ``ast`` (nothing is
imported), and the layout rules it is checked against.

Every ``import`` counts wherever it is written: at the top, inside a function (a lazy
import that only hides a cycle from the interpreter) or under ``if TYPE_CHECKING:``
(one that hides it from everyone but the type checker). ``from a.b import c`` is an
edge to the module ``a.b.c`` when there is one, else to ``a.b``.

A violation has a ``key`` that stays the same while the code around it changes (no
line numbers, no counts), so a list of known ones can be kept, and a ``detail`` that
says where it is.
"""

from __future__ import annotations

import ast
import tomllib
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_LINES = 400
QT_MODULES = ("PySide6", "PySide2", "shiboken6", "shiboken2")


@dataclass(frozen=True)
class Edge:
    target: str  # a module of the package, or the top-level name of another package
    line: int
    place: str  # "top", "function" or "TYPE_CHECKING"

    def says(self) -> str:
        where = {"top": "", "function": " in a function", "TYPE_CHECKING": " if TYPE_CHECKING"}
        return f"line {self.line}{where[self.place]}"


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    lines: int
    imports: tuple[Edge, ...]  # of the package's own modules
    external: tuple[Edge, ...]  # of anything else, by top-level name


@dataclass(frozen=True)
class Violation:
    key: str
    detail: str


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def read_package(root: Path, package: str) -> dict[str, Module]:
    """Every module under ``root/package`` with its imports (``root`` holds the package)."""
    paths = {module_name(root, p): p for p in sorted((root / package).rglob("*.py"))}
    names = set(paths)
    modules: dict[str, Module] = {}
    for name, path in paths.items():
        text = path.read_text(encoding="utf-8")
        finder = _ImportFinder(name, path.name == "__init__.py", package, names)
        finder.visit(ast.parse(text, str(path)))
        modules[name] = Module(
            name, path, len(text.splitlines()), tuple(finder.internal), tuple(finder.external)
        )
    return modules


class _ImportFinder(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, package: str, names: set[str]) -> None:
        self.module = module
        self.is_package = is_package
        self.package = package
        self.names = names
        self.place = "top"
        self.internal: list[Edge] = []
        self.external: list[Edge] = []

    def _within(self, place: str, nodes: Iterable[ast.AST]) -> None:
        # The outermost reason an import is not at the top is the one reported.
        outer, self.place = self.place, place if self.place == "top" else self.place
        for node in nodes:
            self.visit(node)
        self.place = outer

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._within("function", node.body)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._within("function", node.body)

    def visit_If(self, node: ast.If) -> None:
        self.visit(node.test)
        test = node.test
        guarded = (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        )
        self._within("TYPE_CHECKING" if guarded else self.place, node.body)
        self._within(self.place, node.orelse)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = self._absolute(node.module or "", node.level)
        for alias in node.names:
            submodule = f"{base}.{alias.name}" if base else alias.name
            self._add(submodule if submodule in self.names else base, node.lineno)

    def _absolute(self, name: str, level: int) -> str:
        if level == 0:
            return name
        parts = self.module.split(".")
        if not self.is_package:
            parts.pop()  # a module's own package is level 1
        parts = parts[: len(parts) - (level - 1)]
        return ".".join([*parts, name] if name else parts)

    def _add(self, name: str, line: int) -> None:
        top = name.split(".")[0]
        if top != self.package:
            self.external.append(Edge(top, line, self.place))
            return
        while name not in self.names and "." in name:
            name = name.rpartition(".")[0]  # the deepest module the name is in
        if name != self.module:
            self.internal.append(Edge(name, line, self.place))


# --- the rules ----------------------------------------------------------------------


def cycles(modules: dict[str, Module]) -> list[Violation]:
    """Each group of modules that import each other, directly or round a loop."""
    found = []
    for group in _strongly_connected(modules):
        if len(group) < 2:
            continue
        loop = _shortest_loop(modules, min(group), set(group))
        hops = " -> ".join(
            f"{module} ({edge.says()})"
            for module, edge in zip(loop, _loop_edges(modules, loop), strict=True)
        )
        found.append(Violation("cycle: " + ", ".join(sorted(group)), f"{hops} -> {loop[0]}"))
    return found


def long_modules(modules: dict[str, Module], root: Path) -> list[Violation]:
    return [
        Violation(
            f"over {MAX_LINES} lines: {m.path.relative_to(root).as_posix()}", f"{m.lines} lines"
        )
        for m in modules.values()
        if m.lines > MAX_LINES
    ]


def qt_reachable(modules: dict[str, Module], below: str) -> list[Violation]:
    """Modules under ``below`` that import Qt, or import something outside ``below`` from
    which Qt is imported by any chain of imports: the places where the chain leaves.

    Importing a module runs its packages' ``__init__`` first, so those count too.
    """
    inside = {m for m in modules if m == below or m.startswith(below + ".")}
    found = []
    for start in sorted(inside):
        qt = [edge for edge in modules[start].external if edge.target in QT_MODULES]
        if qt:
            found.append(Violation(f"Qt reachable from {start}", _says_qt(start, qt[0])))
            continue
        for target in _runs_on_import(modules, start):
            path = [] if target in inside else _path_to_qt(modules, target)
            if path:
                found.append(Violation(f"Qt reachable from {start}", " -> ".join([start, *path])))
                break
    return found


def package_list(root: Path, package: str) -> list[Violation]:
    """``pyproject.toml``'s ``packages`` against the folders that have an ``__init__.py``."""
    tool = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed: list[str] = tool["packages"]
    folders: dict[str, str] = tool.get("package-dir", {})
    present = {module_name(root, init) for init in (root / package).rglob("__init__.py")}
    found = [
        Violation(f"not in pyproject.toml packages: {name}", "its modules would not be installed")
        for name in sorted(present - set(listed))
    ]
    for name in listed:
        folder = root / folders.get(name, name.replace(".", "/"))
        if not (folder / "__init__.py").is_file():
            found.append(Violation(f"no such package: {name}", f"{folder} has no __init__.py"))
    return found


def layout_violations(root: Path, package: str, core: str) -> list[Violation]:
    modules = read_package(root, package)
    return [
        *cycles(modules),
        *long_modules(modules, root),
        *qt_reachable(modules, core),
        *package_list(root, package),
    ]


# --- graph walks --------------------------------------------------------------------


def _strongly_connected(modules: dict[str, Module]) -> Iterator[list[str]]:
    """Tarjan's algorithm, iterative (the graph is a few hundred modules deep at most)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(_targets(modules, root)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    yield group
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(_targets(modules, child))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])


def _targets(modules: dict[str, Module], name: str) -> list[str]:
    return sorted({edge.target for edge in modules[name].imports if edge.target in modules})


def _shortest_loop(modules: dict[str, Module], start: str, group: set[str]) -> list[str]:
    """The fewest modules from ``start`` back to itself, staying inside ``group``."""
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in _targets(modules, node):
            if child == start:
                loop = [node]
                while loop[-1] != start:
                    loop.append(came_from[loop[-1]])
                return loop[::-1]
            if child in group and child not in came_from:
                came_from[child] = node
                queue.append(child)
    raise AssertionError(f"{start} is in a cycle but no loop was found")


def _loop_edges(modules: dict[str, Module], loop: list[str]) -> list[Edge]:
    following = [*loop[1:], loop[0]]
    return [
        next(edge for edge in modules[module].imports if edge.target == target)
        for module, target in zip(loop, following, strict=True)
    ]


def _runs_on_import(modules: dict[str, Module], name: str) -> list[str]:
    """The modules importing ``name`` runs: its own imports and its packages' ``__init__``."""
    parents = [name.rsplit(".", depth)[0] for depth in range(1, name.count(".") + 1)]
    return [*_targets(modules, name), *(p for p in parents if p in modules)]


def _says_qt(module: str, edge: Edge) -> str:
    return f"{module} -> {edge.target} ({edge.says()})"


def _path_to_qt(modules: dict[str, Module], start: str) -> list[str]:
    """The modules from ``start`` to one that imports Qt, and that import; or nothing."""
    came_from: dict[str, str] = {start: start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        qt = [edge for edge in modules[node].external if edge.target in QT_MODULES]
        if qt:
            path = [_says_qt(node, qt[0])]
            while node != start:
                node = came_from[node]
                path.append(node)
            return path[::-1]
        for child in _runs_on_import(modules, node):
            if child not in came_from:
                came_from[child] = node
                queue.append(child)
    return []


def imports_of_tests(paths: Iterable[Path], root: Path) -> list[str]:
    """Imports of a ``conftest`` or a ``test_*`` module: helpers belong in tests/helpers,
    fixtures are found by pytest, and neither is imported."""
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                if any(part == "conftest" or part.startswith("test_") for part in name.split(".")):
                    where = f"{path.relative_to(root).as_posix()}:{node.lineno}"
                    found.append(f"{where} imports {name}")
    return found
