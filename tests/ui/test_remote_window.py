"""The window with courses on another computer, over the real test sshd (issue 17, part 2):
the host-key question, Settings' section, and Open through the window's own forward."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import docker
import pytest
import requests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from launcher.core.environments.state import EnvironmentState
from launcher.core.launcher import Launcher
from launcher.core.remote.host_keys import known_hosts_file
from tests.helpers.window import CapturedOpener, open_window, screenshot
from tests.testbed.sshd import SshServer, running_sshd
from tests.testbed.testbed import TestbedState

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def sshd(testbed: TestbedState, monkeypatch: pytest.MonkeyPatch) -> Iterator[SshServer]:
    """A computer the launcher has never seen (its key made now), the test user's key
    offered the way a student's agent offers theirs."""
    with running_sshd(Path(testbed.docker_host.removeprefix("unix://"))) as server:
        monkeypatch.setenv("SSH_AUTH_SOCK", server.agent_socket)
        yield server


def _port_closes(port: int, within: float = 15) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return True
        time.sleep(0.1)
    return False


@pytest.mark.gallery
def test_unknown_key_is_asked_then_the_course_starts_there_and_opens_here(
    qtbot: QtBot, sshd: SshServer, course_catalogue: Path, opener: CapturedOpener,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    launcher = Launcher.open(catalogues=[str(course_catalogue)], engine=sshd.address())
    window = open_window(qtbot, launcher, opener)
    try:
        qtbot.waitUntil(lambda: window.host_key_dialog is not None, timeout=20_000)
        dialog = window.host_key_dialog
        assert dialog is not None
        qtbot.waitExposed(dialog)
        assert dialog.fingerprint.text() == sshd.fingerprint()
        assert "127.0.0.1" in dialog.intro.text()
        assert not known_hosts_file(launcher.paths.data).exists()  # not before Accept
        qtbot.waitUntil(
            lambda: (
                "not accepted" in window.engine_page.title.text().lower()
                or sshd.fingerprint() in window.engine_page.title.text()
            ),
            timeout=5_000,
        )
        assert not window.watch.engine_ok and not window.watch.engine_timer.isActive()
        assert "Retry asks again" in window.engine_page.next_step.text()
        assert "--accept-host-key" not in window.engine_page.next_step.text()  # the command line's
        screenshot(dialog, "gallery-host-key-question")
        (accept,) = [
            b for b in dialog.buttons.buttons()
            if dialog.buttons.buttonRole(b) == QDialogButtonBox.ButtonRole.AcceptRole
        ]  # fmt: skip
        qtbot.mouseClick(accept, LEFT)
        qtbot.waitUntil(lambda: window.watch.engine_ok, timeout=20_000)
        assert (
            f"[127.0.0.1]:{sshd.port} ssh-ed25519 "
            in known_hosts_file(launcher.paths.data).read_text()
        )

        window.select_course("test-jupyter")
        start = window.page.start  # the next step (Install or Start), once the state is known
        qtbot.waitUntil(lambda: start.isVisible() and start.isEnabled(), timeout=20_000)
        qtbot.mouseClick(start, LEFT)  # the browser opens once it is ready
        qtbot.waitUntil(lambda: bool(opener.urls), timeout=120_000)
        (container,) = clean_engine.containers.list()
        remote_port = int(container.ports["8888/tcp"][0]["HostPort"])
        ((held_remote, local_port),) = window.forwards.held()["test-jupyter"].items()
        assert held_remote == remote_port
        opened = urlsplit(opener.urls[0])
        assert (opened.hostname, opened.port) == ("127.0.0.1", local_port)
        assert local_port != remote_port  # that number is the engine's here: another one
        assert "token=" in opened.query
        assert requests.get(opener.urls[0], timeout=10).status_code == 200
        (mount,) = [m for m in container.attrs["Mounts"] if m["Type"] == "bind"]
        assert mount["Source"] == str(sshd.home / "TEST1-24J")  # its folder over there
        qtbot.waitUntil(
            lambda: window.page.service_buttons["Jupyter"][0].isEnabled(), timeout=30_000
        )  # the status poll asks readiness through the forward
        assert window.state.statuses["test-jupyter"].state == EnvironmentState.RUNNING
        qtbot.mouseClick(window.page.service_buttons["Jupyter"][0], LEFT)
        qtbot.waitUntil(lambda: len(opener.urls) == 2, timeout=10_000)
        assert urlsplit(opener.urls[1]).port == local_port
    finally:
        window.close()
        launcher.close()
    assert window.forwards.held() == {}
    assert _port_closes(local_port)  # the window's forwards end with it


def test_a_changed_key_is_refused_with_a_warning_and_nothing_to_accept(
    qtbot: QtBot, sshd: SshServer, opener: CapturedOpener
) -> None:
    first = Launcher.open(engine=sshd.address())
    first.trust_host_key(sshd.fingerprint())
    try:
        assert first.engine.client.ping()
    finally:
        first.close()
    before = known_hosts_file(first.paths.data).read_text()
    sshd.new_host_key()
    launcher = Launcher.open(engine=sshd.address())
    window = open_window(qtbot, launcher, opener)
    try:
        qtbot.waitUntil(lambda: window.host_key_dialog is not None, timeout=20_000)
        dialog = window.host_key_dialog
        assert dialog is not None
        qtbot.waitExposed(dialog)
        assert "WARNING" in dialog.intro.text()
        roles = [dialog.buttons.buttonRole(b) for b in dialog.buttons.buttons()]
        assert roles == [QDialogButtonBox.ButtonRole.RejectRole]  # Close, no Accept
        assert not hasattr(dialog, "fingerprint")
        qtbot.waitUntil(lambda: "WARNING" in window.engine_page.title.text(), timeout=5_000)
        assert not window.watch.engine_timer.isActive()  # not asked again by itself
        screenshot(dialog, "host-key-changed")
        qtbot.mouseClick(dialog.buttons.buttons()[0], LEFT)
        assert not window.watch.engine_ok
    finally:
        window.close()
        launcher.close()
    assert known_hosts_file(first.paths.data).read_text() == before


@pytest.mark.gallery
def test_settings_run_courses_on_another_computer(qtbot: QtBot, opener: CapturedOpener) -> None:
    launcher = Launcher.open()
    window = open_window(qtbot, launcher, opener)
    try:
        dialog = window.show_settings()
        qtbot.waitExposed(dialog)
        assert not dialog.ssh_address.isEnabled()
        qtbot.mouseClick(dialog.remote, LEFT)
        assert dialog.ssh_address.isEnabled() and not dialog.engine_address.isEnabled()
        assert not dialog._check_engine_address()  # checked, but no address yet
        dialog.ssh_address.setText("student@lab-pc.example.org")
        screenshot(dialog, "gallery-settings-another-computer")
        assert dialog.chosen_address() == "ssh://student@lab-pc.example.org"
        # a computer that surely refuses at once (no name to look up: there is no network)
        dialog.ssh_address.setText("student@127.0.0.1:1")
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), LEFT)
        qtbot.waitUntil(
            lambda: launcher.settings.engine_address == "ssh://student@127.0.0.1:1",
            timeout=10_000,
        )
        assert launcher.on_another_computer()
        again = window.show_settings()
        assert again.remote.isChecked() and again.engine_address.text() == ""
        assert again.ssh_address.text() == "ssh://student@127.0.0.1:1"
        again.reject()
    finally:
        window.close()
        launcher.close()
