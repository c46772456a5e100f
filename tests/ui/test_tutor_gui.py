"""The tutor's tools in the real window, against the real test engine: Reset… (with the
databases made new, a backup first, the folder untouched) and Diagnostics (the doctor's
results, Copy, and a support bundle with no token in it)."""

from __future__ import annotations

from pathlib import Path

import docker
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from launcher.core.environments.state import EnvironmentState
from launcher.ui.dialogs.reset import ResetDialog
from launcher.ui.main_window import MainWindow
from tests.helpers.folders import folder_hashes, make_student_folder
from tests.helpers.window import screenshot

LEFT = Qt.MouseButton.LeftButton


def test_reset_with_databases_from_the_dialog(
    qtbot: QtBot, window: MainWindow, student_area: Path, clean_engine: docker.DockerClient
) -> None:
    launcher = window.launcher
    launcher.settings = type(launcher.settings)(open_browser=False)
    folder = make_student_folder(student_area, "reset-gui")
    (folder / "notebook.ipynb").write_text('{"cells": []}')
    (folder / "data").mkdir()
    (folder / "data" / "rows.csv").write_bytes(b"a,b\n1,2\n" * 1000)
    launcher.start("test-db", folder)
    before = folder_hashes(folder)
    window.refresh()
    window.select_course("test-db")
    qtbot.waitUntil(
        lambda: (
            window.state.statuses.get("test-db") is not None
            and window.state.statuses["test-db"].state == EnvironmentState.RUNNING
        ),
        timeout=30_000,
    )

    dialog = window.tutor_actions.reset_selected()
    assert isinstance(dialog, ResetDialog) and dialog.isVisible()
    assert dialog.databases.isVisible()
    assert str(folder / "backups") in dialog.databases.text()
    assert str(folder) in dialog.kept.text() and "The databases" in dialog.kept.text()
    assert "outside your folder" in dialog.lost.text()
    for control in (dialog.databases, dialog.reset_button, dialog.cancel_button):
        assert control.accessibleName() and control.focusPolicy() & Qt.FocusPolicy.TabFocus
    qtbot.mouseClick(dialog.databases, LEFT)
    assert dialog.databases_chosen()
    assert "The databases" in dialog.lost.text() and "The databases" not in dialog.kept.text()
    screenshot(dialog, "reset-dialog")
    dialog.accept()

    qtbot.waitUntil(lambda: window.runner.busy("env:test-db"), timeout=5_000)
    shown: list[str] = []
    window.draw_timer.timeout.connect(lambda: shown.append(window.page.status_text.text()))
    qtbot.waitUntil(
        lambda: (
            any("backing up" in t.lower() or "removing" in t.lower() for t in shown)
            or not window.runner.busy("env:test-db")
        ),
        timeout=60_000,
    )
    screenshot(window, "resetting")
    qtbot.waitUntil(lambda: not window.runner.busy("env:test-db"), timeout=180_000)
    steps = ("Backing up", "Removing the old environment", "Resetting", "Starting", "Waiting")
    assert any(step in t for t in shown for step in steps), set(shown)  # progress was shown
    assert "test-db" not in window.state.errors, window.state.errors.get("test-db")
    backups = [p for p in (folder / "backups").glob("*") if p.is_file()]
    assert len(backups) == 1 and backups[0].stat().st_size > 0
    assert backups[0].name in window.statusBar().currentMessage()
    assert launcher.status("test-db").state == EnvironmentState.RUNNING
    assert window.state.statuses["test-db"].state == EnvironmentState.RUNNING
    assert folder_hashes(folder) == before
    screenshot(window, "reset-done")


def test_reset_dialog_without_volumes_has_no_databases_box(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.select_course("test-jupyter")
    dialog = window.tutor_actions.reset_selected()
    assert dialog is not None
    assert not dialog.databases.isVisible() and not dialog.databases_chosen()
    assert "databases" not in dialog.kept.text() + dialog.lost.text()
    dialog.reject()
    assert not window.runner.busy("env:test-jupyter")


def test_diagnostics_doctor_copy_and_support_bundle(
    qtbot: QtBot, window: MainWindow, student_area: Path, tmp_path: Path
) -> None:
    launcher = window.launcher
    folder = make_student_folder(student_area, "diag")
    launcher.start("test-jupyter", folder)
    token = launcher.secrets.get("test-jupyter")
    assert token

    dialog = window.show_diagnostics()
    qtbot.waitUntil(lambda: bool(dialog.checks), timeout=60_000)
    row = dialog.row("engine.reachable")
    assert row is not None and "ok" in row.text(0)
    assert all(dialog.row(c.id) is not None for c in dialog.checks)
    assert dialog.results.topLevelItemCount() == len(dialog.checks)
    assert dialog.again.isEnabled()
    screenshot(dialog, "diagnostics-doctor")

    qtbot.mouseClick(dialog.copy, LEFT)
    copied = QGuiApplication.clipboard().text()
    assert "[ok] engine.reachable" in copied and token not in copied

    target = tmp_path / "bundle.txt"
    asked: list[str] = []

    def choose(_parent: QWidget, suggested: str) -> str:
        asked.append(suggested)
        return str(target)

    dialog.ask_bundle_path = choose
    qtbot.mouseClick(dialog.save, LEFT)
    qtbot.waitUntil(lambda: "saved to" in dialog.note.text(), timeout=60_000)
    assert asked and target.is_file()
    text = target.read_text()
    assert "engine.reachable" in text and token not in text
    assert str(target) in dialog.note.text()
    dialog.close()
