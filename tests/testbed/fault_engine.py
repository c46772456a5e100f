"""A second, private dockerd that fault tests may kill, restart or starve of disk.

The shared test engine (:mod:`tests.testbed.services`) is used by every test and by
other runs waiting on its lock, so it is never killed. Fault tests get this one: its
own socket, data root, exec root, pid file and cgroup parent under ``/tmp/cltbf-UID``,
and its own bridge (``cltbf0``, 10.254.78.1/24, made with ``ip link``) with
``--iptables=false``, so it never touches the shared engine's ``docker0`` or its
iptables chains. Published ports are served by Docker's userland proxy on 127.0.0.1.
It pulls the test images from the shared testbed registry.

With ``disk_mb`` its data root is an ext4 file system of that size, loop-mounted
from a file (overlay2 works on ext4), so a pull can really fill the disk; ``fill``
takes space with a file of ours and ``free`` gives it back.

Whatever a killed run left behind (engine, containerd, container processes, mounts,
the loop device, the bridge) is cleaned before a new engine starts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.testbed import services
from tests.testbed.tools import TestbedUnavailable, which

BRIDGE = "cltbf0"
BRIDGE_ADDRESS = "10.254.78.1/24"
CGROUP_PARENT = "course-launcher-testbed-faults"


def fault_run_folder() -> Path:
    # Not below (or a prefix-match of) the shared testbed's /tmp/cltb-UID: its stale
    # cleanup kills every process whose command line names that folder.
    return Path(f"/tmp/cltbf-{os.getuid()}")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, check=False)


def _must(*args: str) -> None:
    done = _run(*args)
    if done.returncode != 0:
        raise TestbedUnavailable(f"{' '.join(args)} failed: {done.stderr.strip()}")


def _cgroup_processes() -> list[int]:
    pids: list[int] = []
    for root in (Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup")):
        parent = root / CGROUP_PARENT
        if parent.is_dir():
            for procs in parent.rglob("cgroup.procs"):
                with contextlib.suppress(OSError, ValueError):
                    pids += [int(p) for p in procs.read_text().split()]
    return pids


def _detach_loops(image: Path) -> None:
    listed = _run("losetup", "-j", str(image)).stdout
    for line in listed.splitlines():
        device = line.split(":", 1)[0]
        if device:
            _run("losetup", "-d", device)


def _wait_dead(pid: int, timeout: float = 10) -> None:
    """Until ``pid`` is gone or a zombie."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.05)


def clean_stale(run: Path) -> None:
    """Stop and remove what an earlier (perhaps killed) fault engine left."""
    services.terminate(services.processes_mentioning(str(run)), grace=10)
    services.terminate(_cgroup_processes(), grace=2)
    services.unmount_below(run)
    _detach_loops(run / "disk.img")
    _run("ip", "link", "delete", BRIDGE)
    if run.exists():
        subprocess.run(["rm", "-rf", "--one-file-system", str(run)], check=False)
    if run.exists():
        raise TestbedUnavailable(f"could not remove the stale fault engine folder {run}")


@dataclass
class FaultEngine:
    """A dockerd of our own: start it, SIGKILL it, start it again on the same data."""

    run: Path
    disk_mb: int | None = None
    pid: int | None = None
    _children: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def socket(self) -> Path:
        return self.run / "engine.sock"

    @property
    def docker_host(self) -> str:
        return f"unix://{self.socket}"

    @property
    def data_root(self) -> Path:
        return self.run / "data"

    @property
    def disk_image(self) -> Path:
        return self.run / "disk.img"

    @property
    def log_file(self) -> Path:
        return self.run / "engine.log"

    def prepare(self) -> None:
        clean_stale(self.run)
        self.run.mkdir(parents=True, mode=0o700)
        self.data_root.mkdir()
        _must("ip", "link", "add", BRIDGE, "type", "bridge")
        _must("ip", "addr", "add", BRIDGE_ADDRESS, "dev", BRIDGE)
        _must("ip", "link", "set", BRIDGE, "up")
        if self.disk_mb is not None:
            with self.disk_image.open("wb") as image:
                image.truncate(self.disk_mb * 1024 * 1024)
            _must("mkfs.ext4", "-q", "-F", "-m", "0", str(self.disk_image))
            _must("mount", "-o", "loop", str(self.disk_image), str(self.data_root))

    @property
    def ballast(self) -> Path:
        return self.data_root / "ballast"

    def fill(self, megabytes: int) -> None:
        """Take ``megabytes`` of the data root's disk with a file of our own, as the
        student's other files would. (Growing the file system instead needs an online
        resize, which containers are often not allowed.)"""
        fd = os.open(self.ballast, os.O_CREAT | os.O_WRONLY, 0o600)
        try:
            os.posix_fallocate(fd, 0, megabytes * 1024 * 1024)
        finally:
            os.close(fd)

    def free(self) -> None:
        """The student frees space: the ballast file goes."""
        self.ballast.unlink(missing_ok=True)

    def free_bytes(self) -> int:
        stat = os.statvfs(self.data_root)
        return stat.f_bavail * stat.f_frsize

    def start(self) -> None:
        program = which("dockerd")
        if program is None:
            raise TestbedUnavailable("dockerd is not installed")
        args = [
            program,
            "--data-root", str(self.data_root),
            "--exec-root", str(self.run / "exec"),
            "--pidfile", str(self.run / "engine.pid"),
            "--host", self.docker_host,
            "--cgroup-parent", CGROUP_PARENT,
            "--bridge", BRIDGE,
            "--iptables=false",
            "--ip-masq=false",
            "--userland-proxy=true",
            "--storage-driver", "overlay2",
            "--log-level", "warn",
        ]  # fmt: skip
        with self.log_file.open("ab") as log:
            proc = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        self._children.append(proc)
        self.pid = proc.pid
        services._wait_until(
            lambda: services.engine_answers(self.socket), "the fault engine", 60, self.log_file
        )

    def answers(self) -> bool:
        try:
            return services.engine_answers(self.socket)
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL the engine, as a crash would: dockerd and the containerd it runs (a
        containerd left running would hold its database and block the next start).
        The containers' shims live on, as they do when a real engine crashes."""
        if self.pid is None:
            return
        containerd = None
        with contextlib.suppress(OSError, ValueError):
            containerd = int((self.run / "exec" / "containerd" / "containerd.pid").read_text())
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        if containerd is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(containerd, signal.SIGKILL)
            _wait_dead(containerd)
            # Where nothing reaps orphans (pid 1 of a container), the dead containerd stays
            # a zombie that looks alive to the next dockerd, which would wait on it.
            with contextlib.suppress(OSError):
                (self.run / "exec" / "containerd" / "containerd.pid").unlink()
        for child in self._children:
            if child.pid == self.pid:
                child.wait(timeout=30)
        self.pid = None
        deadline = time.monotonic() + 10
        while self.answers() and time.monotonic() < deadline:
            time.sleep(0.1)

    def stop(self) -> None:
        if self.pid is not None:
            services.terminate([self.pid], grace=30)
            self.pid = None
        for child in self._children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=30)
        self._children.clear()
        clean_stale(self.run)


@contextlib.contextmanager
def fault_engine(disk_mb: int | None = None) -> Iterator[FaultEngine]:
    """A started private engine, removed with everything it made afterwards."""
    engine = FaultEngine(fault_run_folder(), disk_mb=disk_mb)
    try:
        engine.prepare()
        engine.start()
        yield engine
    finally:
        engine.stop()
