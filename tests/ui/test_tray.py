"""The tray: what its menu lists, closing to the tray, and Quit's question.

The menu logic needs no system tray (offscreen has none); the last test runs a
real environment on the test engine and drives it from the tray menu.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
import requests
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QMenu, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from launcher.core.catalogue.catalogue_file import load_catalogue_file
from launcher.core.environments.state import EnvironmentState, EnvironmentStatus, ServiceEndpoint
from launcher.core.launcher import Launcher
from launcher.core.local.resources import resource_path
from launcher.ui.actions.quitting import TRAY_NOTICE, QuitChoice, ask_quit, quit_question
from launcher.ui.main_window import MainWindow
from launcher.ui.widgets.tray import (
    TrayMenuSignals,
    app_icon,
    fill_tray_menu,
    menu_outline,
    tray_entries,
)
from tests.helpers.folders import make_student_folder
from tests.helpers.window import RAISE_UNSUPPORTED, SCREENSHOTS, CapturedOpener, open_window

BUNDLED = load_catalogue_file(resource_path("catalogue.toml"))
FIRST = next(iter(BUNDLED))


def running(course_id: str) -> EnvironmentStatus:
    endpoint = ServiceEndpoint("Jupyter", "http://127.0.0.1:8351/lab", needs_token=True)
    return EnvironmentStatus(course_id, EnvironmentState.RUNNING, endpoints=(endpoint,))


def _action(menu: QMenu, text: str) -> object:
    for action in menu.actions():
        if action.text() == text:
            return action
        sub = action.menu()
        if isinstance(sub, QMenu):
            found = _action(sub, text)
            if found is not None:
                return found
    return None


def test_the_menu_lists_running_environments_with_open_and_stop(qtbot: QtBot) -> None:
    assert not app_icon().isNull()  # the SVG icon loads (QtSvg image plugin)
    statuses = {
        FIRST.id: running(FIRST.id),
        "gone": EnvironmentStatus("gone", EnvironmentState.RUNNING),  # not in the catalogue
    }
    for course in list(BUNDLED)[1:]:
        statuses[course.id] = EnvironmentStatus(course.id, EnvironmentState.STOPPED)
    entries = tray_entries(BUNDLED, statuses, {FIRST.id: frozenset({"Jupyter"})})
    assert [e.course_id for e in entries] == [FIRST.id]

    menu = QMenu()
    signals = TrayMenuSignals()
    fill_tray_menu(menu, entries, signals)
    outline = menu_outline(menu)
    assert outline[0] == "Show Course Launcher"
    assert f"{FIRST.display_name} >" in outline
    assert "  Open Jupyter" in outline and "  Stop" in outline
    others = [f"  ({'Open ' + s.name})" for s in FIRST.services if s.name != "Jupyter"]
    assert all(line in outline for line in others)  # not answering yet: disabled
    assert outline[-1] == "Quit"

    opened: list[tuple[str, str]] = []
    stopped: list[str] = []
    signals.open_requested.connect(lambda course, service: opened.append((course, service)))
    signals.stop_requested.connect(stopped.append)
    _action(menu, "Open Jupyter").trigger()  # type: ignore[attr-defined]
    _action(menu, "Stop").trigger()  # type: ignore[attr-defined]
    assert opened == [(FIRST.id, "Jupyter")] and stopped == [FIRST.id]

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert menu.grab().save(str(SCREENSHOTS / "tray-menu.png"))
    sub = _action(menu, f"{FIRST.display_name}").menu()  # type: ignore[attr-defined]
    assert sub.grab().save(str(SCREENSHOTS / "tray-menu-environment.png"))

    fill_tray_menu(menu, (), signals)  # nothing running
    assert menu_outline(menu) == [
        "Show Course Launcher", "---", "(No environment is running)", "---", "Quit",
    ]  # fmt: skip


@pytest.fixture
def engineless_window(qtbot: QtBot, opener: CapturedOpener) -> Iterator[MainWindow]:
    """The real window over the bundled catalogue, with no Docker (nothing is started)."""
    launcher = Launcher.open()
    window = open_window(qtbot, launcher, opener)
    window.tray.in_use = True  # as on a desktop with a tray (offscreen has none)
    yield window
    window.leaving.ask = lambda _parent, _names: QuitChoice.KEEP
    window.quit_app()
    launcher.close()


@RAISE_UNSUPPORTED
def test_closing_while_running_keeps_the_app_in_the_tray_and_says_so_once(
    qtbot: QtBot, engineless_window: MainWindow
) -> None:
    window = engineless_window
    closed: list[bool] = []
    window.closed.connect(lambda: closed.append(True))
    window.state.statuses = {FIRST.id: running(FIRST.id)}
    window.close()
    assert not window.isVisible() and not closed
    assert window.tray.messages == [TRAY_NOTICE]
    window.bring_forward()
    assert window.isVisible()
    window.close()
    assert not window.isVisible() and not closed
    assert window.tray.messages == [TRAY_NOTICE]  # once is enough

    window.bring_forward()
    window.state.statuses = {}  # nothing runs: closing is quitting
    window.close()
    assert closed == [True]


def test_quit_asks_and_cancel_keeps_everything(qtbot: QtBot, engineless_window: MainWindow) -> None:
    window = engineless_window
    asked: list[list[str]] = []

    def answer(_parent: QWidget, names: list[str]) -> QuitChoice:
        asked.append(names)
        return QuitChoice.CANCEL

    window.leaving.ask = answer
    window.state.statuses = {FIRST.id: running(FIRST.id)}
    window.quit_app()
    assert asked == [[FIRST.display_name]]
    assert window.isVisible()

    closed: list[bool] = []
    window.closed.connect(lambda: closed.append(True))
    window.leaving.ask = lambda _parent, _names: QuitChoice.KEEP
    window.quit_app()
    assert closed == [True] and not window.isVisible()


def test_the_quit_question_is_answered_by_its_buttons(qtbot: QtBot) -> None:
    names = [FIRST.display_name]
    box = quit_question(None, names)
    qtbot.addWidget(box)
    texts = [b.text().replace("&", "") for b in box.buttons()]
    assert {"Stop and quit", "Keep running and quit", "Cancel"} <= set(texts)
    assert all(b.accessibleName() for b in box.buttons())
    assert box.defaultButton().text() == "&Stop and quit"
    box.resize(520, 240)
    box.show()
    qtbot.waitExposed(box)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert box.grab().save(str(SCREENSHOTS / "quit-question.png"))
    box.close()

    def click(text: str) -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QMessageBox)
        for button in dialog.findChildren(QAbstractButton):
            if button.text() == text:
                button.click()

    QTimer.singleShot(100, lambda: click("&Keep running and quit"))
    assert ask_quit(None, names) is QuitChoice.KEEP
    QTimer.singleShot(100, lambda: click("&Stop and quit"))
    assert ask_quit(None, names) is QuitChoice.STOP


def test_tray_open_then_quit_stops_the_environment(
    qtbot: QtBot, window: MainWindow, opener: CapturedOpener, student_area: Path,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    window.launcher.settings = type(window.launcher.settings)(open_browser=False)
    window.tray.in_use = True
    window.select_course("test-jupyter")
    window.page.folder.setText(str(make_student_folder(student_area, "tray")))
    qtbot.waitUntil(window.page.start.isEnabled, timeout=10_000)
    window.page.start.click()
    qtbot.waitUntil(lambda: "  Open Jupyter" in menu_outline(window.tray.menu), timeout=180_000)
    outline = menu_outline(window.tray.menu)
    assert f"{window.launcher.course('test-jupyter').display_name} >" in outline

    window.close()  # stays in the tray: the environment runs on
    assert not window.isVisible() and window.tray.messages == [TRAY_NOTICE]
    _action(window.tray.menu, "Open Jupyter").trigger()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: bool(opener.urls), timeout=10_000)
    assert "token=" in opener.urls[-1]
    assert requests.get(opener.urls[-1], timeout=10).status_code == 200

    diagnostics = window.show_diagnostics()
    text = diagnostics.text.toPlainText()
    token = window.launcher.ensure_token("test-jupyter")
    assert token and token not in text
    assert "test-jupyter" in text and "running" in text and "token kept private" in text
    diagnostics.close()

    closed: list[bool] = []
    window.closed.connect(lambda: closed.append(True))
    window.leaving.ask = lambda _parent, _names: QuitChoice.STOP
    _action(window.tray.menu, "Quit").trigger()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: bool(closed), timeout=60_000)
    states = {c.name: c.status for c in clean_engine.containers.list(all=True)}
    assert states and "running" not in states.values(), states


def test_a_course_ready_while_the_window_is_in_the_tray_is_told_by_a_notification(
    qtbot: QtBot, window: MainWindow, student_area: Path, clean_engine: docker.DockerClient
) -> None:
    window.launcher.settings = type(window.launcher.settings)(open_browser=False)
    window.tray.in_use = True
    window.select_course("test-jupyter")
    window.page.folder.setText(str(make_student_folder(student_area, "left")))
    qtbot.waitUntil(window.page.start.isEnabled, timeout=10_000)
    window.page.start.click()
    qtbot.waitUntil(lambda: window.runner.busy("env:test-jupyter"), timeout=5_000)
    window.hide()  # a long download is left to run, the window in the tray
    qtbot.waitUntil(lambda: not window.runner.busy("env:test-jupyter"), timeout=180_000)
    assert "test-jupyter" not in window.state.errors, window.state.errors.get("test-jupyter")
    assert window.state.statuses["test-jupyter"].state == EnvironmentState.RUNNING
    assert window.tray.messages == ["TEST1 is ready"]
