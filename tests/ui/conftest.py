"""GUI fixtures: the real main window over a launcher pointed at the test engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from launcher.core.launcher import Launcher
from launcher.ui.main_window import MainWindow
from tests.integration.conftest import course_catalogue, launcher, student_area

__all__ = ["course_catalogue", "launcher", "student_area"]  # fixtures shared with integration

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
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
    return path


@pytest.fixture
def opener() -> CapturedOpener:
    return CapturedOpener()


def open_window(qtbot: QtBot, launcher: Launcher, opener: CapturedOpener) -> MainWindow:
    window = MainWindow(launcher, opener=opener)
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(
    qtbot: QtBot, launcher: Launcher, opener: CapturedOpener, clean_engine: docker.DockerClient
) -> Iterator[MainWindow]:
    main = open_window(qtbot, launcher, opener)
    qtbot.waitUntil(lambda: main.watch.engine_ok, timeout=15_000)
    yield main
    main.close()
