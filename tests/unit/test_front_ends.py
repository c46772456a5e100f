"""Who may import whom: the front ends over the facade, the core without circles.

Read from the source with ``ast``, so imports inside functions and under
``TYPE_CHECKING`` count as much as those at the top of a module.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import launcher
from launcher.cli.main import build_parser
from launcher.core.launcher import Launcher

# Plain value modules the window and the command line may import besides the facade:
# states, results, models and text, each importing nothing that talks to Docker, a
# registry or the keyring, and opening no file (both checked below).
VALUE_MODULES = (
    "launcher.core.archive.format",  # the take-away file's suffix and layout
    "launcher.core.catalogue.list_lines",  # the course list's second line
    "launcher.core.catalogue.model",  # courses and catalogues, parsed from text
    "launcher.core.doctor.check",  # one doctor check and its status
    "launcher.core.engine.address",  # whether a text can be an engine address
    "launcher.core.engine.diagnosis",  # why Docker cannot be used, and what to do
    "launcher.core.environments.backup_files",  # where database backups go
    "launcher.core.environments.guide_state",  # a container made with the course guide
    "launcher.core.environments.state",  # an environment's state and addresses
    "launcher.core.images.pull_errors",  # what a failed download means
    "launcher.core.local.paths",  # the launcher's folders, resolved, not created
    "launcher.core.local.resources",  # where the bundled files are
    "launcher.core.local.settings",  # the settings and their JSON form
    "launcher.core.redaction",  # secrets taken out of text
)
FACADE = (
    "launcher.core.launcher",
    "launcher.core.errors",
    "launcher.core.operation",
    "launcher.core.text",
)
FRONT_ENDS = ("launcher.ui", "launcher.cli", "launcher.__main__")
TALKS_TO_THE_WORLD = ("docker", "requests", "urllib3", "keyring", "PySide6", "socket")
OPENS_FILES = {"open", "read_text", "read_bytes", "write_text", "write_bytes", "mkdir",
               "unlink", "rename", "iterdir", "stat", "exists", "is_file"}  # fmt: skip

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
    """Every module ``path`` imports, with the line, wherever the import is."""
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


def core_imports_of_front_ends() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, path in ALL_MODULES.items():
        if not name.startswith(FRONT_ENDS):
            continue
        for target, line in imported(path):
            if target.startswith("launcher.core") and target != "launcher.core":
                found.setdefault(target, []).append(f"{name}:{line}")
    return found


def test_the_front_ends_import_only_the_facade_and_value_modules() -> None:
    """The window and the command line reach every operation through ``Launcher``."""
    below = {
        target: users
        for target, users in core_imports_of_front_ends().items()
        if target not in FACADE + VALUE_MODULES
    }
    assert below == {}


def test_both_front_ends_use_the_facade() -> None:
    """The rule above is not met by importing nothing: both front ends use the facade."""
    users = core_imports_of_front_ends()["launcher.core.launcher"]
    assert any(u.startswith("launcher.ui") for u in users)
    assert any(u.startswith("launcher.cli") for u in users)


def test_value_modules_talk_to_nothing_and_open_no_file() -> None:
    problems = []
    for name in VALUE_MODULES:
        reached, todo = set(), [name]
        while todo:  # the launcher modules it imports, and theirs
            current = todo.pop()
            if current in reached:
                continue
            reached.add(current)
            for target, line in imported(ALL_MODULES[current]):
                if target.split(".")[0] in TALKS_TO_THE_WORLD:
                    problems.append(f"{name} reaches {target} ({current}:{line})")
                elif target in ALL_MODULES:
                    todo.append(target)
        tree = ast.parse(ALL_MODULES[name].read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            called = node.func if isinstance(node, ast.Call) else None
            word = getattr(called, "attr", getattr(called, "id", None))
            if word in OPENS_FILES:
                problems.append(f"{name}:{node.lineno} calls {word}")
    assert problems == []


def test_the_value_module_check_can_fail() -> None:
    tree = ast.parse("from pathlib import Path\nPath('x').read_text()\n")
    calls = [n.func for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert any(getattr(c, "attr", None) in OPENS_FILES for c in calls)


# --- the one-hop table: verb → CLI module → facade method → core module -----------------

TABLE = ROOT.parent / "docs" / "how-it-works.md"


def one_hop_table() -> dict[str, tuple[str, str, str]]:
    rows: dict[str, tuple[str, str, str]] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[1].startswith("cli/"):
            rows[cells[0]] = (cells[1], cells[2].removeprefix("Launcher."), cells[3])
    return rows


def sub_commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def facade_names_used(handler: Callable[..., object]) -> set[str]:
    """``launcher.X`` in the handler and in the module's own helpers it calls."""
    module = sys.modules[handler.__module__]
    functions = {
        node.name: node
        for node in ast.parse(inspect.getsource(module)).body
        if isinstance(node, ast.FunctionDef)
    }
    names: set[str] = set()
    todo, seen = [handler.__name__], set()
    while todo:
        name = todo.pop()
        if name in seen or name not in functions:
            continue
        seen.add(name)
        for node in ast.walk(functions[name]):
            if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "launcher":
                names.add(node.attr)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                todo.append(node.func.id)
    return names


def test_the_table_names_every_sub_command() -> None:
    assert sorted(one_hop_table()) == sorted(sub_commands())


def test_every_sub_command_calls_its_facade_method_from_its_module() -> None:
    wrong = []
    for verb, (cli_module, method, core_module) in one_hop_table().items():
        handler = sub_commands()[verb].get_default("handler")
        if handler.__module__ != "launcher." + cli_module.removesuffix(".py").replace("/", "."):
            wrong.append(f"{verb}: handled in {handler.__module__}, not {cli_module}")
        if not hasattr(Launcher, method):
            wrong.append(f"{verb}: Launcher has no {method}")
        if method not in facade_names_used(handler):
            wrong.append(f"{verb}: {handler.__name__} does not call launcher.{method}")
        if not (ROOT / "core" / core_module).is_file():
            wrong.append(f"{verb}: no launcher/core/{core_module}")
    assert wrong == []


def test_a_handler_that_goes_around_the_facade_is_caught() -> None:
    def _cmd_sneaky(args: object, launcher: Launcher) -> int:
        from launcher.core.environments.containers import stop_environment

        return int(stop_environment(launcher.engine.client, launcher.course("x")))

    assert "stop" not in facade_names_used(_cmd_sneaky)


def test_no_front_end_reaches_the_engine_client() -> None:
    reached = [
        f"{name}:{node.lineno}"
        for name, path in ALL_MODULES.items()
        if name.startswith(FRONT_ENDS)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "client"
    ]
    assert reached == []
