"""The student's whole flow in the real window, against the real test engine."""

from __future__ import annotations

from pathlib import Path

import docker
import requests
from pytestqt.qtbot import QtBot

from launcher.core.environments.state import EnvironmentState
from launcher.ui.main_window import MainWindow
from tests.helpers.folders import make_student_folder
from tests.helpers.images import remove_all_images
from tests.helpers.window import CapturedOpener, screenshot


def test_install_start_open_stop(
    qtbot: QtBot, window: MainWindow, opener: CapturedOpener, student_area: Path,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    remove_all_images(clean_engine)
    window.select_course("test-jupyter")
    screenshot(window, "course-list")
    folder = make_student_folder(student_area, "gui")
    window.page.folder.setText(str(folder))
    fractions: list[float] = []

    def record() -> None:
        job = window.runner.active("env:test-jupyter")
        progress = job.progress if job is not None else None
        fraction = getattr(progress, "fraction", None)
        if isinstance(fraction, float):
            fractions.append(fraction)

    window.draw_timer.timeout.connect(record)
    window.launcher.settings = type(window.launcher.settings)(open_browser=False)
    window.refresh()  # the images are gone: the next step is Install, which then starts
    install = window.page.start
    qtbot.waitUntil(lambda: install.accessibleName().startswith("Install"), timeout=10_000)
    qtbot.mouseClick(install, _LEFT)
    qtbot.waitUntil(lambda: window.runner.busy("env:test-jupyter"), timeout=5_000)
    qtbot.waitUntil(lambda: bool(fractions) and 0 < fractions[-1] < 1, timeout=60_000)
    screenshot(window, "installing")
    qtbot.waitUntil(lambda: window.page.service_buttons["Jupyter"][0].isEnabled(), timeout=240_000)
    assert "test-jupyter" not in window.state.errors
    assert fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert window.state.statuses["test-jupyter"].state == EnvironmentState.RUNNING
    qtbot.waitUntil(lambda: window.page.log_view.blockCount() > 1, timeout=30_000)
    screenshot(window, "running")
    token = window.launcher.ensure_token("test-jupyter")
    assert token and token not in window.page.log_view.toPlainText()

    qtbot.mouseClick(window.page.service_buttons["Jupyter"][0], _LEFT)
    qtbot.waitUntil(lambda: bool(opener.urls), timeout=10_000)  # the address is asked in a job
    assert len(opener.urls) == 1
    assert "token=" in opener.urls[0]
    assert requests.get(opener.urls[0], timeout=10).status_code == 200

    window.course_actions.open_terminal()  # Course > Open terminal: Jupyter's terminal, logged in
    qtbot.waitUntil(lambda: len(opener.urls) == 2, timeout=10_000)
    assert "/terminals/1?token=" in opener.urls[1]
    terminal = requests.get(opener.urls[1], timeout=10)
    assert terminal.status_code == 200 and "terminal" in terminal.text.lower()

    qtbot.mouseClick(window.page.stop, _LEFT)
    qtbot.waitUntil(
        lambda: window.state.statuses["test-jupyter"].state == EnvironmentState.STOPPED,
        timeout=60_000,
    )
    assert not window.page.service_buttons["Jupyter"][0].isEnabled()
    assert window.page.start.isEnabled() and window.page.start.accessibleName() == "Start"


from PySide6.QtCore import Qt  # noqa: E402

_LEFT = Qt.MouseButton.LeftButton
