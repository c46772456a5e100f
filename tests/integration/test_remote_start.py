"""Starting a course on another computer does everything there (issue 17, part 2).

The launcher runs as on a student's laptop: in a network namespace of its own (its
127.0.0.1 is not the engine's) reaching this machine's sshd over a veth pair, and in a
mount namespace where the SSH user's home is an empty tmpfs. So a folder check, a
folder made or a readiness request on the launcher's side would miss: the start can
only succeed by doing them over there. The engine (dockerd) and the sshd share this
machine's files and loopback, as on a real remote computer.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import docker
import pytest

from launcher.core.launcher import Launcher
from tests.testbed.netns import ProbeHost, probe_host
from tests.testbed.sshd import SshServer, running_sshd
from tests.testbed.testbed import TestbedState

# In the launcher's own mount namespace: hide the remote home, run, then say what the
# launcher left in the hidden folder (nothing, if it did nothing here).
_HIDDEN_RUN = (
    'mount -t tmpfs tmpfs "$0" || exit 99; "$@"; code=$?; '
    'echo "left here: [$(ls -A "$0")]" >&2; exit $code'
)


@pytest.fixture(scope="module")
def laptop(testbed: TestbedState) -> Iterator[tuple[ProbeHost, SshServer]]:
    engine_socket = Path(testbed.docker_host.removeprefix("unix://"))
    with probe_host() as probe, running_sshd(engine_socket, probe.host_address) as server:
        yield probe, server


def _on_laptop(probe: ProbeHost, hidden: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = ["ip", "netns", "exec", probe.namespace, "unshare", "--mount",
               "--propagation", "private", "sh", "-c", _HIDDEN_RUN, str(hidden),
               sys.executable, "-m", "launcher", *args]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert "left here: []" in done.stderr, done.stderr  # nothing made on the laptop
    return done


def _hold_port_on_laptop(probe: ProbeHost, port: int) -> subprocess.Popen[str]:
    """A program on the laptop listening at ``port`` (and never answering)."""
    code = (
        "import socket,sys,time\n"
        "s=socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen()\n"
        "print('held', flush=True); time.sleep(600)\n"
    )
    holder = subprocess.Popen(
        ["ip", "netns", "exec", probe.namespace, sys.executable, "-c", code, str(port)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def _start_forwards(log_file: Path) -> list[tuple[int, int]]:
    """Remote port -> laptop port of each start's forward, from the launcher's log."""
    found = re.findall(r"forwards for the start: \{(\d+): (\d+)\}", log_file.read_text())
    return [(int(remote), int(local)) for remote, local in found]


def test_start_there_makes_its_folder_and_asks_through_a_forward(
    laptop: tuple[ProbeHost, SshServer], course_catalogue: Path,
    clean_engine: docker.DockerClient, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    probe, server = laptop
    monkeypatch.setenv("SSH_AUTH_SOCK", server.agent_socket)
    assert server.address().startswith(f"ssh://{server.user}@{probe.host_address}:")
    common = ["--catalogue", str(course_catalogue), "--engine", server.address(),
              "--accept-host-key", server.fingerprint()]  # fmt: skip
    course = tomllib.loads(course_catalogue.read_text())["course"][0]
    preferred = int(course["preferred_port"])
    expected = server.home / f"{course['code']}-{course['presentation']}"
    log_file = Path(os.environ["COURSE_LAUNCHER_HOME"]) / "log" / "launcher.log"

    # That port is taken on the laptop, not over there: the engine publishes it there,
    # and the forward here must use another one.
    holder = _hold_port_on_laptop(probe, preferred)
    try:
        started = _on_laptop(probe, server.home, "start", "test-jupyter", "--no-browser",
                             "--json", *common)  # fmt: skip
        assert started.returncode == 0, started.stderr
        assert "To open it here: course-launcher connect test-jupyter" in started.stderr
        said = json.loads(started.stdout)
        assert said["folder"] == str(expected)
        assert expected.is_dir() and expected.stat().st_uid != 0  # the SSH user's, made there
        assert expected.stat().st_uid == expected.parent.stat().st_uid
        assert urlsplit(said["services"][0]["url"]).port == preferred
        (container,) = clean_engine.containers.list()
        assert container.ports["8888/tcp"][0] == {"HostIp": "127.0.0.1", "HostPort": str(preferred)}
        (mount,) = [m for m in container.attrs["Mounts"] if m["Type"] == "bind"]
        assert mount["Source"] == str(expected)
        remote, local = _start_forwards(log_file)[-1]
        assert remote == preferred and local != preferred  # readiness came through it

        assert _on_laptop(probe, server.home, "stop", "test-jupyter", *common).returncode == 0
        again = _on_laptop(probe, server.home, "start", "test-jupyter", "--no-browser",
                           "--json", *common)  # fmt: skip
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["folder"] == str(expected)
        assert [c.id for c in clean_engine.containers.list()] == [container.id]  # adopted
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()  # type: ignore[union-attr]

    # The port is taken over there now: the engine chooses another, which is read back.
    assert _on_laptop(probe, server.home, "stop", "test-jupyter", *common).returncode == 0
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT
        taken.bind(("127.0.0.1", preferred))
        taken.listen()
        third = _on_laptop(probe, server.home, "start", "test-jupyter", "--no-browser",
                           "--json", *common)  # fmt: skip
        assert third.returncode == 0, third.stderr
        port = urlsplit(json.loads(third.stdout)["services"][0]["url"]).port
        assert port not in (None, 0, preferred)
        remote, local = _start_forwards(log_file)[-1]
        assert remote == port and local == port  # free on the laptop: the same number
        (recreated,) = clean_engine.containers.list()
        assert recreated.id != container.id
        assert recreated.ports["8888/tcp"][0]["HostPort"] == str(port)
    launcher = Launcher.open(catalogues=[str(course_catalogue)], engine=server.address())
    try:
        status = launcher.status("test-jupyter")  # from this machine, over the same sshd
        assert status.ports == {8888: port}
        assert status.folder == str(expected)
        # this computer's settings keep their own folder: not the one over there
        assert launcher.settings.course("test-jupyter").folder is None
    finally:
        launcher.close()
    assert _on_laptop(probe, server.home, "stop", "test-jupyter", *common).returncode == 0
    assert expected.is_dir()
