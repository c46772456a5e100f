"""The student's whole journey in the real window on the real test engine, as a first
year student meets it: the first run asks which course, the course is chosen, its
folder given, Install pressed, and Open gives Jupyter logged in, where a notebook
saved lands in the student's folder. Once with the mouse, once by keyboard only."""

from __future__ import annotations

import json
from pathlib import Path

import docker
import requests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from launcher.core.environments.state import EnvironmentState
from launcher.core.launcher import Launcher
from launcher.ui.main_window import MainWindow
from tests.helpers.folders import make_student_folder
from tests.helpers.images import remove_all_images
from tests.helpers.window import CapturedOpener, open_window

COURSE = "test-jupyter"
LEFT = Qt.MouseButton.LeftButton
INSTALL_AND_START_S = 300


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def press(qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier | None = None) -> None:
    """A key, to whatever has the focus: what a keyboard does."""
    if modifier is None:
        qtbot.keyClick(focused(), key)
    else:
        qtbot.keyClick(focused(), key, modifier)


def tab_until(qtbot: QtBot, target: QWidget, limit: int = 30) -> None:
    for _ in range(limit):
        if focused() is target:
            return
        press(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {target.accessibleName()!r}")


def wait_for_install(qtbot: QtBot, window: MainWindow) -> None:
    """The page's next step is Install: the engine has said the course is not here."""
    start = window.page.start
    qtbot.waitUntil(
        lambda: start.isVisible() and start.accessibleName().startswith("Install"),
        timeout=15_000,
    )


def wait_for_open_jupyter(qtbot: QtBot, window: MainWindow) -> QWidget:
    page = window.page

    def ready() -> bool:
        pair = page.service_buttons.get("Jupyter")
        return pair is not None and pair[0].isVisible() and pair[0].isEnabled()

    qtbot.waitUntil(
        lambda: ready() or COURSE in window.state.errors, timeout=INSTALL_AND_START_S * 1000
    )
    assert COURSE not in window.state.errors, window.state.errors.get(COURSE)
    assert window.state.statuses[COURSE].state == EnvironmentState.RUNNING
    return page.service_buttons["Jupyter"][0]


def opened_jupyter_saves_into(url: str, folder: Path) -> None:
    """The address Open gave is Jupyter, logged in; a notebook saved there is the
    student's file in the chosen folder."""
    session = requests.Session()
    answer = session.get(url, timeout=10)
    assert answer.status_code == 200 and "jupyter" in answer.text.lower()
    base, _, query = url.partition("?")
    token = dict(part.split("=", 1) for part in query.split("&"))["token"]
    root = base.split("/tree")[0].split("/lab")[0].rstrip("/")
    notebook = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    saved = session.put(
        f"{root}/api/contents/journey.ipynb",
        headers={"Authorization": f"token {token}"},
        data=json.dumps({"type": "notebook", "format": "json", "content": notebook}),
        timeout=10,
    )
    assert saved.status_code in (200, 201), saved.text
    on_disk = folder / "journey.ipynb"
    assert on_disk.is_file() and json.loads(on_disk.read_text())["nbformat"] == 4


def first_run_window(
    qtbot: QtBot, launcher: Launcher, opener: CapturedOpener, engine: docker.DockerClient
) -> MainWindow:
    remove_all_images(engine)  # nothing installed: the journey starts with a download
    launcher.settings = type(launcher.settings)()  # nothing used yet: a first run
    window = open_window(qtbot, launcher, opener, first_run=None)  # as the app opens it
    assert window.welcome is not None and window.welcome.isVisible()
    qtbot.waitUntil(lambda: window.watch.engine_ok, timeout=15_000)
    return window


def test_the_whole_journey_with_the_mouse(
    qtbot: QtBot, launcher: Launcher, opener: CapturedOpener, student_area: Path,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    window = first_run_window(qtbot, launcher, opener, clean_engine)
    try:
        welcome = window.welcome
        assert welcome is not None
        row = welcome.visible_ids().index(COURSE)
        item = welcome.list.topLevelItem(row)
        assert item is not None
        spot = welcome.list.visualItemRect(item).center()
        qtbot.mouseClick(welcome.list.viewport(), LEFT, pos=spot)
        qtbot.mouseDClick(welcome.list.viewport(), LEFT, pos=spot)  # chooses it
        qtbot.waitUntil(lambda: window.welcome is None, timeout=5_000)
        assert window.selected_id() == COURSE and window.page.isVisible()

        folder = make_student_folder(student_area, "journey-mouse")
        page = window.page
        wait_for_install(qtbot, window)  # the course's state is known: the folder can change
        qtbot.mouseClick(page.folder, LEFT)
        page.folder.selectAll()
        qtbot.keyClicks(page.folder, str(folder))  # what the folder chooser would write
        assert page.folder.text() == str(folder)
        qtbot.mouseClick(page.start, LEFT)  # Install (size): download, then start
        qtbot.waitUntil(lambda: window.runner.busy(f"env:{COURSE}"), timeout=5_000)

        open_jupyter = wait_for_open_jupyter(qtbot, window)
        assert window.launcher.folder_for(COURSE) == folder
        qtbot.waitUntil(lambda: bool(opener.urls), timeout=10_000)  # opened by itself
        assert "token=" in opener.urls[0]  # logged in
        opener.urls.clear()  # and again from the Open button
        qtbot.mouseClick(open_jupyter, LEFT)
        qtbot.waitUntil(lambda: bool(opener.urls), timeout=10_000)
        opened_jupyter_saves_into(opener.urls[-1], folder)
        assert (folder / "journey.ipynb").stat().st_uid != 0  # not a root-owned file

        qtbot.mouseClick(page.stop, LEFT)
        qtbot.waitUntil(
            lambda: window.state.statuses[COURSE].state == EnvironmentState.STOPPED,
            timeout=60_000,
        )
    finally:
        window.close()


def test_the_whole_journey_by_keyboard_only(
    qtbot: QtBot, launcher: Launcher, opener: CapturedOpener, student_area: Path,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    window = first_run_window(qtbot, launcher, opener, clean_engine)
    try:
        window.activateWindow()
        welcome = window.welcome
        assert welcome is not None
        qtbot.waitUntil(lambda: QApplication.focusWidget() is welcome.search, timeout=5_000)
        qtbot.keyClicks(focused(), "jupyter test course")  # typing searches
        assert welcome.visible_ids() == [COURSE]
        press(qtbot, Qt.Key.Key_Return)  # Enter chooses
        qtbot.waitUntil(lambda: window.welcome is None, timeout=5_000)
        assert window.selected_id() == COURSE

        page = window.page
        folder = make_student_folder(student_area, "journey-keys")
        wait_for_install(qtbot, window)
        tab_until(qtbot, page.folder)
        press(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(focused(), str(folder))
        assert page.folder.text() == str(folder)
        tab_until(qtbot, page.start)
        press(qtbot, Qt.Key.Key_Return)  # Install
        qtbot.waitUntil(lambda: window.runner.busy(f"env:{COURSE}"), timeout=5_000)

        open_jupyter = wait_for_open_jupyter(qtbot, window)
        qtbot.waitUntil(lambda: bool(opener.urls), timeout=10_000)  # opened by itself
        opener.urls.clear()
        tab_until(qtbot, open_jupyter)
        press(qtbot, Qt.Key.Key_Return)  # Open Jupyter
        qtbot.waitUntil(lambda: bool(opener.urls), timeout=10_000)
        opened_jupyter_saves_into(opener.urls[-1], folder)
    finally:
        window.close()
