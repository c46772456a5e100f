"""Every error a person can meet is a class in ``launcher/core/errors.py``; the code
elsewhere tells errors apart by class, never by exit code."""

from __future__ import annotations

import ast
from pathlib import Path

import launcher
from launcher.core import errors

CORE = Path(launcher.__file__).parent / "core"
ERROR_NAMES = {
    name for name, value in vars(errors).items()
    if isinstance(value, type) and issubclass(value, Exception)
} | {"Exception", "ValueError", "LookupError", "RuntimeError", "OSError"}  # fmt: skip
# Internal signals that never reach a person on their own, each with why.
INTERNAL = {
    "engine/errors.py: NotAnEngineError",  # becomes one line of NoEngineFound's "tried"
}


def test_error_classes_outside_errors_py_are_private() -> None:
    public = []
    for path in sorted(CORE.rglob("*.py")):
        if path == CORE / "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef) or node.name.startswith("_"):
                continue
            bases = {getattr(base, "id", getattr(base, "attr", "")) for base in node.bases}
            if bases & ERROR_NAMES or node.name.endswith(("Error", "Failed")):
                public.append(f"{path.relative_to(CORE)}: {node.name}")
    assert [name for name in public if name not in INTERNAL] == []


def test_nothing_branches_on_an_exit_code() -> None:
    compared = []
    for path in sorted(Path(launcher.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and any(
                isinstance(side, ast.Attribute) and side.attr == "exit_code"
                for side in (node.left, *node.comparators)
            ):
                compared.append(f"{path.name}:{node.lineno}")
    assert compared == []
