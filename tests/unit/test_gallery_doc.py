"""The gallery in docs/screenshots.md shows every picture the gallery tests take, and
only those; each such test carries the ``gallery`` marker, so dev.py's pass on a real X
server takes it again (tests/helpers/window.py saves it into docs/screenshots/)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GALLERY_DOC = ROOT / "docs" / "screenshots.md"
PICTURES = ROOT / "docs" / "screenshots"
PREFIX = "gallery-"


def _is_gallery_mark(node: ast.expr) -> bool:
    # pytest.mark.gallery, written as a decorator or in a module's pytestmark
    return isinstance(node, ast.Attribute) and node.attr == "gallery"


def _marked(function: ast.FunctionDef, module_marks: bool) -> bool:
    return module_marks or any(_is_gallery_mark(d) for d in function.decorator_list)


def _module_marked(tree: ast.Module) -> bool:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "pytestmark" for target in node.targets
        ):
            values = node.value.elts if isinstance(node.value, ast.List) else [node.value]
            return any(_is_gallery_mark(value) for value in values)
    return False


def gallery_pictures(tests: Path) -> dict[str, tuple[str, bool]]:
    """Every "gallery-NAME" picture a test takes: NAME -> (where, whether it is marked)."""
    found: dict[str, tuple[str, bool]] = {}
    for path in sorted(tests.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_marks = _module_marked(tree)
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef) or not function.name.startswith("test"):
                continue
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and node.value.startswith(PREFIX)
                ):
                    where = f"{path.relative_to(tests.parent)}::{function.name}"
                    found[node.value.removeprefix(PREFIX)] = (
                        where,
                        _marked(function, module_marks),
                    )
    return found


def test_every_gallery_picture_is_marked_shown_and_kept() -> None:
    pictures = gallery_pictures(ROOT / "tests")
    unmarked = [where for where, marked in pictures.values() if not marked]
    assert not unmarked, f"gallery pictures taken by tests without the gallery marker: {unmarked}"
    listed = set(re.findall(r"\(screenshots/([a-z0-9-]+)\.png\)", GALLERY_DOC.read_text()))
    assert sorted(set(pictures) - listed) == [], "pictures missing from docs/screenshots.md"
    assert sorted(listed - set(pictures)) == [], "docs/screenshots.md shows pictures no test takes"
    missing = sorted(name for name in listed if not (PICTURES / f"{name}.png").is_file())
    assert missing == [], "pictures listed but not kept in docs/screenshots/"


def test_the_scan_finds_marked_and_unmarked_pictures(tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_a.py").write_text(
        "import pytest\n"
        "@pytest.mark.gallery\n"
        "def test_one(w):\n    screenshot(w, 'gallery-first-run')\n"
        "def test_two(w):\n    screenshot(w, 'gallery-stopped')\n"
        "def test_three(w):\n    screenshot(w, 'not-in-gallery')\n"
    )
    (tests / "test_b.py").write_text(
        "import pytest\npytestmark = [pytest.mark.engine, pytest.mark.gallery]\n"
        "def test_four(w):\n    screenshot(w, 'gallery-running')\n"
    )
    assert gallery_pictures(tests) == {
        "first-run": ("tests/test_a.py::test_one", True),
        "stopped": ("tests/test_a.py::test_two", False),
        "running": ("tests/test_b.py::test_four", True),
    }
