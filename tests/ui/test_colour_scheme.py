"""The window follows the system's colour scheme: a dark palette when the system turns
dark (where the platform did not give one), the system's own when it turns light."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from launcher.ui.colour_scheme import DARK_PROPERTY, ColourSchemeFollower, looks_dark
from launcher.ui.main_window import MainWindow
from tests.helpers.window import screenshot


@pytest.fixture
def follower(qapp: QApplication) -> Iterator[ColourSchemeFollower]:
    light = qapp.palette()
    follower = ColourSchemeFollower(qapp)
    yield follower
    follower.deleteLater()
    qapp.setProperty(DARK_PROPERTY, False)
    qapp.setPalette(light)


@pytest.mark.gallery
def test_the_window_turns_dark_and_light_with_the_system(
    qtbot: QtBot, qapp: QApplication, window: MainWindow, follower: ColourSchemeFollower
) -> None:
    window.select_course("test-multi")
    qtbot.waitUntil(lambda: window.state.installed is not None, timeout=15_000)  # drawn whole
    hints = qapp.styleHints()
    assert not looks_dark(qapp.palette())  # the test platform's own palette is light
    screenshot(window, "gallery-light")
    light_base = window.course_list.palette().color(QPalette.ColorRole.Base)

    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # as the system says on a switch
    qtbot.waitUntil(lambda: looks_dark(window.palette()), timeout=5_000)
    assert looks_dark(window.page.palette())
    assert window.course_list.palette().color(QPalette.ColorRole.Base).lightness() < 64
    text = window.page.status_text.palette().color(QPalette.ColorRole.WindowText)
    assert text.lightness() > 200  # light words on the dark page
    screenshot(window, "gallery-dark")

    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    qtbot.waitUntil(lambda: not looks_dark(window.palette()), timeout=5_000)
    assert window.course_list.palette().color(QPalette.ColorRole.Base) == light_base
