"""The window's other states: Docker missing then started, cancel, two services,
errors — and every control named and reachable by keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from launcher.core.environments.state import EnvironmentState
from launcher.core.launcher import Launcher
from launcher.ui.main_window import MainWindow
from tests.helpers.folders import make_student_folder
from tests.helpers.images import remove_all_images
from tests.helpers.window import CapturedOpener, open_window, screenshot
from tests.testbed.engine_proxy import EngineProxy
from tests.testbed.testbed import TestbedState

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def late_engine(tmp_path: Path, testbed: TestbedState) -> Iterator[EngineProxy]:
    proxy = EngineProxy(tmp_path / "docker.sock", testbed.docker_host.removeprefix("unix://"))
    yield proxy
    proxy.stop()


def test_docker_missing_then_started_is_noticed_by_itself(
    qtbot: QtBot, late_engine: EngineProxy, course_catalogue: Path, opener: CapturedOpener,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    launcher = Launcher.open(
        catalogues=[str(course_catalogue)], engine=f"unix://{late_engine.path}"
    )
    window = open_window(qtbot, launcher, opener)
    window.watch.engine_timer.setInterval(300)  # the real one waits 5 s between looks
    try:
        qtbot.waitUntil(lambda: window.engine_page.retry.isEnabled(), timeout=10_000)
        assert window.engine_page.isVisible()
        assert "Docker" in window.engine_page.title.text()
        assert not window.page.start.isEnabled()
        screenshot(window, "engine-missing")
        late_engine.start()  # Docker Desktop finishes starting
        qtbot.waitUntil(lambda: window.watch.engine_ok, timeout=10_000)
        qtbot.waitUntil(lambda: not window.engine_page.isVisible(), timeout=5_000)
        qtbot.waitUntil(lambda: "test-jupyter" in window.state.statuses, timeout=10_000)
        qtbot.waitUntil(lambda: window.page.start.isEnabled(), timeout=5_000)
    finally:
        window.close()
        launcher.close()


def test_retry_button_checks_again(
    qtbot: QtBot, late_engine: EngineProxy, course_catalogue: Path, opener: CapturedOpener,
) -> None:  # fmt: skip
    launcher = Launcher.open(
        catalogues=[str(course_catalogue)], engine=f"unix://{late_engine.path}"
    )
    window = open_window(qtbot, launcher, opener)
    try:
        qtbot.waitUntil(lambda: window.engine_page.retry.isEnabled(), timeout=10_000)
        window.watch.engine_timer.stop()  # only the button may find it now
        late_engine.start()
        qtbot.mouseClick(window.engine_page.retry, LEFT)
        qtbot.waitUntil(lambda: window.watch.engine_ok, timeout=10_000)
    finally:
        window.close()
        launcher.close()


def test_retry_while_a_search_is_ending_looks_again(
    qtbot: QtBot, late_engine: EngineProxy, course_catalogue: Path, opener: CapturedOpener,
) -> None:  # fmt: skip
    """Retry pressed after a search has failed but before its job is let go (its
    answer on screen, the job not yet done) is not lost: the launcher looks again."""
    launcher = Launcher.open(
        catalogues=[str(course_catalogue)], engine=f"unix://{late_engine.path}"
    )
    window = open_window(qtbot, launcher, opener)
    try:
        qtbot.waitUntil(lambda: window.engine_page.retry.isEnabled(), timeout=10_000)
        window.watch.engine_timer.stop()
        window.watch.engine_timer.setInterval(600_000)  # only the Retry may find it
        window.watch.check_engine()  # a search that finds nothing …
        assert window.runner.pool.waitForDone(10_000)  # … ended, its signals not yet handled
        assert window.runner.busy("engine")
        late_engine.start()
        window.watch.check_engine()  # Retry, at that moment
        qtbot.waitUntil(lambda: window.watch.engine_ok, timeout=10_000)
    finally:
        window.close()
        launcher.close()


def test_second_service_open_button(
    qtbot: QtBot, window: MainWindow, opener: CapturedOpener, student_area: Path
) -> None:
    window.launcher.settings = type(window.launcher.settings)(open_browser=False)
    window.select_course("test-multi")
    window.page.folder.setText(str(make_student_folder(student_area, "two")))
    qtbot.waitUntil(window.page.start.isEnabled, timeout=10_000)
    qtbot.mouseClick(window.page.start, LEFT)
    ui_button = lambda: window.page.service_buttons["Database UI"][0]  # noqa: E731
    qtbot.waitUntil(lambda: ui_button().isEnabled(), timeout=180_000)
    screenshot(window, "running-two-services")
    qtbot.mouseClick(ui_button(), LEFT)
    qtbot.waitUntil(lambda: bool(opener.urls), timeout=10_000)  # the address is asked in a job
    assert "token" not in opener.urls[-1]
    page = requests.get(opener.urls[-1], timeout=10)
    assert "Course database UI" in page.text
    assert window.state.statuses["test-multi"].state == EnvironmentState.RUNNING


def test_cancel_during_install(
    qtbot: QtBot, window: MainWindow, clean_engine: docker.DockerClient
) -> None:
    remove_all_images(clean_engine)
    window.select_course("test-multi")
    window.refresh()  # the images are gone: the page offers Install
    install = window.page.start
    qtbot.waitUntil(lambda: install.accessibleName().startswith("Install"), timeout=10_000)
    assert not window.page.cancel.isVisible()  # nothing to cancel yet
    qtbot.mouseClick(install, LEFT)
    qtbot.waitUntil(window.page.cancel.isEnabled, timeout=5_000)
    assert window.page.cancel.isVisible()
    qtbot.mouseClick(window.page.cancel, LEFT)
    qtbot.waitUntil(lambda: not window.runner.busy("env:test-multi"), timeout=30_000)
    qtbot.waitUntil(install.isEnabled, timeout=5_000)
    assert install.accessibleName().startswith("Install") and not window.page.cancel.isVisible()
    assert "Cancelled" in window.statusBar().currentMessage()
    assert "test-multi" not in window.state.errors
    with pytest.raises(docker.errors.ImageNotFound):
        clean_engine.images.get(window.launcher.course("test-multi").image)


def test_error_is_a_sentence_with_a_next_step(
    qtbot: QtBot, window: MainWindow, student_area: Path
) -> None:
    window.select_course("test-jupyter")
    window.page.folder.setText(str(student_area / "a-file"))
    (student_area / "a-file").write_text("not a folder")
    qtbot.waitUntil(window.page.start.isEnabled, timeout=10_000)
    qtbot.mouseClick(window.page.start, LEFT)
    qtbot.waitUntil(lambda: "test-jupyter" in window.state.errors, timeout=10_000)
    message, hint = window.state.errors["test-jupyter"]
    assert "is a file" in message and hint
    qtbot.waitUntil(lambda: "is a file" in window.page.status_text.text(), timeout=5_000)
    assert hint in window.page.status_text.text()
    assert "Traceback" not in window.page.status_text.text()
    screenshot(window, "error")


INTERACTIVE = (QAbstractButton, QLineEdit, QAbstractItemView, QPlainTextEdit)


def _visible_interactive(root: QWidget) -> list[QWidget]:
    return [
        w for w in root.findChildren(QWidget)
        if isinstance(w, INTERACTIVE) and w.isVisible() and w.window() is root
    ]  # fmt: skip


def test_every_control_has_a_name_and_is_reachable_by_keyboard(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.select_course("test-multi")
    qtbot.waitUntil(window.page.start.isEnabled, timeout=10_000)
    buttons = [b for pair in window.page.service_buttons.values() for b in pair]
    assert len(buttons) == 4  # Open and Copy for each of the two services …
    # … hidden while nothing runs (Qt shows or hides at the next turn of the loop): the
    # running page's names and Tab order are checked in test_course_page.py.
    qtbot.waitUntil(lambda: not any(b.isVisible() for b in buttons), timeout=5_000)
    controls = _visible_interactive(window)
    names = {w.accessibleName() for w in controls}
    page_names = {"Course folder", "Choose the course folder", "More actions"}
    assert page_names <= names, names
    assert window.page.start in controls  # the next step: Install (size) or Start
    assert window.page.start.accessibleName().startswith(("Install", "Start"))
    unnamed = []
    for widget in controls:
        interface = QAccessible.queryAccessibleInterface(widget)
        if interface is None or not interface.text(QAccessible.Text.Name).strip():
            unnamed.append(f"{type(widget).__name__} {widget.objectName()!r}")
    assert not unnamed, f"controls without an accessible name: {unnamed}"

    window.activateWindow()
    window.course_list.setFocus()
    reached: set[int] = set()
    for _ in range(len(controls) * 3):
        focused = window.focusWidget()
        if focused is not None:
            reached.add(id(focused))
        window.focusNextChild()
    enabled = [w for w in controls if w.isEnabled() and w.focusPolicy() != Qt.FocusPolicy.NoFocus]
    missed = [type(w).__name__ + ":" + w.accessibleName() for w in enabled if id(w) not in reached]
    assert not missed, f"not reachable with Tab: {missed}"
