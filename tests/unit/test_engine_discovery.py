"""Finding the Docker engine, through the real docker SDK over real unix sockets.

Nothing of the SDK is mocked: "engines" here are real sockets in a temporary folder,
either dead (bound, nobody listening), silent (listening, never answering) or a tiny
HTTP server that replays recorded ``/version`` and ``/info`` answers of real engines.
"""

from __future__ import annotations

import gc
import hashlib
import http.server
import json
import os
import re
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest
import requests

from launcher.core.engine.advice import check_image_platform, describe, engine_hint
from launcher.core.engine.discovery import engine_candidates, find_engine
from launcher.core.engine.errors import PERMISSION_DENIED, translate_engine_errors
from launcher.core.engine.model import EngineInfo
from launcher.core.errors import EngineUnavailable, NoEngineFound

# --- recorded engine answers (GET /version, GET /info, trimmed to the fields read) -----

DOCKER_DESKTOP_MAC = (  # Docker Desktop 4.23 on Apple silicon
    {
        "Platform": {"Name": "Docker Desktop 4.23.0 (120376)"},
        "Components": [
            {
                "Name": "Engine",
                "Version": "24.0.6",
                "Details": {
                    "ApiVersion": "1.43",
                    "Arch": "arm64",
                    "BuildTime": "2023-09-04T12:32:16.000000000+00:00",
                    "Experimental": "false",
                    "GitCommit": "1a79695",
                    "GoVersion": "go1.20.7",
                    "KernelVersion": "6.4.16-linuxkit",
                    "MinAPIVersion": "1.12",
                    "Os": "linux",
                },
            },
            {"Name": "containerd", "Version": "1.6.22", "Details": {"GitCommit": "8165fea"}},
            {"Name": "runc", "Version": "1.1.8", "Details": {"GitCommit": "v1.1.8-0-g82f18fe"}},
            {"Name": "docker-init", "Version": "0.19.0", "Details": {"GitCommit": "de40ad0"}},
        ],
        "Version": "24.0.6",
        "ApiVersion": "1.43",
        "MinAPIVersion": "1.12",
        "GitCommit": "1a79695",
        "GoVersion": "go1.20.7",
        "Os": "linux",
        "Arch": "arm64",
        "KernelVersion": "6.4.16-linuxkit",
        "BuildTime": "2023-09-04T12:32:16.000000000+00:00",
    },
    {
        "Name": "docker-desktop",
        "ServerVersion": "24.0.6",
        "OperatingSystem": "Docker Desktop",
        "OSType": "linux",
        "Architecture": "aarch64",
        "KernelVersion": "6.4.16-linuxkit",
        "NCPU": 8,
        "MemTotal": 8218632192,
    },
)

DEBIAN_DOCKER_IO = (  # Debian 12's docker.io 20.10
    {
        "Platform": {"Name": ""},
        "Components": [
            {"Name": "Engine", "Version": "20.10.24+dfsg1", "Details": {"ApiVersion": "1.41"}},
            {"Name": "containerd", "Version": "1.6.20~ds1", "Details": {"GitCommit": ""}},
            {"Name": "runc", "Version": "1.1.5+ds1", "Details": {"GitCommit": "1.1.5+ds1-1"}},
            {"Name": "docker-init", "Version": "0.19.0", "Details": {"GitCommit": ""}},
        ],
        "Version": "20.10.24+dfsg1",
        "ApiVersion": "1.41",
        "MinAPIVersion": "1.12",
        "GitCommit": "5d6db84",
        "GoVersion": "go1.19.8",
        "Os": "linux",
        "Arch": "amd64",
        "KernelVersion": "6.1.0-18-amd64",
        "BuildTime": "2023-05-18T08:38:34.000000000+00:00",
    },
    {
        "OperatingSystem": "Debian GNU/Linux 12 (bookworm)",
        "OSType": "linux",
        "Architecture": "x86_64",
        "NCPU": 4,
        "MemTotal": 16663588864,
    },
)

PODMAN = (  # Podman 4.9 Docker-compatible API
    {
        "Platform": {"Name": "linux/amd64/fedora-39"},
        "Components": [
            {
                "Name": "Podman Engine",
                "Version": "4.9.4",
                "Details": {"APIVersion": "4.9.4", "MinAPIVersion": "4.0.0", "Os": "linux"},
            },
            {"Name": "Conmon", "Version": "conmon version 2.1.10, commit: ", "Details": {}},
            {"Name": "OCI Runtime (crun)", "Version": "crun version 1.14.4", "Details": {}},
        ],
        "Version": "4.9.4",
        "ApiVersion": "1.41",
        "MinAPIVersion": "1.24",
        "GitCommit": "",
        "GoVersion": "go1.21.8",
        "Os": "linux",
        "Arch": "amd64",
        "KernelVersion": "6.8.5-201.fc39.x86_64",
        "BuildTime": "2024-04-01T00:00:00Z",
    },
    {"OperatingSystem": "fedora", "OSType": "linux", "Architecture": "amd64", "NCPU": 2},
)


class _EngineHandler(http.server.BaseHTTPRequestHandler):
    server: _RecordedEngine

    def do_GET(self) -> None:
        path = re.sub(r"^/v\d+\.\d+", "", self.path.split("?")[0])
        self.server.paths.append(path)
        answers: dict[str, Any] = {"/version": self.server.version, "/info": self.server.info}
        if path == "/_ping":
            self._send(200, b"OK", "text/plain")
        elif isinstance(answers.get(path), bytes):
            self._send(200, answers[path], "application/json")
        elif path in answers:
            self._send(200, json.dumps(answers[path]).encode(), "application/json")
        else:
            body = {"message": f"No such container: {path.split('/')[2:3]}"}
            self._send(404, json.dumps(body).encode(), "application/json")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _RecordedEngine(socketserver.UnixStreamServer):
    def __init__(self, path: Path, version: dict[str, Any], info: dict[str, Any]) -> None:
        super().__init__(str(path), _EngineHandler)
        self.version, self.info, self.paths = version, info, list[str]()
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(5)


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A short folder: unix socket paths must stay under ~100 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="eng", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def dead_socket(path: Path) -> Path:
    """A socket file nobody listens on: connecting is refused at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.bind(str(path))
    return path


def write_context(config_dir: Path, name: str, host: str, *, current: bool = True) -> None:
    config_dir.mkdir(parents=True, exist_ok=True)
    if current:
        (config_dir / "config.json").write_text(json.dumps({"currentContext": name}))
    meta_dir = config_dir / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
    meta_dir.mkdir(parents=True)
    meta = {"Name": name, "Metadata": {}, "Endpoints": {"docker": {"Host": host}}}
    (meta_dir / "meta.json").write_text(json.dumps(meta))


def addresses(error: NoEngineFound) -> list[tuple[str, str]]:
    return [(attempt.address, attempt.found_by) for attempt in error.tried]


# --- (a) order, and giving up quickly --------------------------------------------------


def test_discovery_order_and_quick_failure(short_tmp: Path) -> None:
    home, root = short_tmp / "h", short_tmp / "root"
    root.mkdir()
    context_socket = dead_socket(short_tmp / "ctx.sock")
    write_context(home / ".docker", "colima-work", f"unix://{context_socket}")
    colima = dead_socket(home / ".colima/default/docker.sock")
    environ = {"DOCKER_HOST": f"unix://{short_tmp}/gone.sock"}

    started = time.monotonic()
    with pytest.raises(NoEngineFound) as caught:
        find_engine(environ=environ, home=home, platform="linux", root=root)
    elapsed = time.monotonic() - started

    assert elapsed < 2.0
    assert addresses(caught.value) == [
        (f"unix://{short_tmp}/gone.sock", "DOCKER_HOST"),
        (f"unix://{context_socket}", "context colima-work"),
        (f"unix://{colima}", "Colima"),  # Docker Desktop's socket is absent: not listed
    ]
    reasons = [attempt.reason for attempt in caught.value.tried]
    assert reasons[0].startswith("no such socket")
    assert reasons[1:] == ["nothing is listening (connection refused)"] * 2
    assert isinstance(caught.value, EngineUnavailable)
    assert caught.value.message == "The Docker engine named by DOCKER_HOST does not answer."
    assert f"unix://{context_socket}: nothing is listening" in caught.value.hint


def test_candidates_per_platform(short_tmp: Path) -> None:
    home, root = Path("/home/ann"), short_tmp
    mac = [
        c.address for c in engine_candidates(environ={}, home=home, platform="darwin", root=root)
    ]
    assert mac == [
        "unix:///home/ann/.docker/run/docker.sock",
        "unix:///home/ann/.colima/default/docker.sock",
        "unix:///home/ann/.colima/docker.sock",
        "unix:///home/ann/.rd/docker.sock",
        "unix:///home/ann/.local/share/containers/podman/machine/podman.sock",
        "unix:///home/ann/.local/share/containers/podman/machine/qemu/podman.sock",
        f"unix://{root}/var/run/docker.sock",
    ]
    windows = engine_candidates(environ={}, home=home, platform="win32")
    assert [(c.address, c.found_by) for c in windows] == [
        ("npipe:////./pipe/docker_engine", "Docker Desktop"),
        ("npipe:////./pipe/dockerDesktopLinuxEngine", "Docker Desktop"),
        ("npipe:////./pipe/podman-machine-default", "Podman"),
    ]
    linux = engine_candidates(
        environ={"XDG_RUNTIME_DIR": "/run/user/1000"}, home=home, platform="linux"
    )
    assert [(c.address, c.found_by) for c in linux] == [
        ("unix:///home/ann/.docker/desktop/docker.sock", "Docker Desktop"),
        ("unix:///var/run/docker.sock", "default socket"),
        ("unix:///run/user/1000/docker.sock", "rootless Docker"),
        ("unix:///home/ann/.colima/default/docker.sock", "Colima"),
        ("unix:///home/ann/.colima/docker.sock", "Colima"),
        ("unix:///home/ann/.rd/docker.sock", "Rancher Desktop"),
        ("unix:///run/user/1000/podman/podman.sock", "Podman"),
        ("unix:///run/podman/podman.sock", "Podman"),
    ]


def test_explicit_engine_is_the_only_one_tried(short_tmp: Path) -> None:
    dead_socket(short_tmp / "h/.docker/desktop/docker.sock")
    explicit = "tcp://127.0.0.1:9"  # discard port: refused at once
    environ = {"DOCKER_HOST": "unix:///elsewhere.sock"}
    found = engine_candidates(explicit, environ=environ, home=short_tmp / "h", platform="linux")
    assert [(c.address, c.found_by) for c in found] == [(explicit, "setting")]
    with pytest.raises(NoEngineFound) as caught:
        find_engine(explicit, environ=environ, home=short_tmp / "h", platform="linux")
    assert addresses(caught.value) == [(explicit, "setting")]
    assert caught.value.message == "The Docker engine the launcher is set to use does not answer."
    assert "clear the engine address" in caught.value.hint
    assert f"set to use the engine at {explicit} and looks nowhere else" in caught.value.hint


def test_context_from_docker_context_and_docker_config(short_tmp: Path) -> None:
    config_dir = short_tmp / "cfg"
    write_context(config_dir, "rancher-desktop", "unix:///x/rd.sock", current=False)
    write_context(config_dir, "colima", "unix:///x/colima.sock")  # the config's current one
    environ = {"DOCKER_CONFIG": str(config_dir), "DOCKER_CONTEXT": "rancher-desktop"}
    found = engine_candidates(environ=environ, home=short_tmp, platform="linux")
    assert (found[0].address, found[0].found_by) == ("unix:///x/rd.sock", "context rancher-desktop")
    del environ["DOCKER_CONTEXT"]
    found = engine_candidates(environ=environ, home=short_tmp, platform="linux")
    assert (found[0].address, found[0].found_by) == ("unix:///x/colima.sock", "context colima")
    environ["DOCKER_CONTEXT"] = "default"  # covered by the well-known sockets
    found = engine_candidates(environ=environ, home=short_tmp, platform="linux")
    assert not any(c.found_by.startswith("context") for c in found)


def test_context_without_settings_is_reported(short_tmp: Path) -> None:
    environ = {"DOCKER_CONTEXT": "vanished", "DOCKER_CONFIG": str(short_tmp)}
    with pytest.raises(NoEngineFound) as caught:
        find_engine(environ=environ, home=short_tmp, platform="linux", root=short_tmp)
    assert [(a.found_by, a.reason) for a in caught.value.tried] == [
        ("context vanished", "the Docker CLI has no settings for it")
    ]


def test_duplicates_are_tried_once(short_tmp: Path) -> None:
    home, root = short_tmp / "h", short_tmp / "root"
    desktop = dead_socket(home / ".docker/desktop/docker.sock")
    (root / "var/run").mkdir(parents=True)
    (root / "var/run/docker.sock").symlink_to(desktop)  # as Docker Desktop sets it up
    environ = {"DOCKER_HOST": f"unix://{desktop}/"}
    with pytest.raises(NoEngineFound) as caught:
        find_engine(environ=environ, home=home, platform="linux", root=root)
    assert addresses(caught.value) == [(f"unix://{desktop}/", "DOCKER_HOST")]
    assert caught.value.tried[0].reason == "nothing is listening (connection refused)"


def test_silent_engines_cannot_hold_discovery_up(short_tmp: Path) -> None:
    silent = []
    for name in ("a.sock", "b.sock", "h/.colima/docker.sock"):
        path = short_tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(path))
        sock.listen(4)  # accepts connections, never answers
        silent.append(sock)
    write_context(short_tmp / "h/.docker", "slow", f"unix://{short_tmp}/b.sock")
    environ = {"DOCKER_HOST": f"unix://{short_tmp}/a.sock"}
    try:
        started = time.monotonic()
        with pytest.raises(NoEngineFound) as caught:
            find_engine(environ=environ, home=short_tmp / "h", platform="linux", root=short_tmp)
        assert time.monotonic() - started < 2.0
    finally:
        for sock in silent:
            sock.close()
    reasons = [attempt.reason for attempt in caught.value.tried]
    assert reasons[0] == "no answer within 1 s"
    assert reasons[1].startswith("no answer within 0.")
    assert reasons[2] == "not tried: the search ran out of time"


# --- (b) a real answer over a real socket ----------------------------------------------


@pytest.mark.parametrize(
    ("recorded", "expected"),
    [
        (
            DOCKER_DESKTOP_MAC,
            ("24.0.6", "1.43", "linux", "arm64", "Docker Desktop", 8218632192, 8,
             "Docker Desktop 4.23.0 (120376)"),
        ),
        (
            DEBIAN_DOCKER_IO,
            ("20.10.24+dfsg1", "1.41", "linux", "amd64", "Debian GNU/Linux 12 (bookworm)",
             16663588864, 4, None),
        ),
        (PODMAN, ("4.9.4", "1.41", "linux", "amd64", "fedora", None, 2, "Podman 4.9.4")),
    ],
    ids=["docker-desktop", "debian-docker.io", "podman"],
)  # fmt: skip
def test_connects_and_reads_engine_info(
    short_tmp: Path, recorded: tuple[dict[str, Any], dict[str, Any]], expected: tuple[Any, ...]
) -> None:
    home = short_tmp / "h"
    dead_socket(short_tmp / "dead.sock")
    path = home / ".docker/desktop/docker.sock"
    path.parent.mkdir(parents=True)
    server = _RecordedEngine(path, *recorded)
    try:
        environ = {"DOCKER_HOST": f"unix://{short_tmp}/dead.sock"}
        engine = find_engine(
            environ=environ, home=home, platform="linux", root=short_tmp, request_timeout=30
        )
        try:
            assert engine.address == f"unix://{path}"
            assert engine.found_by == "Docker Desktop"
            assert [a.found_by for a in engine.tried] == ["DOCKER_HOST"]
            info = engine.info
            assert (
                info.engine_version, info.api_version, info.os_type, info.architecture,
                info.operating_system, info.total_memory, info.cpus, info.product,
            ) == expected  # fmt: skip
            assert engine.client.ping() is True  # the client handed back works
            assert engine.client.api.timeout == 30
            api = recorded[0]["ApiVersion"]
            assert server.paths[:3] == ["/_ping", "/version", "/info"]
            assert engine.client.api.api_version == api
            lines = describe(engine)
            assert lines[1] == f"Address: unix://{path} (found by Docker Desktop)"
            assert any(line.startswith("Also tried: unix://") for line in lines)
        finally:
            engine.close()
    finally:
        server.stop()


def test_explicit_setting_connects(short_tmp: Path) -> None:
    server = _RecordedEngine(short_tmp / "e.sock", *DEBIAN_DOCKER_IO)
    try:
        engine = find_engine(f"unix://{short_tmp}/e.sock", environ={}, platform="linux")
        try:
            assert (engine.found_by, engine.tried) == ("setting", ())
            assert engine.client.version()["Version"] == "20.10.24+dfsg1"
        finally:
            engine.close()
    finally:
        server.stop()


def test_something_that_is_not_an_engine(short_tmp: Path) -> None:
    server = _RecordedEngine(short_tmp / "web.sock", {}, {})
    server.version = b"<html>hello</html>"  # type: ignore[assignment]
    try:
        with pytest.raises(NoEngineFound) as caught:
            find_engine(f"unix://{short_tmp}/web.sock", environ={}, platform="linux")
    finally:
        server.stop()
    assert caught.value.tried[0].reason == "it answered, but not like a Docker engine"


def test_engine_info_from_recorded_answers() -> None:
    info = EngineInfo.from_api(*DOCKER_DESKTOP_MAC)
    assert (info.architecture, info.kernel_version) == ("arm64", "6.4.16-linuxkit")
    bare = EngineInfo.from_api({"Version": "27.0.1", "ApiVersion": "1.46", "Arch": "x86_64"})
    assert (bare.architecture, bare.product, bare.total_memory, bare.os_type) == (
        "amd64",
        None,
        None,
        "",
    )


# --- (c) sockets that cannot be used -----------------------------------------------------


def test_a_regular_file_where_a_socket_should_be(short_tmp: Path) -> None:
    fake = short_tmp / "h/.colima/default/docker.sock"
    fake.parent.mkdir(parents=True)
    fake.write_text("not a socket")
    with pytest.raises(NoEngineFound) as caught:
        find_engine(environ={}, home=short_tmp / "h", platform="linux", root=short_tmp)
    assert [(a.address, a.reason) for a in caught.value.tried] == [
        (f"unix://{fake}", "exists but is not a socket")
    ]


_PERMISSION_PROBE = """
import json, sys
from pathlib import Path
from launcher.core.engine.discovery import find_engine
from launcher.core.errors import NoEngineFound
try:
    find_engine(sys.argv[1], environ={}, platform="linux")
except NoEngineFound as error:
    print(json.dumps({"message": error.message, "hint": error.hint,
                      "reasons": [a.reason for a in error.tried]}))
"""


def test_socket_without_permission(short_tmp: Path) -> None:
    server = _RecordedEngine(short_tmp / "locked.sock", *DEBIAN_DOCKER_IO)
    try:
        (short_tmp / "locked.sock").chmod(0)
        address = f"unix://{short_tmp}/locked.sock"
        if os.geteuid() != 0:
            with pytest.raises(NoEngineFound) as caught:
                find_engine(address, environ={}, platform="linux")
            result = {"message": caught.value.message, "hint": caught.value.hint,
                      "reasons": [a.reason for a in caught.value.tried]}  # fmt: skip
        else:  # root ignores file modes: ask as "nobody", with a Python it may run
            result = _run_as_nobody(short_tmp, address)
    finally:
        server.stop()
    assert result["reasons"] == [PERMISSION_DENIED]
    assert result["message"] == "Docker is running, but your account may not use it."
    assert "members of the docker group" in result["hint"]
    assert "\n  sudo usermod -aG docker $USER\n" in result["hint"]
    assert f"{address}: permission denied" in result["hint"]


def _run_as_nobody(folder: Path, address: str) -> dict[str, Any]:
    python = shutil.which("python3", path="/usr/bin:/usr/local/bin:/bin")
    if python is None or not Path(python).resolve().is_relative_to("/usr"):
        pytest.skip("no Python the 'nobody' user may run")
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True
    )
    if version.stdout.strip() != str(tuple(sys.version_info[:2])):
        pytest.skip("the system Python is another version than the test's")
    folder.chmod(0o755)
    project = Path(__file__).resolve().parents[2]
    site = Path(docker.__file__).resolve().parents[1]
    done = subprocess.run(
        [python, "-c", _PERMISSION_PROBE, address],
        capture_output=True,
        text=True,
        user=65534,
        cwd="/",
        env={"PYTHONPATH": f"{project}:{site}", "HOME": "/nonexistent"},
        timeout=30,
    )
    if done.returncode != 0 or not done.stdout.strip():
        pytest.skip(f"could not run the check as 'nobody': {done.stderr[-300:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


# --- (d) what the student is told -------------------------------------------------------


def test_hints_per_platform() -> None:
    windows = engine_hint("win32")
    assert "https://www.docker.com/products/docker-desktop/" in windows
    assert "whale icon in the taskbar stops animating" in windows
    assert "Retry" in windows
    mac = engine_hint("darwin")
    assert "Docker Desktop" in mac and "menu bar" in mac and "Retry" in mac
    linux = engine_hint("linux")
    assert "sudo systemctl start docker" in linux and "Docker Desktop" in linux
    assert "docker' group" not in linux
    assert "usermod -aG docker" in engine_hint("linux", permission_denied=True)
    assert "docker-users" in engine_hint("win32", permission_denied=True)
    assert engine_hint("freebsd14") == linux


def test_nothing_found_on_a_mac(short_tmp: Path) -> None:
    with pytest.raises(NoEngineFound) as caught:
        find_engine(environ={}, home=short_tmp, platform="darwin", root=short_tmp)
    assert caught.value.tried == ()
    assert caught.value.message == "Docker Desktop is not installed."
    assert "Install Docker Desktop for Mac with" in caught.value.hint
    assert "https://docs.docker.com/desktop/setup/install/mac-install/" in caught.value.hint
    assert "No Docker socket was found" in caught.value.hint
    assert "Traceback" not in str(caught.value)


def test_nothing_found_on_windows_lists_the_pipes(short_tmp: Path) -> None:
    with pytest.raises(NoEngineFound) as caught:
        find_engine(environ={}, home=short_tmp, platform="win32")
    assert [a.address for a in caught.value.tried] == [
        "npipe:////./pipe/docker_engine",
        "npipe:////./pipe/dockerDesktopLinuxEngine",
        "npipe:////./pipe/podman-machine-default",
    ]
    assert caught.value.message == "Docker Desktop is not installed."
    assert "https://docs.docker.com/desktop/setup/install/windows-install/" in caught.value.hint


# --- (e) the engine going away mid-operation ------------------------------------------


# The SDK leaks its socket when a connect fails (docker/docker-py#3356);
# launcher/core/engine/transport.py closes it, so collecting here finds no leak.
def test_engine_stopping_mid_operation_becomes_engine_unavailable(short_tmp: Path) -> None:
    _engine_stops_mid_operation(short_tmp)
    gc.collect()


def _engine_stops_mid_operation(short_tmp: Path) -> None:
    server = _RecordedEngine(short_tmp / "e.sock", *DEBIAN_DOCKER_IO)
    client = docker.DockerClient(base_url=f"unix://{short_tmp}/e.sock", version="1.41", timeout=5)
    try:
        assert client.ping()
        with pytest.raises(docker.errors.NotFound), translate_engine_errors("starting TM351"):
            client.containers.get("tm351")  # the engine's own 404 is left to the caller
        server.stop()  # the socket file stays; connecting is now refused
        with pytest.raises(EngineUnavailable) as caught, translate_engine_errors("starting TM351"):
            client.containers.list()
        assert caught.value.message == "Docker stopped while starting TM351."
        assert isinstance(caught.value.__cause__, requests.exceptions.ConnectionError)
        assert caught.value.hint == engine_hint()

        (short_tmp / "e.sock").unlink()  # engine gone entirely

        @translate_engine_errors("listing environments", platform="win32")
        def list_environments() -> list[Any]:
            return list(client.containers.list())

        with pytest.raises(EngineUnavailable) as caught:
            list_environments()
        assert caught.value.message == "Docker stopped while listing environments."
        assert "taskbar" in caught.value.hint
    finally:
        client.close()


def test_other_errors_pass_through(short_tmp: Path) -> None:
    with pytest.raises(FileNotFoundError), translate_engine_errors("importing"):
        (short_tmp / "missing.tar").open("rb")
    with pytest.raises(docker.errors.InvalidArgument), translate_engine_errors("creating"):
        raise docker.errors.InvalidArgument("bad port")
    with pytest.raises(ValueError, match="x"), translate_engine_errors("creating"):
        raise ValueError("x")
    with pytest.raises(EngineUnavailable), translate_engine_errors("reading logs"):
        raise ConnectionResetError(104, "Connection reset by peer")


# --- image platforms ---------------------------------------------------------------------


def _info(os_type: str, arch: str) -> EngineInfo:
    return EngineInfo.from_api(
        {"Version": "24.0.6", "ApiVersion": "1.43", "Os": os_type, "Arch": arch}
    )


def test_image_platform_checks() -> None:
    apple = _info("linux", "arm64")
    warning = check_image_platform(apple, ["linux/amd64", "unknown/unknown"])
    assert warning is not None and "emulation" in warning and "amd64" in warning
    assert check_image_platform(apple, ["linux/amd64", "linux/arm64/v8"]) is None
    assert check_image_platform(apple, []) is None
    assert check_image_platform(_info("linux", "x86_64"), ["linux/amd64"]) is None
    pc = _info("linux", "amd64")
    arm_only = check_image_platform(pc, ["linux/arm64"])
    assert arm_only is not None and "arm64" in arm_only
    windows_mode = check_image_platform(_info("windows", "amd64"), ["linux/amd64"])
    assert windows_mode is not None and "Switch to Linux containers" in windows_mode
