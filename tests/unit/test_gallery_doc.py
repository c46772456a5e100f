"""The gallery in docs/screenshots.md shows every picture the gallery tests take, and
only those; each such test carries the ``gallery`` marker, so dev.py's pass on a real X
server takes it again (tests/helpers/window.py saves it into docs/screenshots/)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GALLERY_DOC = ROOT / "docs" / "screenshots.md"
PICTURES = ROOT / "docs" / "screenshots"
PREFIX = "gallery-"


def _is_gallery_mark(node: ast.expr) -> bool:
    # pytest.mark.gallery, written as a decorator or in a module's pytestmark
    return isinstance(node, ast.Attribute) and node.attr == "gallery"


def _marked(function: ast.FunctionDef, module_marks: bool) -> bool:
    return module_marks or any(_is_gallery_mark(d) for d in function.decorator_list)


def _starts_gallery_name(node: ast.JoinedStr) -> bool:
    first = node.values[0] if node.values else None
    return isinstance(first, ast.Constant) and str(first.value).startswith(PREFIX)


def _module_marked(tree: ast.Module) -> bool:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "pytestmark" for target in node.targets
        ):
            values = node.value.elts if isinstance(node.value, ast.List) else [node.value]
            return any(_is_gallery_mark(value) for value in values)
    return False


def gallery_pictures(tests: Path) -> dict[str, tuple[str, bool]]:
    """Every "gallery-NAME" picture a test takes: NAME -> (where, whether it is marked).
    Names are literals (in the test or its parametrize), so this list is complete."""
    found: dict[str, tuple[str, bool]] = {}
    for path in sorted(tests.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_marks = _module_marked(tree)
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef) or not function.name.startswith("test"):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.JoinedStr) and _starts_gallery_name(node):
                    where = f"{path.relative_to(tests.parent)}:{node.lineno}"
                    raise AssertionError(f"{where}: name a gallery picture with a literal")
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
    not_shown = sorted(set(pictures) - listed)
    assert not not_shown, f"pictures missing from docs/screenshots.md: {not_shown}"
    no_test = sorted(listed - set(pictures))
    assert not no_test, f"docs/screenshots.md shows pictures no test takes: {no_test}"
    not_kept = sorted(name for name in listed if not (PICTURES / f"{name}.png").is_file())
    assert not not_kept, f"listed but not kept in docs/screenshots/: {not_kept}"


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
    found = gallery_pictures(tests)
    (tests / "test_c.py").write_text("def test_five(w, s):\n    screenshot(w, f'gallery-{s}')\n")
    with pytest.raises(AssertionError, match=r"test_c\.py:2: name a gallery picture"):
        gallery_pictures(tests)
    assert found == {
        "first-run": ("tests/test_a.py::test_one", True),
        "stopped": ("tests/test_a.py::test_two", False),
        "running": ("tests/test_b.py::test_four", True),
    }
