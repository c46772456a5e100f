"""What goes wrong with a hand-typed ``docker run``, handled: ports, exposure, crashes,
missing images, bad folders, a killed launcher."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import docker
import pytest

from launcher.core.engine import labels
from launcher.core.errors import (
    EngineUnavailable,
    RegistryUnreachable,
    StartFailed,
    WorkspaceError,
)
from launcher.core.launcher import Launcher
from tests.helpers.catalogue import catalogue_text
from tests.helpers.folders import make_student_folder
from tests.testbed.engine_proxy import EngineProxy
from tests.testbed.netns import probe_host
from tests.testbed.testbed import TestbedState


@contextmanager
def launcher_with(testbed: TestbedState, folder: Path, catalogue: str) -> Iterator[Launcher]:
    """A launcher over a catalogue changed for one test (a bad image, little memory …)."""
    path = folder / "changed-catalogue.toml"
    path.write_text(catalogue)
    launcher = Launcher.open(catalogues=[str(path)], engine=testbed.docker_host)
    try:
        yield launcher
    finally:
        launcher.close()


@pytest.fixture
def occupied_port() -> Iterator[socket.socket]:
    """A listening socket standing in for another program."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock
    sock.close()


def test_port_taken_between_starts_moves_and_says_so(
    launcher: Launcher, student_area: Path, clean_engine: docker.DockerClient
) -> None:
    folder = make_student_folder(student_area, "w")
    first = launcher.start("test-jupyter", folder)
    old_port = first.ports[8888]
    launcher.stop("test-jupyter")
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", old_port))
        other_program.listen()
        second = launcher.start("test-jupyter")
    new_port = second.ports[8888]
    assert new_port != old_port
    assert any(str(old_port) in n and str(new_port) in n for n in second.notices)
    assert launcher.settings.course("test-jupyter").ports["8888"] == new_port


def test_preferred_port_taken_uses_the_next_free_one(
    testbed: TestbedState, tmp_path: Path, student_area: Path,
    clean_engine: docker.DockerClient, occupied_port: socket.socket,
) -> None:  # fmt: skip
    taken = occupied_port.getsockname()[1]
    with launcher_with(testbed, tmp_path, catalogue_text(testbed, taken, taken + 50)) as launcher:
        result = launcher.start("test-jupyter", make_student_folder(student_area, "p"))
    assert result.ports[8888] != taken


def test_published_ports_are_not_reachable_from_the_network(
    launcher: Launcher, student_area: Path, clean_engine: docker.DockerClient
) -> None:
    result = launcher.start("test-multi", make_student_folder(student_area, "n"))
    with probe_host() as remote, socket.socket() as exposed:
        # Control: a server on all interfaces IS reachable, so the probe can see exposure.
        exposed.bind(("0.0.0.0", 0))  # noqa: S104 - deliberately exposed, to prove the probe
        exposed.listen()
        assert remote.can_connect(exposed.getsockname()[1])
        for port in result.ports.values():
            assert not remote.can_connect(port), f"port {port} is reachable from the network"
    for bindings in (
        clean_engine.containers.get(labels.container_name("test-multi"))
        .attrs["HostConfig"]["PortBindings"]
        .values()
    ):
        assert all(b["HostIp"] == "127.0.0.1" for b in bindings)


def test_container_that_dies_while_starting_reports_its_last_lines(
    testbed: TestbedState, tmp_path: Path, student_area: Path, clean_engine: docker.DockerClient
) -> None:
    text = catalogue_text(testbed, 0, 0).replace("preferred_port = 0\n", "")
    # Too little memory for Jupyter: the kernel kills it while it starts.
    workspace = 'workspace = "/home/ou/TM351-24J"\n'
    text = text.replace(workspace, workspace + 'memory = "6m"\n', 1)
    with launcher_with(testbed, tmp_path, text) as launcher, pytest.raises(StartFailed) as caught:
        launcher.start("test-jupyter", make_student_folder(student_area, "m"))
    assert "stopped while starting" in caught.value.message
    token = launcher.ensure_token("test-jupyter")
    assert token and token not in str(caught.value)


def test_image_missing_and_registry_unreachable(
    testbed: TestbedState, tmp_path: Path, student_area: Path, clean_engine: docker.DockerClient
) -> None:
    text = catalogue_text(testbed, 0, 0).replace("preferred_port = 0\n", "")
    text = text.replace(testbed.images["jupyter"], "127.0.0.1:9/nowhere/course:24j")
    with (
        launcher_with(testbed, tmp_path, text) as launcher,
        pytest.raises(RegistryUnreachable) as caught,
    ):
        launcher.start("test-jupyter", make_student_folder(student_area, "i"))
    assert "could not be reached" in caught.value.message
    assert "online" in caught.value.hint
    assert clean_engine.containers.list(all=True) == []


@pytest.mark.parametrize("problem", ["missing", "file", "read-only"])
def test_bad_folders_are_refused_before_anything_is_made(
    launcher: Launcher, student_area: Path, clean_engine: docker.DockerClient, problem: str
) -> None:
    folder = student_area / "bad"
    if problem == "file":
        folder.write_text("not a folder")
    elif problem == "read-only":
        folder.mkdir()
        folder.chmod(0o555)
        if os.geteuid() == 0:  # root writes anywhere: make it truly read-only for everyone
            subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(folder)], check=True)
            subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
    try:
        with pytest.raises(WorkspaceError) as caught:
            launcher.start("test-jupyter", folder)
    finally:
        if problem == "read-only" and os.geteuid() == 0:
            subprocess.run(["umount", str(folder)], check=False)
    assert str(folder) in caught.value.message
    assert caught.value.hint
    assert clean_engine.containers.list(all=True) == []
    if problem == "file":
        assert folder.read_text() == "not a folder"


def test_missing_folder_is_created_on_request(
    launcher: Launcher, student_area: Path, clean_engine: docker.DockerClient
) -> None:
    folder = student_area / "new" / "TM351"
    result = launcher.start("test-jupyter", folder, create_folder=True)
    assert folder.is_dir()
    assert result.status.folder == str(folder)


def test_killed_cli_during_start_is_adopted_by_the_next_start(
    testbed: TestbedState, course_catalogue: Path, student_area: Path,
    clean_engine: docker.DockerClient, launcher_home: Path,
) -> None:  # fmt: skip
    folder = make_student_folder(student_area, "k")
    command = [
        sys.executable, "-m", "launcher", "start", "test-jupyter", "--folder", str(folder),
        "--no-browser", "--catalogue", str(course_catalogue), "--engine", testbed.docker_host,
    ]  # fmt: skip
    cli = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    made = []
    while not made and time.monotonic() < deadline and cli.poll() is None:
        made = clean_engine.containers.list(  # one may go between listing and reading it
            all=True, filters=labels.course_filter("test-jupyter"), ignore_removed=True
        )
        time.sleep(0.05)
    cli.send_signal(signal.SIGKILL)
    cli.wait()
    assert made, "the CLI never created the container"
    launcher = Launcher.open(catalogues=[str(course_catalogue)], engine=testbed.docker_host)
    try:
        result = launcher.start("test-jupyter", folder)
    finally:
        launcher.close()
    after = clean_engine.containers.list(all=True, filters=labels.course_filter("test-jupyter"))
    assert [c.id for c in after] == [made[0].id]  # adopted, not duplicated
    assert result.status.state == "running"


def test_engine_stopping_mid_start_is_a_message_not_a_traceback(
    testbed: TestbedState, course_catalogue: Path, student_area: Path, tmp_path: Path,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    proxy = EngineProxy(tmp_path / "docker.sock", testbed.docker_host.removeprefix("unix://"))
    proxy.start()
    launcher = Launcher.open(catalogues=[str(course_catalogue)], engine=f"unix://{proxy.path}")
    launcher.install("test-jupyter")

    def quit_docker_while_waiting(message: object) -> None:
        # Docker quitting takes its containers with it: Jupyter stops answering (paused
        # here, through the engine's own socket) and the launcher's socket goes away.
        if str(message).startswith("Starting Jupyter") and proxy.path.exists():
            clean_engine.containers.get(labels.container_name("test-jupyter")).pause()
            proxy.stop()

    try:
        with pytest.raises(EngineUnavailable) as caught:
            launcher.start(
                "test-jupyter",
                make_student_folder(student_area, "e"),
                progress=quit_docker_while_waiting,
            )
    finally:
        proxy.stop()
        launcher.close()
    assert caught.value.message.startswith("Docker stopped while")
    assert "TEST1 24J" in caught.value.message
    assert "Start Docker" in caught.value.hint
