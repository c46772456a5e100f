"""The shape of ``launcher/``, read from its source (nothing is imported): no import
cycles, not even ones hidden in a function or under ``TYPE_CHECKING``; no module over
400 lines; no Qt reachable from ``launcher/core``; ``pyproject.toml`` lists every
package; no test imports a conftest or another test module. Then the checker itself,
on small made-up trees, so it is known to fail."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.helpers.import_graph import (
    Violation,
    cycles,
    imports_of_tests,
    layout_violations,
    long_modules,
    package_list,
    qt_reachable,
    read_package,
)

ROOT = Path(__file__).resolve().parents[2]


def test_launcher_keeps_its_layout() -> None:
    found = layout_violations(ROOT, "launcher", "launcher.core")
    assert not found, "\n".join(f"{v.key}\n    {v.detail}" for v in found)


def test_no_test_or_benchmark_imports_a_conftest_or_a_test_module() -> None:
    paths = [*(ROOT / "tests").rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py")]
    assert imports_of_tests(sorted(paths), ROOT) == []


# --- the checker, on made-up trees ---------------------------------------------------


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


PACKAGES = {
    "app/__init__.py": "",
    "app/core/__init__.py": "",
    "app/ui/__init__.py": "",
}


def keys(found: list[Violation]) -> list[str]:
    return sorted(v.key for v in found)


def test_a_cycle_through_an_import_inside_a_function_is_reported(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        PACKAGES
        | {
            "app/core/a.py": "from app.core import b\n",
            "app/core/b.py": "def late():\n    from app.core.a import thing\n",
        },
    )
    found = cycles(read_package(root, "app"))
    assert keys(found) == ["cycle: app.core.a, app.core.b"]
    assert (
        found[0].detail == "app.core.a (line 1) -> app.core.b (line 2 in a function) -> app.core.a"
    )


def test_a_cycle_through_type_checking_is_reported(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        PACKAGES
        | {
            "app/ui/window.py": "import app.ui.helper\n",
            "app/ui/helper.py": """\
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from .window import Window
                """,
        },
    )
    found = cycles(read_package(root, "app"))
    assert keys(found) == ["cycle: app.ui.helper, app.ui.window"]
    assert "(line 3 if TYPE_CHECKING)" in found[0].detail


def test_a_longer_loop_names_every_module_and_one_way_imports_are_no_cycle(
    tmp_path: Path,
) -> None:
    root = tree(
        tmp_path,
        PACKAGES
        | {
            "app/core/a.py": "from . import b\n",
            "app/core/b.py": "from .c import name\n",
            "app/core/c.py": "import app.core.a as a\n",
            "app/core/d.py": "from app.core import a, b, c\n",  # into the loop, not in it
        },
    )
    assert keys(cycles(read_package(root, "app"))) == ["cycle: app.core.a, app.core.b, app.core.c"]


def test_from_import_is_an_edge_to_the_submodule_when_there_is_one(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        PACKAGES
        | {
            "app/core/engine/__init__.py": "",
            "app/core/engine/model.py": "X = 1\n",
            "app/core/user.py": "from app.core.engine import model, missing_name\n",
            "app/core/relative.py": "from .engine.model import X\nfrom .. import ui\n",
        },
    )
    modules = read_package(root, "app")
    assert [e.target for e in modules["app.core.user"].imports] == [
        "app.core.engine.model",
        "app.core.engine",
    ]
    assert [e.target for e in modules["app.core.relative"].imports] == [
        "app.core.engine.model",
        "app.ui",
    ]


def test_a_module_over_400_lines_is_reported_and_400_is_not(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        PACKAGES | {"app/core/long.py": "x = 1\n" * 401, "app/core/full.py": "x = 1\n" * 400},
    )
    found = long_modules(read_package(root, "app"), root)
    assert [(v.key, v.detail) for v in found] == [("over 400 lines: app/core/long.py", "401 lines")]


def test_qt_imported_in_core_or_reached_through_another_package_is_reported(
    tmp_path: Path,
) -> None:
    root = tree(
        tmp_path,
        PACKAGES
        | {
            "app/core/direct.py": "def show():\n    from PySide6.QtWidgets import QLabel\n",
            "app/core/through_ui.py": "from app.ui import view\n",
            "app/core/through_init.py": "import app.shell.tools\n",
            "app/core/above.py": "from app.core import through_ui\n",  # the chain leaves below
            "app/core/clean.py": "import json\nfrom app.core import plain\n",
            "app/core/plain.py": "",
            "app/core/sub/__init__.py": "import shiboken6\n",
            "app/ui/view.py": "from PySide6 import QtCore\n",
            "app/shell/__init__.py": "from PySide6 import QtGui\n",
            "app/shell/tools.py": "",  # importing it runs shell/__init__.py first
        },
    )
    found = {v.key: v.detail for v in qt_reachable(read_package(root, "app"), "app.core")}
    assert found == {
        "Qt reachable from app.core.direct": "app.core.direct -> PySide6 (line 2 in a function)",
        "Qt reachable from app.core.sub": "app.core.sub -> shiboken6 (line 1)",
        "Qt reachable from app.core.through_init": (
            "app.core.through_init -> app.shell.tools -> app.shell -> PySide6 (line 1)"
        ),
        "Qt reachable from app.core.through_ui": (
            "app.core.through_ui -> app.ui.view -> PySide6 (line 1)"
        ),
    }


def test_packages_missing_from_pyproject_or_listed_but_absent_are_reported(
    tmp_path: Path,
) -> None:
    root = tree(
        tmp_path,
        PACKAGES
        | {
            "app/core/new/__init__.py": "",
            "data/__init__.py": "",
            "pyproject.toml": """\
                [tool.setuptools]
                packages = ["app", "app.core", "app.ui", "app.gone", "app.data"]
                package-dir = { "app.data" = "data" }
                """,
        },
    )
    assert keys(package_list(root, "app")) == [
        "no such package: app.gone",
        "not in pyproject.toml packages: app.core.new",
    ]


def test_imports_of_conftests_and_test_modules_are_found(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "tests/ui/test_a.py": """\
                from tests.ui.conftest import open_window
                from tests.integration import test_updates
                import tests.unit.test_catalogue
                from tests.helpers.window import screenshot
                from tests.testbed.testbed import TestbedState
                """,
        },
    )
    assert imports_of_tests([root / "tests/ui/test_a.py"], root) == [
        "tests/ui/test_a.py:1 imports tests.ui.conftest.open_window",
        "tests/ui/test_a.py:2 imports tests.integration.test_updates",
        "tests/ui/test_a.py:3 imports tests.unit.test_catalogue",
    ]
