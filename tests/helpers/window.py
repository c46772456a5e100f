"""The real main window as GUI tests open it, and pictures of it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from launcher.core.launcher import Launcher
from launcher.ui.main_window import MainWindow

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# dev.py sets this while it runs the gallery tests on a real X server: their pictures
# ("gallery-STATE") are also kept there, as docs/screenshots/STATE.png.
GALLERY = "COURSE_LAUNCHER_GALLERY"
GALLERY_PREFIX = "gallery-"
# The offscreen platform has no stacking order, so bringing a window forward warns there.
RAISE_UNSUPPORTED = pytest.mark.qt_log_ignore(r"^This plugin does not support raise\(\)$")


class CapturedOpener:
    """Stands in for the browser: records what "Open" would have opened."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url: str) -> None:
        self.urls.append(url)


def screenshot(widget: QWidget, name: str) -> Path:
    """Save a picture of a window or dialog under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    for _ in range(3):  # let pending layout changes (a label that grew) settle first
        QApplication.processEvents()
    assert widget.grab().save(str(path)), f"could not save {path}"
    gallery = os.environ.get(GALLERY)
    if gallery and name.startswith(GALLERY_PREFIX):
        shutil.copyfile(path, Path(gallery) / f"{name.removeprefix(GALLERY_PREFIX)}.png")
    return path


def open_window(
    qtbot: QtBot, launcher: Launcher, opener: CapturedOpener, *, first_run: bool | None = False
) -> MainWindow:
    """The window in its usual view (``first_run=None``: as the settings say, the way the
    app opens it; True: on the first run's page)."""
    window = MainWindow(launcher, opener=opener, first_run=first_run)
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    qtbot.waitExposed(window)
    return window
