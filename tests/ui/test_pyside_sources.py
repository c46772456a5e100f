"""PySide6's import hook answers its question without keeping every module's source."""

from __future__ import annotations

import linecache
import sys
from pathlib import Path

import pytest

from launcher.ui.pyside_sources import FEATURE_MODULE, stop_reading_module_sources


def test_new_modules_leave_no_source_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert stop_reading_module_sources(), "this PySide6 no longer has the check; see the module"
    feature = sys.modules[FEATURE_MODULE]
    (tmp_path / "cl_probe_qt.py").write_text("from PySide6.QtCore import QObject\nQ = QObject\n")
    (tmp_path / "cl_probe_plain.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    linecache.clearcache()
    try:
        __import__("cl_probe_qt")  # the builtin PySide6 replaced, as an import statement
        __import__("cl_probe_plain")
        # PySide6 still learns which module mentions it (0) and which does not (-1) …
        assert feature.pyside_feature_dict["cl_probe_qt"] == 0
        assert feature.pyside_feature_dict["cl_probe_plain"] == -1
        # … and neither file's lines stay behind.
        assert not [name for name in linecache.cache if "cl_probe_" in name]
    finally:
        for name in ("cl_probe_qt", "cl_probe_plain"):
            sys.modules.pop(name, None)
            feature.pyside_feature_dict.pop(name, None)
