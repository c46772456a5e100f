"""A place for a file that cannot be written, chosen in the window: the typed message
and its hint on the course page, before any work starts."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from launcher.core.local.destinations import HINT
from launcher.ui.main_window import MainWindow
from tests.helpers.window import screenshot


def test_export_under_a_file_is_refused_before_any_work(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    window.select_course("test-jupyter")  # not installed: work would say so first

    job = window.image_actions.export_selected(a_file / "test-jupyter.course.tar")
    assert job is not None
    qtbot.waitUntil(lambda: "test-jupyter" in window.state.errors, timeout=30_000)

    assert window.state.errors["test-jupyter"] == (
        f"The export cannot be saved in {a_file}: {a_file} is a file, not a folder.",
        HINT,
    )
    qtbot.waitUntil(lambda: HINT in window.page.status_text.text(), timeout=5_000)
    assert "is a file, not a folder" in window.page.status_text.text()
    assert a_file.read_text() == "not a folder"
    screenshot(window, "export-destination-refused")
