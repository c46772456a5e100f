"""Settings and Diagnostics: saved for real, catalogues loaded in a job, keyboard and names."""

from __future__ import annotations

import http.server
import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAccessible, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from launcher.core.launcher import Launcher
from launcher.core.local import autostart
from launcher.core.local.paths import app_paths
from launcher.core.local.settings_file import load_settings
from launcher.ui.dialogs.settings import SettingsDialog
from launcher.ui.main_window import MainWindow
from tests.helpers.window import CapturedOpener, open_window, screenshot

LEFT = Qt.MouseButton.LeftButton
INTERACTIVE = (QAbstractButton, QLineEdit, QAbstractItemView, QPlainTextEdit)

EXTRA_CATALOGUE = """
schema = 1
[[course]]
id = "extra-course"
code = "XT101"
presentation = "25B"
title = "An extra course from another catalogue"
image = "registry.example.org/xt101:25b"
workspace = "/home/student/work"
[[course.services]]
name = "Jupyter"
port = 8888
"""


@pytest.fixture
def plain_window(qtbot: QtBot, opener: CapturedOpener) -> Iterator[MainWindow]:
    """The real window over the bundled catalogue, with no Docker: settings need none."""
    launcher = Launcher.open()
    main = open_window(qtbot, launcher, opener)
    yield main
    main.close()
    launcher.close()


def named_and_reachable(dialog: QDialog, first: QWidget) -> None:
    controls = [
        w for w in dialog.findChildren(QWidget)
        if isinstance(w, INTERACTIVE) and w.isVisible() and w.window() is dialog
    ]  # fmt: skip
    unnamed = [
        f"{type(w).__name__} {w.objectName()!r}"
        for w in controls
        if not (QAccessible.queryAccessibleInterface(w).text(QAccessible.Text.Name) or "").strip()
    ]
    assert not unnamed, f"controls without an accessible name: {unnamed}"
    dialog.activateWindow()
    first.setFocus()
    reached: set[int] = set()
    for _ in range(len(controls) * 3):
        focused = dialog.focusWidget()
        if focused is not None:
            reached.add(id(focused))
        dialog.focusNextChild()
    enabled = [w for w in controls if w.isEnabled() and w.focusPolicy() != Qt.FocusPolicy.NoFocus]
    missed = [w.accessibleName() for w in enabled if id(w) not in reached]
    assert not missed, f"not reachable with Tab: {missed}"


def test_settings_are_saved_and_checked(qtbot: QtBot, plain_window: MainWindow) -> None:
    window = plain_window
    assert window.settings_action.shortcut() == QKeySequence("Ctrl+,")
    window.settings_action.trigger()
    dialog = window.settings_dialog
    assert isinstance(dialog, SettingsDialog) and dialog.isVisible()
    assert dialog.open_browser.isChecked()
    assert dialog.engine_address.text() == ""  # automatic
    named_and_reachable(dialog, dialog.sources)
    screenshot(dialog, "settings")

    dialog.open_browser.setChecked(False)
    dialog.engine_address.setText("my-docker-host")
    dialog.accept()  # a wrong address: the dialog stays open and says why
    assert dialog.isVisible() and dialog.engine_problem.isVisible()
    assert "unix://" in dialog.engine_problem.text()
    screenshot(dialog, "settings-engine-problem")
    dialog.engine_address.setText("")
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        qtbot.mouseClick(dialog.buttons.buttons()[0], LEFT)  # OK
    assert not dialog.isVisible()
    saved = load_settings(app_paths()).settings
    assert saved.open_browser is False and saved.start_at_login is False
    assert saved.engine_address is None
    assert window.launcher.settings == saved
    assert not autostart.is_enabled()  # off unless the student switches it on


def test_start_at_login_writes_and_removes_the_login_entry(
    qtbot: QtBot, plain_window: MainWindow
) -> None:
    entry = autostart.this_system().entry
    assert entry is not None and not entry.exists()
    for wanted in (True, False):
        plain_window.settings_action.trigger()
        dialog = plain_window.settings_dialog
        assert isinstance(dialog, SettingsDialog)
        assert dialog.start_at_login.isChecked() is not wanted
        dialog.start_at_login.setChecked(wanted)
        if wanted:
            screenshot(dialog, "settings-start-at-login")
        with qtbot.waitSignal(dialog.saved, timeout=10_000):
            qtbot.mouseClick(dialog.buttons.buttons()[0], LEFT)  # OK
        qtbot.waitUntil(lambda: not plain_window.runner.busy("settings"), timeout=10_000)
        assert entry.is_file() is wanted
        assert load_settings(app_paths()).settings.start_at_login is wanted
    assert not entry.parent.exists() or not any(entry.parent.iterdir())


def test_a_catalogue_is_loaded_in_a_job_added_and_removed(
    qtbot: QtBot, plain_window: MainWindow, tmp_path: Path
) -> None:
    window = plain_window
    extra = tmp_path / "extra.toml"
    extra.write_text(EXTRA_CATALOGUE)
    dialog = window.show_settings()
    dialog.new_source.setText(str(extra))
    qtbot.mouseClick(dialog.add, LEFT)
    assert window.runner.busy("settings")  # loading runs as a job, not here
    qtbot.waitUntil(lambda: dialog.sources.count() == 1, timeout=10_000)
    assert dialog.sources.item(0).text() == str(extra)
    assert "1 course" in dialog.catalogue_status.text()
    assert "extra-course" in window.launcher.catalogue
    listed = [window.course_list.item(i).text() for i in range(window.course_list.count())]
    assert any("XT101 25B" in text for text in listed)
    assert load_settings(app_paths()).settings.catalogue_sources == (str(extra),)
    screenshot(dialog, "settings-catalogue-added")

    dialog.new_source.setText("http://catalogue.example.org/courses.toml")
    qtbot.mouseClick(dialog.add, LEFT)
    qtbot.waitUntil(lambda: "https://" in dialog.catalogue_status.text(), timeout=10_000)
    assert dialog.sources.count() == 1  # refused, and said why
    screenshot(dialog, "settings-catalogue-refused")

    dialog.sources.setCurrentRow(0)
    qtbot.mouseClick(dialog.remove, LEFT)
    qtbot.waitUntil(lambda: dialog.sources.count() == 0, timeout=10_000)
    assert "Removed" in dialog.catalogue_status.text()
    assert load_settings(app_paths()).settings.catalogue_sources == ()
    assert "extra-course" not in window.launcher.catalogue
    listed = [window.course_list.item(i).text() for i in range(window.course_list.count())]
    assert listed and not any("XT101 25B" in text for text in listed)  # gone now, not later
    dialog.reject()


class _SlowCatalogue(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(1.0)  # a slow network
        body = EXTRA_CATALOGUE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/toml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_slow_catalogue_address_does_not_freeze_the_window(
    qtbot: QtBot, plain_window: MainWindow
) -> None:
    window = plain_window
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowCatalogue)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/courses.toml"
        dialog = window.show_settings()
        ticks: list[float] = []
        beat = QTimer(window, interval=20, timeout=lambda: ticks.append(time.monotonic()))
        beat.start()
        dialog.new_source.setText(url)
        qtbot.mouseClick(dialog.add, LEFT)
        qtbot.waitUntil(lambda: dialog.sources.count() == 1, timeout=15_000)
        beat.stop()
        gaps = [b - a for a, b in itertools.pairwise(ticks)]
        assert len(ticks) > 20 and max(gaps) < 0.5, f"the event loop stalled {max(gaps):.2f} s"
        assert "extra-course" in window.launcher.catalogue
        dialog.reject()
    finally:
        server.shutdown()
        server.server_close()


def test_diagnostics_show_versions_engine_and_log_and_copy(
    qtbot: QtBot, plain_window: MainWindow
) -> None:
    window = plain_window
    qtbot.waitUntil(window.engine_page.retry.isEnabled, timeout=10_000)  # no Docker here
    dialog = window.show_diagnostics()
    text = dialog.text.toPlainText()
    assert "Course Launcher 0." in text and "Qt 6." in text and "Docker SDK for Python" in text
    assert f"Log file: {app_paths().log_file}" in text
    assert "Docker engine\n  not connected" in text and "last problem: " in text
    assert "TM351 24J" in text and "not known yet" in text
    named_and_reachable(dialog, dialog.text)
    qtbot.mouseClick(dialog.copy, LEFT)
    assert text in QGuiApplication.clipboard().text()  # with the doctor's checks once run
    assert "Copied" in dialog.note.text()
    screenshot(dialog, "diagnostics")
    dialog.close()


def test_diagnostics_with_the_engine(qtbot: QtBot, launcher: Launcher) -> None:
    main = open_window(qtbot, launcher, CapturedOpener())
    try:
        qtbot.waitUntil(lambda: main.watch.engine_ok, timeout=15_000)
        text = main.show_diagnostics().text.toPlainText()
        engine = launcher.connected_engine
        assert engine is not None
        assert f"address: {engine.address}" in text
        assert f"Docker engine {engine.info.engine_version}" in text
        screenshot(main.diagnostics_dialog, "diagnostics-engine")  # type: ignore[arg-type]
    finally:
        main.close()
