"""The course page as a student meets it, in the real window on the real test engine:
one next step (Install with its size, Start, Open per service), progress in steps
(Download → Start with each service ticked → Ready), details on request."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from launcher.core.launcher import Launcher
from launcher.core.text import human_size
from launcher.ui.main_window import MainWindow
from tests.helpers.catalogue import catalogue_text
from tests.helpers.folders import make_student_folder
from tests.helpers.images import remove_all_images
from tests.helpers.window import CapturedOpener, open_window, screenshot
from tests.testbed.services import free_port
from tests.testbed.testbed import TestbedState

LEFT = Qt.MouseButton.LeftButton


def steps_text(window: MainWindow) -> str:
    steps = window.page.steps
    return steps.lines.text() if steps.isVisible() else ""


def page_controls(window: MainWindow) -> list[QWidget]:
    return [
        w for w in window.page.findChildren(QWidget)
        if isinstance(w, (QAbstractButton, QLineEdit)) and w.isVisible()
    ]  # fmt: skip


def tab_to(window: MainWindow, target: QWidget) -> bool:
    """Press Tab (focusNextChild) from the course list until ``target`` has the focus."""
    window.activateWindow()
    window.course_list.setFocus()
    for _ in range(30):
        if window.focusWidget() is target:
            return True
        window.focusNextChild()
    return False


@pytest.mark.gallery
def test_install_by_keyboard_downloads_then_ticks_off_services_then_opens(
    qtbot: QtBot, launcher: Launcher, opener: CapturedOpener, student_area: Path,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    remove_all_images(clean_engine)  # before the window asks the registry for sizes
    launcher.settings = type(launcher.settings)(open_browser=False)
    window = open_window(qtbot, launcher, opener)
    page = window.page
    try:
        qtbot.waitUntil(lambda: window.watch.engine_ok, timeout=15_000)
        window.select_course("test-multi")
        page.folder.setText(str(make_student_folder(student_area, "journey")))
        qtbot.waitUntil(lambda: "test-multi" in window.state.facts, timeout=30_000)
        size = window.state.facts["test-multi"].download_size
        assert size, "the registry said how much there is to download"
        qtbot.waitUntil(lambda: page.start.accessibleName().startswith("Install"), timeout=10_000)
        assert page.start.accessibleName() == f"Install ({human_size(size)})"
        assert page.start.text().replace("&", "") == f"Install ({human_size(size)})"

        # Idle: no bar, no Cancel, no Open or Stop that cannot apply, nothing greyed out.
        assert page.start.isVisible() and page.start.isEnabled()
        assert not page.steps.isVisible() and not page.cancel.isVisible()
        assert not any(b.isVisible() for pair in page.service_buttons.values() for b in pair)
        assert not page.stop.isVisible()
        greyed = [w.accessibleName() for w in page_controls(window) if not w.isEnabled()]
        assert not greyed, greyed
        assert page.download_action.isVisible() and not page.reset_action.isVisible()
        screenshot(window, "gallery-not-installed")

        # Keyboard only: Tab reaches the next step, Enter presses it.
        assert tab_to(window, page.start), "Tab never reached the Install button"
        qtbot.keyClick(page.start, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.runner.busy("env:test-multi"), timeout=5_000)

        qtbot.waitUntil(
            lambda: "▶ Download" in steps_text(window) and "MB of" in steps_text(window),
            timeout=60_000,
        )
        lines = steps_text(window).splitlines()
        assert lines[0] == "▶ Download" and lines[1].strip().startswith("Downloading ")
        assert lines[2:] == ["○ Start", "○ Ready"]
        assert page.steps.bar.isVisible() and page.cancel.isVisible() and page.cancel.isEnabled()
        assert not page.start.isVisible() and not page.more.isVisible()
        screenshot(window, "gallery-downloading")

        seen: list[str] = []
        window.draw_timer.timeout.connect(lambda: seen.append(steps_text(window)))
        qtbot.waitUntil(lambda: "▶ Start" in steps_text(window), timeout=180_000)
        assert steps_text(window).startswith("✓ Download\n▶ Start")
        assert not page.steps.bar.isVisible()  # the start's progress is its services
        # Each service is ticked off when it answers; the web UI answers before Jupyter.
        qtbot.waitUntil(
            lambda: "    ✓ " in steps_text(window) or not window.runner.busy("env:test-multi"),
            timeout=120_000,
        )
        partial = steps_text(window)
        screenshot(window, "gallery-starting")
        qtbot.waitUntil(lambda: not window.runner.busy("env:test-multi"), timeout=180_000)
        assert "test-multi" not in window.state.errors, window.state.errors.get("test-multi")
        ticking = [t for t in seen if "✓ Database UI" in t and "… Jupyter starting" in t]
        assert ticking or "… Jupyter starting" in partial, set(seen)

        # Ready: one Open per service is the main content; the first is the default.
        opens = {name: pair[0] for name, pair in page.service_buttons.items()}
        qtbot.waitUntil(lambda: all(b.isVisible() for b in opens.values()), timeout=10_000)
        assert not page.steps.isVisible() and not page.start.isVisible()
        assert opens["Jupyter"].isDefault() and page.primary_button() is opens["Jupyter"]
        assert page.stop.isVisible() and page.more.isVisible()
        assert page.terminal_action.isVisible() and page.reset_action.isVisible()
        unnamed = [type(w).__name__ for w in page_controls(window) if not w.accessibleName()]
        assert not unnamed, unnamed
        assert tab_to(window, opens["Jupyter"]), "Tab never reached Open Jupyter"
        order = []  # Tab from Open Jupyter: the other Open, then the quiet controls
        for _ in range(8):
            order.append(window.focusWidget())
            window.focusNextChild()
        expected = [opens["Jupyter"], page.service_buttons["Jupyter"][1], opens["Database UI"],
                    page.service_buttons["Database UI"][1], page.stop, page.more,
                    page.details.toggle, page.details.copy]  # fmt: skip
        assert order == expected, [w.accessibleName() for w in order if w is not None]
        screenshot(window, "gallery-running-services")
        qtbot.keyClick(page.folder, Qt.Key.Key_Return)  # Enter on the page: the next step
        qtbot.waitUntil(lambda: bool(opener.urls), timeout=10_000)
        assert "token=" in opener.urls[-1]
    finally:
        window.close()


def _failing_catalogue(testbed: TestbedState, folder: Path) -> Path:
    """Jupyter's Python cannot find its standard library: it says so and exits."""
    text = catalogue_text(testbed, free_port(), free_port())
    first = '[[course.services]]\nname = "Jupyter"'
    text = text.replace(first, '[course.env]\nPYTHONHOME = "/nowhere"\n' + first, 1)
    path = folder / "failing-catalogue.toml"
    path.write_text(text)
    return path


@pytest.mark.gallery
def test_a_failed_start_opens_the_details_at_the_last_lines(
    qtbot: QtBot, testbed: TestbedState, tmp_path: Path, opener: CapturedOpener,
    student_area: Path, clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    launcher = Launcher.open(
        catalogues=[str(_failing_catalogue(testbed, tmp_path))], engine=testbed.docker_host
    )
    launcher.settings = type(launcher.settings)(open_browser=False)
    window = open_window(qtbot, launcher, opener)
    page = window.page
    try:
        qtbot.waitUntil(lambda: window.watch.engine_ok, timeout=15_000)
        window.select_course("test-jupyter")
        page.folder.setText(str(make_student_folder(student_area, "failing")))
        assert not page.details.is_open  # collapsed until something needs it
        qtbot.waitUntil(lambda: page.start.isVisible(), timeout=10_000)
        qtbot.mouseClick(page.start, LEFT)
        qtbot.waitUntil(lambda: "test-jupyter" in window.state.errors, timeout=180_000)
        message, _hint = window.state.errors["test-jupyter"]
        assert "stopped while starting" in message
        qtbot.waitUntil(lambda: "encodings" in page.log_view.toPlainText(), timeout=15_000)
        assert page.details.is_open and page.log_view.isVisible()
        assert page.details.toggle.accessibleName() == "Hide details"
        bar = page.log_view.verticalScrollBar()
        assert bar.value() == bar.maximum()  # at the last lines
        assert message in page.status_text.text()
        status = page.status_text.text()  # the log is in the details, not said twice
        assert "encodings" not in status and "in the details below" in status
        assert not page.steps.isVisible()  # nothing is happening now: no bar
        screenshot(window, "gallery-failed-details")

        QGuiApplication.clipboard().clear()
        qtbot.mouseClick(page.details.copy, LEFT)
        copied = QGuiApplication.clipboard().text()
        assert message in copied and "encodings" in copied and "TEST1 24J" in copied
        token = launcher.known_token("test-jupyter")
        assert token and token not in copied
        assert "Copied" in window.statusBar().currentMessage()

        qtbot.mouseClick(page.details.toggle, LEFT)  # closed again on request
        assert not page.log_view.isVisible()
        page.details.clear()
        qtbot.mouseClick(page.details.toggle, LEFT)  # opened: a stopped one's lines, read afresh
        qtbot.waitUntil(lambda: "encodings" in page.log_view.toPlainText(), timeout=15_000)
    finally:
        window.close()
        launcher.close()


def test_copy_for_my_tutor_of_a_running_environment_has_no_token(
    qtbot: QtBot, window: MainWindow, student_area: Path, clean_engine: docker.DockerClient
) -> None:
    window.launcher.settings = type(window.launcher.settings)(open_browser=False)
    window.select_course("test-multi")
    page = window.page
    page.folder.setText(str(make_student_folder(student_area, "tutor")))
    qtbot.waitUntil(lambda: page.start.isVisible(), timeout=10_000)
    qtbot.mouseClick(page.start, LEFT)
    open_ui = page.service_buttons["Database UI"][0]
    qtbot.waitUntil(lambda: open_ui.isVisible(), timeout=180_000)
    token = window.launcher.known_token("test-multi")
    assert token
    # The web UI logs every request as it came, the token in an address included.
    (endpoint,) = [
        e for e in window.state.statuses["test-multi"].endpoints if e.name == "Database UI"
    ]
    requests.get(f"{endpoint.url.rstrip('/')}/?token={token}", timeout=10)
    (container,) = clean_engine.containers.list()
    qtbot.waitUntil(lambda: token in container.logs().decode(), timeout=10_000)
    assert not page.details.is_open  # nothing failed: the log stays behind Show details
    qtbot.mouseClick(page.details.toggle, LEFT)
    assert page.log_view.isVisible()
    qtbot.waitUntil(lambda: "GET /?token=" in page.log_view.toPlainText(), timeout=30_000)
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(page.details.copy, LEFT)
    copied = QGuiApplication.clipboard().text()
    assert "GET /?token=" in copied and token not in copied
    assert "State: running" in copied and "TEST2 24J" in copied
