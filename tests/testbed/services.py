"""Start and stop the private dockerd and docker-registry."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.testbed.config import Locations
from tests.testbed.tools import TestbedUnavailable, which

CGROUP_PARENT = "course-launcher-testbed"
# Daemons started by this process: kept referenced (a collected Popen of a live
# process warns) and reaped when stopped.
_children: list[subprocess.Popen[bytes]] = []


@dataclass(frozen=True)
class RunningServices:
    docker_host: str
    registry: str  # host:port on 127.0.0.1
    engine_pid: int
    registry_pid: int


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pid_alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):  # our own child: reap it, or it stays a zombie
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def processes_mentioning(text: str) -> list[int]:
    """Pids whose command line names ``text`` (our run folder): stale engines, shims."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if text.encode() in cmdline:
            found.append(int(entry.name))
    return found


def _container_processes() -> list[int]:
    """Processes of containers a killed testbed engine left behind (cgroup v1 or v2)."""
    pids: list[int] = []
    for root in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
        parent = root / CGROUP_PARENT
        if parent.is_dir():
            for procs in parent.rglob("cgroup.procs"):
                with contextlib.suppress(OSError):
                    pids += [int(p) for p in procs.read_text().split()]
    return pids


def terminate(pids: list[int], grace: float) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(pid_alive(p) for p in pids):
        time.sleep(0.1)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def unmount_below(folder: Path) -> None:
    prefix = str(folder.resolve())
    mounts = []
    with contextlib.suppress(OSError):
        for line in Path("/proc/mounts").read_text().splitlines():
            target = line.split()[1].replace("\\040", " ")
            if target == prefix or target.startswith(prefix + "/"):
                mounts.append(target)
    for target in sorted(mounts, key=len, reverse=True):
        subprocess.run(["umount", "-l", target], check=False, capture_output=True)


def clean_stale(loc: Locations) -> None:
    """Stop whatever an earlier, killed run left in the run folder, then empty it."""
    if not loc.run.exists():
        return
    terminate(processes_mentioning(str(loc.run)), grace=10)
    terminate(_container_processes(), grace=2)
    unmount_below(loc.run)
    shutil.rmtree(loc.run, ignore_errors=True)
    if loc.run.exists():
        raise TestbedUnavailable(f"could not remove the stale testbed folder {loc.run}")


def _wait_until(check: object, what: str, timeout: float, log_file: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except (OSError, requests.RequestException):
            pass
        time.sleep(0.2)
    tail = log_file.read_text(errors="replace").splitlines()[-15:] if log_file.exists() else []
    raise TestbedUnavailable(f"{what} did not start within {timeout:.0f} s:\n" + "\n".join(tail))


def engine_answers(sock_path: Path, timeout: float = 1.0) -> bool:
    """True when a Docker-compatible API on this socket answers ``/_ping`` with 200."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(sock_path))
        sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        status_line = sock.recv(64).split(b"\r\n", 1)[0]
        return status_line.split(b" ")[1:2] == [b"200"]


def start_registry(loc: Locations) -> tuple[str, int]:
    port = free_port()
    loc.registry_storage.mkdir(parents=True, exist_ok=True)
    config = loc.run / "registry.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: warn\n"
        "storage:\n"
        f"  filesystem:\n    rootdirectory: {loc.registry_storage}\n"
        "  delete:\n    enabled: true\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
    )
    program = which("docker-registry")
    if program is None:
        raise TestbedUnavailable("docker-registry is not installed")
    log_file = loc.run / "registry.log"
    with log_file.open("ab") as log:
        proc = subprocess.Popen(
            [program, "serve", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _children.append(proc)
    (loc.run / "registry.pid").write_text(str(proc.pid))
    address = f"127.0.0.1:{port}"
    _wait_until(
        lambda: requests.get(f"http://{address}/v2/", timeout=1).status_code == 200,
        "the test registry",
        20,
        log_file,
    )
    return address, proc.pid


def start_engine(loc: Locations) -> int:
    program = which("dockerd")
    if program is None:
        raise TestbedUnavailable("dockerd is not installed")
    log_file = loc.run / "engine.log"
    args = [
        program,
        "--data-root", str(loc.run / "data"),
        "--exec-root", str(loc.run / "exec"),
        "--pidfile", str(loc.run / "engine.pid"),
        "--host", f"unix://{loc.engine_socket}",
        "--cgroup-parent", CGROUP_PARENT,
        "--log-level", "warn",
    ]  # fmt: skip
    with log_file.open("ab") as log:
        proc = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    _children.append(proc)
    _wait_until(lambda: engine_answers(loc.engine_socket), "the test Docker engine", 60, log_file)
    return proc.pid


def start(loc: Locations) -> RunningServices:
    clean_stale(loc)
    loc.run.mkdir(parents=True, mode=0o700)
    engine_pid = start_engine(loc)
    registry, registry_pid = start_registry(loc)
    return RunningServices(
        docker_host=f"unix://{loc.engine_socket}",
        registry=registry,
        engine_pid=engine_pid,
        registry_pid=registry_pid,
    )


def stop(loc: Locations) -> None:
    """Stop the engine (it stops its containers), the registry, then clean the run folder."""
    for name in ("engine.pid", "registry.pid"):
        pid_file = loc.run / name
        with contextlib.suppress(OSError, ValueError):
            pid = int(pid_file.read_text())
            if pid_alive(pid):
                terminate([pid], grace=30)
    clean_stale(loc)
    for child in _children:
        child.wait()
    _children.clear()
