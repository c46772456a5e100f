"""A course's engine on another computer, reached over a real sshd (issue 17, part 2)."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from urllib.parse import parse_qs, urlsplit

import docker
import pytest
import requests

from launcher.core.errors import HostKeyChanged, HostKeyUnknown
from launcher.core.launcher import Launcher
from launcher.core.remote.engine import RemoteEngine
from launcher.core.remote.host_keys import known_hosts_file
from tests.helpers.folders import STUDENT_UID, make_student_folder
from tests.testbed.sshd import SshServer, running_sshd
from tests.testbed.testbed import TestbedState


@pytest.fixture(scope="session")
def sshd(testbed: TestbedState) -> Iterator[SshServer]:
    with running_sshd(Path(testbed.docker_host.removeprefix("unix://"))) as server:
        yield server


@pytest.fixture
def ssh_agent(sshd: SshServer, monkeypatch: pytest.MonkeyPatch) -> SshServer:
    """The test user's key, offered the way a student's agent offers theirs."""
    monkeypatch.setenv("SSH_AUTH_SOCK", sshd.agent_socket)
    return sshd


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_unknown_key_is_refused_with_its_fingerprint_then_accepted(ssh_agent: SshServer) -> None:
    fingerprint = ssh_agent.fingerprint()
    launcher = Launcher.open(engine=ssh_agent.address())
    try:
        with pytest.raises(HostKeyUnknown) as unknown:
            launcher.engine  # noqa: B018
        assert unknown.value.fingerprint == fingerprint
        assert fingerprint in str(unknown.value)
        known = known_hosts_file(launcher.paths.data)
        assert not known.exists()

        launcher.accept_host_key = "SHA256:" + "A" * 43  # a fingerprint that is not its
        with pytest.raises(HostKeyUnknown):
            launcher.engine  # noqa: B018
        assert not known.exists()

        launcher.accept_host_key = fingerprint
        engine = launcher.engine
        assert isinstance(engine, RemoteEngine)
        assert engine.found_by == "SSH"
        assert engine.info.api_version
        engine.client.containers.list(all=True)
        assert f"[127.0.0.1]:{ssh_agent.port} ssh-ed25519 " in known.read_text()
    finally:
        launcher.close()
    again = Launcher.open(engine=ssh_agent.address())  # remembered: no fingerprint needed
    try:
        assert again.engine.client.ping()
    finally:
        again.close()


def test_changed_host_key_is_refused(ssh_agent: SshServer) -> None:
    launcher = Launcher.open(engine=ssh_agent.address())
    launcher.accept_host_key = ssh_agent.fingerprint()
    try:
        assert launcher.engine.client.ping()
    finally:
        launcher.close()
    before = known_hosts_file(launcher.paths.data).read_text()
    ssh_agent.new_host_key()
    changed = Launcher.open(engine=ssh_agent.address())
    changed.accept_host_key = ssh_agent.fingerprint()  # accepting it blindly is not enough
    try:
        with pytest.raises(HostKeyChanged) as refused:
            changed.engine  # noqa: B018
        assert "WARNING" in refused.value.message
        assert ssh_agent.fingerprint() in refused.value.message
    finally:
        changed.close()
    assert known_hosts_file(launcher.paths.data).read_text() == before


def test_cli_shows_fingerprint_and_accepts_it(ssh_agent: SshServer) -> None:
    refused = cli("engine", "--engine", ssh_agent.address())
    assert refused.returncode == 4, refused.stderr
    fingerprint = ssh_agent.fingerprint()
    assert f"--accept-host-key {fingerprint}" in refused.stderr
    accepted = cli("engine", "--json", "--engine", ssh_agent.address(),
                   "--accept-host-key", fingerprint)  # fmt: skip
    assert accepted.returncode == 0, accepted.stderr
    assert ssh_agent.address() in accepted.stdout


def _lines_until(stream: IO[str], marker: str, timeout: float = 60) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if marker in line:
            return lines
    raise AssertionError(f"no {marker!r} in {lines}")


def _ctrl_c_works() -> None:
    """In the child: a test run started in the background ignores SIGINT, and a child
    inherits that; a student's terminal does not."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _port_closes(port: int, within: float = 15) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return True
        time.sleep(0.1)
    return False


def check_work_files(common: list[str], folder: Path, tmp_path: Path) -> None:
    """Upload files from here and download the work, through the engine's archive API."""
    here = tmp_path / "here"
    (here / "data").mkdir(parents=True)
    (here / "data.csv").write_text("a,b\n1,2\n")
    (here / "data" / "more.txt").write_text("more\n")
    (here / "data" / "elsewhere").symlink_to("/etc/passwd")
    uploaded = cli("upload-files", "test-jupyter", str(here / "data.csv"), str(here / "data"),
                   *common)  # fmt: skip
    assert uploaded.returncode == 0, uploaded.stderr
    assert "Uploaded 2 files" in uploaded.stderr
    assert (folder / "data.csv").read_text() == "a,b\n1,2\n"  # in the folder over there
    assert (folder / "data" / "more.txt").stat().st_uid == STUDENT_UID  # the student's
    assert not (folder / "data" / "elsewhere").exists()  # a link is not copied
    again = cli("upload-files", "test-jupyter", str(here / "data.csv"), *common)
    assert again.returncode == 2
    assert "is not replaced" in again.stderr

    target = tmp_path / "downloaded"
    downloaded = cli("download-work", "test-jupyter", str(target), *common)
    assert downloaded.returncode == 0, downloaded.stderr
    assert "Downloaded" in downloaded.stderr
    assert (target / "from-jupyter.txt").read_text() == "hello\n"
    assert (target / "data" / "more.txt").read_text() == "more\n"
    refused = cli("download-work", "test-jupyter", str(target), *common)
    assert refused.returncode == 1  # not into a folder that has files
    assert "not an empty folder" in refused.stderr


def test_start_there_open_here_through_a_forward_then_lose_it(
    ssh_agent: SshServer, course_catalogue: Path,
    clean_engine: docker.DockerClient, tmp_path: Path,
) -> None:  # fmt: skip
    common = ["--catalogue", str(course_catalogue), "--engine", ssh_agent.address()]
    # The folder is on that computer, where the SSH user reaches it and the launcher
    # sets no ACLs for the image's user (it cannot reach that file system): the folder
    # there lets it write.
    folder = make_student_folder(ssh_agent.home, "remote")
    folder.chmod(0o777)
    started = cli("start", "test-jupyter", "--folder", str(folder), "--no-browser", "--json",
                  "--accept-host-key", ssh_agent.fingerprint(), *common)  # fmt: skip
    assert started.returncode == 0, started.stderr
    remote_url = json.loads(started.stdout)["services"][0]["url"]
    remote_port = urlsplit(remote_url).port
    (container,) = clean_engine.containers.list()
    assert container.ports["8888/tcp"][0]["HostIp"] == "127.0.0.1"  # published there only

    unforwarded = cli("url", "test-jupyter", *common)
    assert unforwarded.returncode == 2
    assert "course-launcher connect test-jupyter" in unforwarded.stderr

    connect = subprocess.Popen(
        [sys.executable, "-m", "launcher", "connect", "test-jupyter", *common],
        stderr=subprocess.PIPE, text=True, preexec_fn=_ctrl_c_works,
    )  # fmt: skip
    try:
        said = _lines_until(connect.stderr, "Ctrl-C")  # type: ignore[arg-type]
        url = cli("url", "test-jupyter", *common)
        assert url.returncode == 0, url.stderr
        local = urlsplit(url.stdout.strip())
        assert local.hostname == "127.0.0.1"
        assert local.port != remote_port  # that port is taken here, so another one
        assert f"Jupyter: http://127.0.0.1:{local.port}/" in said[0]
        assert requests.get(url.stdout.strip(), timeout=10).status_code == 200
        base = f"http://127.0.0.1:{local.port}"
        assert requests.get(f"{base}/api/status", timeout=10).status_code == 403  # token needed
        token = parse_qs(urlsplit(url.stdout.strip()).query)["token"][0]
        saved = requests.put(
            f"{base}/api/contents/from-jupyter.txt",
            json={"type": "file", "format": "text", "content": "hello\n"},
            headers={"Authorization": f"token {token}"}, timeout=10,
        )  # fmt: skip
        assert saved.status_code in (200, 201)
        check_work_files(common, folder, tmp_path)
        connect.send_signal(signal.SIGINT)
        assert connect.wait(timeout=20) == 0
    finally:
        if connect.poll() is None:
            connect.kill()
            connect.wait()
        connect.stderr.close()  # type: ignore[union-attr]
    assert cli("url", "test-jupyter", *common).returncode == 2  # the forward is gone
    assert _port_closes(local.port)

    # A launcher killed outright takes its forwards with it.
    connect = subprocess.Popen(
        [sys.executable, "-m", "launcher", "connect", "test-jupyter", *common],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        said = _lines_until(connect.stderr, "Ctrl-C")  # type: ignore[arg-type]
        port = urlsplit(said[0].split(": ", 1)[1]).port
        assert port is not None
        connect.kill()
        connect.wait()
        assert _port_closes(port)
        killed = connect.pid
    finally:
        connect.stderr.close()  # type: ignore[union-attr]

    # The network goes while the forwards are held: a clear message, not a traceback.
    connect = subprocess.Popen(
        [sys.executable, "-m", "launcher", "connect", "test-jupyter", *common],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _lines_until(connect.stderr, "Ctrl-C")  # type: ignore[arg-type]
        assert ssh_agent.cut_connections() >= 1
        assert connect.wait(timeout=30) == 3
        rest = connect.stderr.read()  # type: ignore[union-attr]
        assert "The connection to 127.0.0.1 was lost" in rest, rest
        assert "Traceback" not in rest
    finally:
        if connect.poll() is None:
            connect.kill()
            connect.wait()
        connect.stderr.close()  # type: ignore[union-attr]
    assert cli("stop", "test-jupyter", *common).returncode == 0
    assert folder.is_dir()
    # the killed launcher's socket folder is swept by the next one
    assert not list(Path(tempfile.gettempdir()).glob(f"cl-ssh-{killed}-*"))


def test_connection_cut_mid_start_then_the_next_start_adopts(
    ssh_agent: SshServer, course_catalogue: Path,
    clean_engine: docker.DockerClient, tmp_path: Path,
) -> None:  # fmt: skip
    # Ready only once the test says so (a file in the folder), so the start is surely
    # still waiting, and asking the engine every second, when the connection goes.
    waiting = tmp_path / "waiting-catalogue.toml"
    waiting.write_text(course_catalogue.read_text().replace(
        'ready = "/api/status"', 'ready = "/api/contents/ready.txt"', 1))  # fmt: skip
    common = ["--catalogue", str(waiting), "--engine", ssh_agent.address(),
              "--accept-host-key", ssh_agent.fingerprint()]  # fmt: skip
    folder = make_student_folder(ssh_agent.home, "cut")  # over there, as above
    folder.chmod(0o777)  # as in the test above: Jupyter there reads the folder
    start = subprocess.Popen(
        [sys.executable, "-m", "launcher", "start", "test-jupyter", "--folder", str(folder),
         "--no-browser", *common],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not clean_engine.containers.list() and time.monotonic() < deadline:
            time.sleep(0.02)  # the container is made: the start now waits for Jupyter
        (container,) = clean_engine.containers.list()
        assert ssh_agent.cut_connections() >= 1
        assert start.wait(timeout=60) == 3
        said = start.stderr.read()  # type: ignore[union-attr]
        assert "The connection to 127.0.0.1 was lost" in said, said
        assert "Traceback" not in said
    finally:
        if start.poll() is None:
            start.kill()
            start.wait()
        start.stderr.close()  # type: ignore[union-attr]
    (folder / "ready.txt").write_text("ready\n")
    again = cli("start", "test-jupyter", "--folder", str(folder), "--no-browser", "--json", *common)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["state"] == "running"
    assert [c.id for c in clean_engine.containers.list()] == [container.id]  # adopted
    assert cli("stop", "test-jupyter", *common).returncode == 0
