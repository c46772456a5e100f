"""Stop PySide6 from keeping the source text of every module in memory.

PySide6 replaces ``__import__`` to support ``from __feature__ import snake_case``:
after each new module is imported it calls ``inspect.getsource(module)`` to see
whether the text mentions PySide6. That answer is all it keeps, but ``inspect``
reads through ``linecache``, which keeps every line of every file imported after
Qt: about 11 MB once the Docker SDK is loaded, and memory Python cannot hand back
afterwards because it is interleaved with the modules themselves. The same question
is answered here from the file's bytes, with nothing cached. (A frozen app has no
sources, so there the check was already cheap.)
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import PySide6.QtCore  # noqa: F401 - installs the import hook this module tames

FEATURE_MODULE = "PySide6.support.feature"


def _mentions_pyside(module: ModuleType) -> bool:
    """What PySide6 asks of a module: does its source text contain "PySide6"?"""
    origin = getattr(getattr(module, "__spec__", None), "origin", None)
    if not isinstance(origin, str) or not origin.endswith(".py"):
        return False  # built in, compiled, or bytecode only: no source to look at
    try:
        return b"PySide6" in Path(origin).read_bytes()
    except OSError:
        return False


def stop_reading_module_sources() -> bool:
    """Replace PySide6's check; False when this PySide6 has no such check."""
    feature = sys.modules.get(FEATURE_MODULE)
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False
    setattr(feature, "_mod_uses_pyside", _mentions_pyside)  # noqa: B010 - a private name
    return True
