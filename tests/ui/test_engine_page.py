"""The Docker page: what the window shows instead of the courses while Docker cannot be
used, on this computer's real situations (nothing at the default socket, a socket that
refuses, Docker coming up while the page shows, Docker Desktop started from the page)
and, for other systems and for a socket this account may not open, on facts recorded
elsewhere (a Mac, a Windows PC; the "nobody" account, as tests run as root)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QWidget
from pytestqt.qtbot import QtBot

from launcher.core.engine import desktop
from launcher.core.engine.diagnosis import (
    EngineCase,
    EngineDiagnosis,
    EngineFacts,
    diagnose,
)
from launcher.core.engine.model import Attempt
from launcher.core.launcher import Launcher
from launcher.ui.main_window import MainWindow
from tests.helpers.desktop_stand_in import PROJECT, stand_in_for_docker_desktop
from tests.helpers.window import CapturedOpener, open_window, screenshot
from tests.testbed.engine_proxy import EngineProxy
from tests.testbed.testbed import TestbedState

LEFT = Qt.MouseButton.LeftButton


def page_shows(window: MainWindow, case: EngineCase) -> bool:
    page = window.engine_page
    return window.area.currentWidget() is page and page.diagnosis.case == case


def visible_buttons(window: MainWindow) -> list[str]:
    page = window.engine_page
    buttons = (page.start, page.copy, page.link, page.retry)
    return [button.text().replace("&", "") for button in buttons if button.isVisible()]


def assert_named_and_reachable(window: MainWindow) -> None:
    """Every control shown has a name; Tab goes through them all."""
    page = window.engine_page
    shown = [
        w
        for w in page.findChildren(QWidget)
        if w.isVisible() and w.focusPolicy() != Qt.FocusPolicy.NoFocus
    ]
    controls = [w for w in shown if isinstance(w, QAbstractButton) or w is page.command]
    assert controls
    unnamed = []
    for widget in controls:  # as a screen reader asks for it
        interface = QAccessible.queryAccessibleInterface(widget)
        if interface is None or not interface.text(QAccessible.Text.Name).strip():
            unnamed.append(type(widget).__name__)
    assert unnamed == []
    reached = set()
    page.focus_primary()
    for _ in range(30):
        reached.add(window.focusWidget())
        window.focusNextChild()
    assert set(controls) <= reached


@pytest.fixture
def no_docker_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """This computer as a student has it: no DOCKER_HOST, no context, an empty home."""
    monkeypatch.delenv("DOCKER_HOST")
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()


@pytest.fixture
def bundled_launcher() -> Iterator[Launcher]:
    opened = Launcher.open(offline=True)
    yield opened
    opened.close()


@pytest.mark.gallery
def test_linux_docker_installed_but_stopped(
    qtbot: QtBot, no_docker_here: None, bundled_launcher: Launcher, opener: CapturedOpener
) -> None:
    """This computer: Debian's docker.io installed, nothing at /var/run/docker.sock."""
    window = open_window(qtbot, bundled_launcher, opener)
    try:
        qtbot.waitUntil(lambda: page_shows(window, EngineCase.SERVICE_STOPPED), timeout=10_000)
        page = window.engine_page
        assert page.title.text() == "Docker is installed but not running."
        assert page.command.text() == "sudo systemctl start docker"
        assert visible_buttons(window) == ["Copy command", "Retry"]
        assert page.primary() is page.copy
        assert not window.courses_area.isVisible()  # the page is in the courses' place
        assert page.details.toPlainText() == "No Docker socket was found on this computer."
        # plain text: an address or a reason that looks like markup shows as written
        for label in (page.title, page.next_step):
            assert label.textFormat() == Qt.TextFormat.PlainText
        assert_named_and_reachable(window)
        page.focus_primary()
        qtbot.keyClick(page.command, Qt.Key.Key_Return)  # Enter: the main action, Copy
        assert QGuiApplication.clipboard().text() == "sudo systemctl start docker"
        assert "Command copied" in window.statusBar().currentMessage()
        qtbot.mouseClick(page.details_toggle, LEFT)
        assert page.details.isVisible()
        screenshot(window, "gallery-docker-stopped")
    finally:
        window.close()


def refusing_socket(path: Path) -> socket.socket:
    """A socket file where nothing listens: connecting is refused, as after a crash."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))  # bound, never listening
    return server


def test_a_socket_that_refuses_then_docker_comes_up_and_retry_finds_it(
    qtbot: QtBot, tmp_path: Path, testbed: TestbedState, course_catalogue: Path,
    opener: CapturedOpener, clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    path = tmp_path / "docker.sock"
    refusing = refusing_socket(path)
    launcher = Launcher.open(catalogues=[str(course_catalogue)], engine=f"unix://{path}")
    window = open_window(qtbot, launcher, opener)
    proxy = EngineProxy(path, testbed.docker_host.removeprefix("unix://"))
    try:
        case = EngineCase.SETTING_UNREACHABLE
        qtbot.waitUntil(lambda: page_shows(window, case), timeout=10_000)
        window.watch.engine_timer.stop()  # only Retry may find it now
        page = window.engine_page
        assert page.details.toPlainText().endswith(
            f"unix://{path}: nothing is listening (connection refused)"
        )
        assert visible_buttons(window) == ["Retry"] and page.primary() is page.retry
        refusing.close()
        path.unlink()
        proxy.start()  # Docker is back at that address
        page.focus_primary()
        qtbot.keyClick(page.retry, Qt.Key.Key_Return)  # the keyboard's Retry
        qtbot.waitUntil(lambda: window.watch.engine_ok, timeout=10_000)
        qtbot.waitUntil(lambda: window.area.currentWidget() is window.courses_area, timeout=5_000)
        qtbot.waitUntil(lambda: "test-jupyter" in window.state.statuses, timeout=10_000)
    finally:
        window.close()
        launcher.close()
        proxy.stop()
        refusing.close()


@pytest.fixture
def stand_in_desktop(
    tmp_path: Path, testbed: TestbedState, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    path, upstream = tmp_path / "desktop.sock", testbed.docker_host.removeprefix("unix://")
    with stand_in_for_docker_desktop(path, upstream, monkeypatch):
        yield path


@pytest.mark.gallery
def test_start_docker_desktop_then_the_page_follows_it_starting(
    qtbot: QtBot, stand_in_desktop: Path, course_catalogue: Path, opener: CapturedOpener,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    launcher = Launcher.open(
        catalogues=[str(course_catalogue)], engine=f"unix://{stand_in_desktop}"
    )
    window = open_window(qtbot, launcher, opener)
    try:
        case = EngineCase.DESKTOP_NOT_RUNNING
        qtbot.waitUntil(lambda: page_shows(window, case), timeout=10_000)
        page = window.engine_page
        assert page.title.text() == "Docker Desktop is installed but not running."
        assert visible_buttons(window) == ["Start Docker Desktop", "Retry"]
        assert page.primary() is page.start and window.focusWidget() is page.start
        assert_named_and_reachable(window)
        screenshot(window, "gallery-docker-desktop-not-running")
        page.focus_primary()
        qtbot.keyClick(page, Qt.Key.Key_Return)  # Enter: Start Docker Desktop
        qtbot.waitUntil(lambda: page_shows(window, EngineCase.STARTING), timeout=5_000)
        assert page.title.text() == "Docker Desktop is starting…"
        assert not page.start.isVisible()
        screenshot(window, "gallery-docker-starting")
        # the stand-in has returned; the watch now looks every second
        qtbot.waitUntil(lambda: window.watch.engine_timer.interval() == 1000, timeout=10_000)
        qtbot.waitUntil(lambda: window.watch.engine_ok, timeout=15_000)
        qtbot.waitUntil(lambda: window.area.currentWidget() is window.courses_area, timeout=5_000)
        assert window.watch.engine_timer.interval() == 5000  # idle again: as cheap as before
        qtbot.waitUntil(lambda: "test-jupyter" in window.state.statuses, timeout=10_000)
    finally:
        window.close()
        launcher.close()


def test_a_start_that_never_answers_times_out(
    qtbot: QtBot, tmp_path: Path, opener: CapturedOpener, monkeypatch: pytest.MonkeyPatch
) -> None:
    never = (sys.executable, "-c", "pass")  # starts nothing
    monkeypatch.setattr(desktop, "desktop_start_command", lambda *_a, **_k: never)
    opened = Launcher.open(offline=True, engine=f"unix://{tmp_path}/never.sock")
    window = open_window(qtbot, opened, opener)
    try:
        case = EngineCase.DESKTOP_NOT_RUNNING
        qtbot.waitUntil(lambda: page_shows(window, case), timeout=10_000)
        window.watch.start_timeout_s = 2.0
        qtbot.mouseClick(window.engine_page.start, LEFT)
        qtbot.waitUntil(lambda: page_shows(window, EngineCase.START_TIMED_OUT), timeout=10_000)
        page = window.engine_page
        assert page.title.text() == "Docker Desktop did not answer within 2 seconds."
        assert visible_buttons(window) == ["Start Docker Desktop", "Retry"]  # may try again
        assert window.watch.engine_timer.interval() == 5000
    finally:
        window.close()
        opened.close()


# --- facts recorded elsewhere -----------------------------------------------------------

_DIAGNOSE_AS_NOBODY = """
import json, sys
from dataclasses import asdict
from launcher.core.engine.discovery import find_engine
from launcher.core.errors import NoEngineFound
try:
    find_engine(sys.argv[1], environ={}, platform="linux")
except NoEngineFound as error:
    print(json.dumps(asdict(error.diagnosis)))
"""


def diagnosis_as_nobody(address: str) -> EngineDiagnosis:
    """What the search decides when run by an account that may not open the socket."""
    python = shutil.which("python3", path="/usr/bin:/usr/local/bin:/bin")
    if python is None:
        pytest.fail("no system Python for the 'nobody' account")
    site = Path(docker.__file__).resolve().parents[1]
    done = subprocess.run(
        [python, "-c", _DIAGNOSE_AS_NOBODY, address],
        capture_output=True, text=True, user=65534, cwd="/", timeout=30,
        env={"PYTHONPATH": f"{PROJECT}:{site}", "HOME": "/nonexistent"},
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip(), done.stderr[-500:]
    data: dict[str, Any] = json.loads(done.stdout)
    data["case"] = EngineCase(data["case"])
    data["details"] = tuple(data["details"])
    return EngineDiagnosis(**data)


@pytest.mark.gallery
def test_permission_denied_as_another_account(
    qtbot: QtBot, bundled_launcher: Launcher, opener: CapturedOpener
) -> None:
    """The socket is mode 000 and the search runs as "nobody" (root opens anything);
    its diagnosis is shown on the page as the window would show its own."""
    if os.geteuid() != 0:
        pytest.fail("this test makes a user-switching subprocess: run it as root")
    folder = Path(tempfile.mkdtemp(prefix="cl-denied-", dir="/tmp"))
    folder.chmod(0o755)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(folder / "docker.sock"))
        server.listen()
        (folder / "docker.sock").chmod(0)
        diagnosis = diagnosis_as_nobody(f"unix://{folder}/docker.sock")
    finally:
        server.close()
        shutil.rmtree(folder)
    assert diagnosis.case == EngineCase.PERMISSION_DENIED
    window = open_window(qtbot, bundled_launcher, opener)
    try:
        qtbot.waitUntil(lambda: window.area.currentWidget() is window.engine_page, timeout=10_000)
        window.watch.engine_timer.stop()
        window.watch.engine_missing.emit(diagnosis)
        page = window.engine_page
        assert page.title.text() == "Docker is running, but your account may not use it."
        assert "members of the docker group" in page.next_step.text()
        assert page.command.text() == "sudo usermod -aG docker $USER"
        assert page.details.toPlainText().endswith("docker.sock: permission denied")
        screenshot(window, "gallery-docker-permission-denied")
    finally:
        window.close()


NO_PIPE = "not running (no socket or pipe to connect to)"
PIPES = tuple(
    Attempt(f"npipe:////./pipe/{name}", "Docker Desktop", NO_PIPE)
    for name in ("docker_engine", "dockerDesktopLinuxEngine")
)
RECORDED = {
    "windows": EngineFacts("win32", PIPES, machine="amd64"),
    "mac": EngineFacts("darwin", (), machine="arm64"),
    "linux": EngineFacts("linux", (), distribution=("ubuntu", "debian"), machine="x86_64"),
}


@pytest.mark.gallery
@pytest.mark.parametrize(
    ("system", "picture"),
    [
        ("linux", "gallery-docker-not-installed-linux"),
        ("mac", "gallery-docker-not-installed-mac"),
        ("windows", "gallery-docker-not-installed-windows"),
    ],
)
def test_docker_not_installed(
    qtbot: QtBot,
    system: str,
    picture: str,
    bundled_launcher: Launcher,
    opener: CapturedOpener,
) -> None:
    diagnosis = diagnose(RECORDED[system])
    window = open_window(qtbot, bundled_launcher, opener)
    try:
        qtbot.waitUntil(lambda: window.area.currentWidget() is window.engine_page, timeout=10_000)
        window.watch.engine_timer.stop()
        window.watch.engine_missing.emit(diagnosis)
        page = window.engine_page
        assert page.title.text() == diagnosis.headline
        assert page.link.isVisible() and page.link.text() == diagnosis.link_label
        assert page.primary() is (page.copy if diagnosis.command else page.link)
        assert_named_and_reachable(window)
        qtbot.mouseClick(page.link, LEFT)
        assert opener.urls == [diagnosis.link]  # the browser, not a widget, opens it
        screenshot(window, picture)
    finally:
        window.close()
