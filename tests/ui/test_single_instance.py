"""One launcher per user: a real second `python -m launcher` brings the first forward."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDir
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from pytestqt.qtbot import QtBot

from launcher.core.launcher import Launcher
from launcher.core.local.paths import app_paths
from launcher.ui.app import BENCH_MARKER
from launcher.ui.single_instance import ACTIVATE, ANSWER_UNKNOWN, SingleInstance, server_name
from tests.helpers.window import RAISE_UNSUPPORTED, CapturedOpener, open_window

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def first() -> Iterator[SingleInstance]:
    instance = SingleInstance()
    yield instance
    instance.close()


def second_launch(qtbot: QtBot) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run `python -m launcher` as a student's second double-click would, while this
    process's event loop keeps running (the first instance answers from it)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "launcher"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        qtbot.waitUntil(lambda: process.poll() is not None, timeout=30_000)
    finally:
        if process.poll() is None:
            process.kill()
    elapsed = time.monotonic() - started
    out, err = process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err), elapsed


def test_names_are_per_user_per_home_and_versioned(tmp_path: Path) -> None:
    plain = server_name({})
    assert plain.startswith("course-launcher-") and plain.endswith("-v1")
    one = server_name({"COURSE_LAUNCHER_HOME": str(tmp_path / "a")})
    two = server_name({"COURSE_LAUNCHER_HOME": str(tmp_path / "b")})
    assert len({plain, one, two}) == 3
    assert one == server_name({"COURSE_LAUNCHER_HOME": str(tmp_path / "a")})
    assert all(len(name) < 80 and "/" not in name for name in (plain, one, two))


def test_second_launch_activates_the_first_and_exits(qtbot: QtBot, first: SingleInstance) -> None:
    assert first.claim() and first.listening
    with qtbot.waitSignal(first.activate_requested, timeout=30_000):
        result, elapsed = second_launch(qtbot)
    assert result.returncode == 0, result.stderr
    assert "answered" not in result.stderr  # the first one said ok
    print(f"second launch exited after {elapsed:.2f} s")
    assert elapsed < 15  # it did not start a window of its own


@RAISE_UNSUPPORTED
def test_second_launch_brings_the_window_forward(
    qtbot: QtBot, first: SingleInstance, opener: CapturedOpener
) -> None:
    launcher = Launcher.open()  # no engine here: the window shows the Docker panel
    window = open_window(qtbot, launcher, opener)
    try:
        assert first.claim()
        first.activate_requested.connect(window.bring_forward)
        window.hide()  # in the tray, or minimised and forgotten
        assert not window.isVisible()
        result, _elapsed = second_launch(qtbot)
        assert result.returncode == 0, result.stderr
        qtbot.waitUntil(window.isVisible, timeout=5_000)
        assert not window.isMinimized()
    finally:
        window.close()
        launcher.close()


def test_a_stale_socket_is_replaced(qtbot: QtBot, first: SingleInstance) -> None:
    path = Path(QDir.tempPath()) / first.name
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as dead:
        dead.bind(str(path))  # a launcher that crashed leaves its socket file behind
    assert path.exists()
    assert not first.notify_running(timeout_ms=500)  # nobody answers it
    assert first.claim() and first.listening
    with qtbot.waitSignal(first.activate_requested, timeout=30_000):
        result, _elapsed = second_launch(qtbot)
    assert result.returncode == 0, result.stderr


def test_other_messages_are_not_obeyed(qtbot: QtBot, first: SingleInstance) -> None:
    assert first.claim()
    activations: list[bool] = []
    first.activate_requested.connect(lambda: activations.append(True))
    client = QLocalSocket()
    client.connectToServer(first.name)
    assert client.waitForConnected(2_000)
    client.write(b"course-launcher/2 activate\n")  # a newer launcher's message
    answer = bytearray()
    qtbot.waitUntil(lambda: answer.extend(bytes(client.readAll().data())) or b"\n" in answer)
    assert bytes(answer).decode().strip() == ANSWER_UNKNOWN
    assert not activations
    assert ACTIVATE == "course-launcher/1 activate"


def test_two_real_launches(launcher_home: Path) -> None:
    """`python -m launcher` twice, as two double-clicks: the first shows its window
    (COURSE_LAUNCHER_BENCH=1 says when), the second hands over and exits 0."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", COURSE_LAUNCHER_BENCH="1")
    first = subprocess.Popen(
        [sys.executable, "-m", "launcher"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert first.stderr is not None
        said = []
        for line in first.stderr:  # until the window's first paint (Qt may say more first)
            said.append(line)
            if line.startswith(BENCH_MARKER) or len(said) > 50:
                break
        assert said[-1].startswith(BENCH_MARKER), said
        second = subprocess.run(
            [sys.executable, "-m", "launcher"], cwd=ROOT, env=env,
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert second.returncode == 0, second.stderr
        assert BENCH_MARKER not in second.stderr  # no second window
        log = app_paths().log_file
        deadline = time.monotonic() + 10
        while "asked this window to come forward" not in _read(log):
            assert time.monotonic() < deadline, _read(log)
            time.sleep(0.1)
    finally:
        first.terminate()
        first.wait(timeout=10)
        if first.stderr is not None:
            first.stderr.close()
        QLocalServer.removeServer(server_name())  # a terminated launcher leaves its socket


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""
