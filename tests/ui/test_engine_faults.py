"""The window when the engine dies: SIGKILL of a real dockerd during a download, during
a start and while an environment runs. The window says Docker stopped, stays responsive, notices
by itself when the engine is back, and adopts the environment it had made.

A private second engine (tests/testbed/fault_engine.py) is killed, never the shared one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from launcher.core.engine import labels
from launcher.core.environments.state import EnvironmentState
from launcher.core.launcher import Launcher
from launcher.ui.main_window import MainWindow
from tests.helpers.checks import assert_contained
from tests.helpers.faults import downloaded_bytes, private_engine_for_test
from tests.helpers.folders import make_student_folder
from tests.helpers.window import SCREENSHOTS, CapturedOpener, open_window, screenshot
from tests.testbed.fault_engine import FaultEngine
from tests.testbed.testbed import TestbedState

LEFT = Qt.MouseButton.LeftButton
LOOK_MS = 300  # the real window looks every 5 s; the test cannot wait that long each time


@pytest.fixture
def private_engine(testbed: TestbedState) -> Iterator[FaultEngine]:
    with private_engine_for_test() as engine:
        yield engine


def responsive(qtbot: QtBot, window: MainWindow) -> float:
    """The longest the GUI thread took to handle a timer over about a second, in s."""
    longest, last = 0.0, time.monotonic()
    for _ in range(20):
        qtbot.wait(50)
        now = time.monotonic()
        longest, last = max(longest, now - last - 0.05), now
    assert window.isVisible()
    return longest


def page_says_docker_stopped(window: MainWindow) -> bool:
    return window.engine_page.isVisible() and "Docker stopped." in window.engine_page.title.text()


@pytest.mark.timeout(300)
def test_engine_killed_during_download_start_and_while_running_is_survived(
    qtbot: QtBot, private_engine: FaultEngine, course_catalogue: Path,
    opener: CapturedOpener, student_area: Path,
) -> None:  # fmt: skip
    launcher = Launcher.open(catalogues=[str(course_catalogue)], engine=private_engine.docker_host)
    launcher.settings = type(launcher.settings)(open_browser=False)
    window = open_window(qtbot, launcher, opener)
    window.watch.engine_timer.setInterval(LOOK_MS)
    window.watch.refresh_timer.setInterval(LOOK_MS)
    client = docker.DockerClient(base_url=private_engine.docker_host, timeout=60)
    try:
        qtbot.waitUntil(lambda: window.watch.engine_ok, timeout=15_000)
        window.watch.refresh_timer.setInterval(LOOK_MS)
        window.select_course("test-jupyter")

        # 1. Killed during the download.
        before = downloaded_bytes(private_engine)
        window.page.download_action.trigger()  # More > Download only, start later
        qtbot.waitUntil(
            lambda: downloaded_bytes(private_engine) > before + 30_000_000, timeout=60_000
        )
        private_engine.kill()
        killed = time.monotonic()
        qtbot.waitUntil(lambda: not window.runner.busy("env:test-jupyter"), timeout=20_000)
        noticed = time.monotonic() - killed
        message, hint = window.state.errors["test-jupyter"]
        assert message.startswith("Docker stopped while downloading"), message
        assert "Start Docker" in hint
        assert message in window.page.status_text.text()
        qtbot.waitUntil(lambda: page_says_docker_stopped(window), timeout=10_000)
        assert not window.watch.engine_ok
        assert not window.page.start.isEnabled()
        stall = responsive(qtbot, window)
        assert stall < 0.5, f"the GUI thread stalled {stall:.2f} s while Docker was away"
        screenshot(window, "engine-killed-during-download")

        private_engine.start()  # nothing pressed: the window must notice by itself
        qtbot.waitUntil(lambda: window.watch.engine_ok, timeout=15_000)
        qtbot.waitUntil(lambda: not window.engine_page.isVisible(), timeout=5_000)
        qtbot.waitUntil(
            lambda: window.page.more.isVisible() and window.page.download_action.isVisible(),
            timeout=10_000,
        )
        window.page.download_action.trigger()
        qtbot.waitUntil(lambda: window.runner.busy("env:test-jupyter"), timeout=5_000)
        qtbot.waitUntil(lambda: not window.runner.busy("env:test-jupyter"), timeout=150_000)
        assert "test-jupyter" not in window.state.errors, window.state.errors.get("test-jupyter")

        # 2. Killed while the environment starts (made, not answering yet).
        folder = make_student_folder(student_area, "gui-fault")
        window.page.folder.setText(str(folder))
        qtbot.waitUntil(window.page.start.isEnabled, timeout=10_000)
        qtbot.mouseClick(window.page.start, LEFT)
        ours = labels.course_filter("test-jupyter")
        qtbot.waitUntil(lambda: bool(client.containers.list(filters=ours)), timeout=60_000)
        (made,) = client.containers.list(filters=ours)
        private_engine.kill()
        qtbot.waitUntil(lambda: not window.runner.busy("env:test-jupyter"), timeout=20_000)
        message, _hint = window.state.errors["test-jupyter"]
        assert message.startswith("Docker stopped while starting"), message
        qtbot.waitUntil(lambda: page_says_docker_stopped(window), timeout=10_000)
        private_engine.start()
        qtbot.waitUntil(lambda: window.watch.engine_ok, timeout=15_000)
        qtbot.waitUntil(window.page.start.isEnabled, timeout=10_000)
        qtbot.mouseClick(window.page.start, LEFT)
        qtbot.waitUntil(
            lambda: window.page.service_buttons["Jupyter"][0].isEnabled(), timeout=120_000
        )
        assert [c.id for c in client.containers.list(all=True, filters=ours)] == [made.id]

        # 3. Killed while the environment runs and the window is idle.
        private_engine.kill()
        killed = time.monotonic()
        qtbot.waitUntil(lambda: page_says_docker_stopped(window), timeout=15_000)
        idle_noticed = time.monotonic() - killed
        assert not window.page.start.isEnabled()
        stall = responsive(qtbot, window)
        assert stall < 0.5, f"the GUI thread stalled {stall:.2f} s while Docker was away"
        screenshot(window, "engine-killed-while-running")

        private_engine.start()
        qtbot.waitUntil(lambda: window.watch.engine_ok, timeout=15_000)
        qtbot.waitUntil(lambda: not window.engine_page.isVisible(), timeout=5_000)
        qtbot.waitUntil(lambda: "test-jupyter" in window.state.statuses, timeout=10_000)
        # The engine stopped the container when it died (no live-restore); it is found
        # again by its labels and started as it was: the same container, not a second.
        qtbot.waitUntil(window.page.start.isEnabled, timeout=10_000)
        qtbot.mouseClick(window.page.start, LEFT)
        qtbot.waitUntil(
            lambda: (
                window.state.statuses.get("test-jupyter") is not None
                and window.state.statuses["test-jupyter"].state == EnvironmentState.RUNNING
                and window.page.service_buttons["Jupyter"][0].isEnabled()
            ),
            timeout=120_000,
        )
        after = client.containers.list(all=True, filters=labels.course_filter("test-jupyter"))
        assert [c.id for c in after] == [made.id]
        assert_contained(after[0], folder, "test-jupyter")
        print(
            f"download: error shown {noticed:.1f} s after the kill; idle: banner after "
            f"{idle_noticed:.1f} s"
        )
    finally:
        window.close()
        launcher.close()
        client.close()


GUI_PROBE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from launcher.ui.app import create_application, run_gui
from launcher.ui.main_window import MainWindow

app = create_application()


def look():
    shown = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, MainWindow) and w.isVisible()]
    if not shown:
        QTimer.singleShot(50, look)
        return
    window = shown[0]
    print("status:", window.statusBar().currentMessage(), flush=True)
    print("courses:", window.course_list.count(), flush=True)
    window.grab().save(sys.argv[1])
    window.close()


QTimer.singleShot(0, look)
sys.exit(run_gui())
"""


def test_damaged_settings_file_the_app_starts_and_says_so(launcher_home: Path) -> None:
    """The real app's start-up (``run_gui``, in its own process), over a settings file
    full of garbage: the window opens, works, and its status line says what happened."""
    from launcher.core.local.paths import app_paths

    settings_file = app_paths().settings_file
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_bytes(b'{"courses": {"tm351": {"ports": {"8888": "not a port"')
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    picture = SCREENSHOTS / "damaged-settings.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", GUI_PROBE, str(picture)], env=env,
        capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    said = dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line)
    assert "settings file was damaged" in said["status"], done.stdout
    (aside,) = settings_file.parent.glob("settings.json.corrupt-*")
    assert str(aside) in said["status"]
    assert int(said["courses"]) > 0  # the bundled catalogue: the window works
    assert picture.exists()
