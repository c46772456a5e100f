"""A private Podman service speaking Docker's API, for tests of the launcher on Podman.

``podman system service`` answers Docker's API on a unix socket; it is what students
use instead of Docker Desktop. Everything it keeps is in one folder,
``/tmp/clpodman-UID`` (storage root, run root, libpod's tmp dir, the socket, a private
``registries.conf``), so it never touches a Podman the machine has, nor the shared
testbed engine. The registries given are allowed over plain HTTP (Podman, unlike
dockerd, does not trust loopback registries by itself). Only pulls are needed;
``--cgroup-manager=cgroupfs`` and the file events backend let it run as root without
systemd.

Podman 4.3 keeps one file outside that folder when run as root: its blob-info cache,
``/var/lib/containers/cache/blob-info-cache-v1.boltdb`` (a digest → location index; it
cannot be moved in that version, and it never makes a layer count as present: that is
decided by the storage).

A killed run's service is stopped, and its folder emptied, before a new one starts.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.testbed.services import (
    engine_answers,
    processes_mentioning,
    terminate,
    unmount_below,
)
from tests.testbed.tools import which

PACKAGE = "podman"  # Debian package (and program)
START_TIMEOUT = 30.0


class PodmanUnavailable(RuntimeError):
    """No Podman service can be started here; the message says why and what to do."""


def podman_folder() -> Path:
    # Not below, nor a prefix match of, the testbed's /tmp/cltb-UID: its stale-process
    # cleanup kills whatever names that folder on its command line.
    return Path(f"/tmp/clpodman-{os.getuid()}")


def ensure_podman(log: Callable[[str], None] = print) -> str:
    """The podman program; installed with apt-get when missing and root on Debian."""
    found = which("podman")
    if found:
        return found
    can_apt = os.geteuid() == 0 and Path("/etc/debian_version").exists() and which("apt-get")
    if not can_apt:
        raise PodmanUnavailable(
            "podman is not installed. Install it (on Debian: apt-get install podman) and run again."
        )
    log(f"podman engine: installing {PACKAGE} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", PACKAGE],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    found = which("podman")
    if not found:
        raise PodmanUnavailable(f"apt-get install {PACKAGE} did not provide podman")
    return found


def registries_conf(insecure: Iterable[str]) -> str:
    """A registries.conf that allows plain HTTP to these host[:port] and names no
    search registries (short names are never looked up anywhere)."""
    lines = ["unqualified-search-registries = []", ""]
    for location in insecure:
        lines += ["[[registry]]", f'location = "{location}"', "insecure = true", ""]
    return "\n".join(lines)


@dataclass
class PodmanService:
    folder: Path
    process: subprocess.Popen[bytes]

    @property
    def socket_path(self) -> Path:
        return self.folder / "podman.sock"

    @property
    def address(self) -> str:
        return f"unix://{self.socket_path}"

    @property
    def log_file(self) -> Path:
        return self.folder / "service.log"

    def podman(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the podman command line on this service's storage (e.g. to inspect it)."""
        return subprocess.run(
            [*_global_options(self.folder), *args],
            capture_output=True,
            text=True,
            check=False,
            env=_environment(self.folder),
        )

    def stop(self) -> None:
        """Stop the service and remove its storage and everything else in its folder."""
        terminate([self.process.pid], grace=15)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=1)
        _remove_folder(self.folder)


def _global_options(folder: Path) -> list[str]:
    return [
        which("podman") or "podman",
        "--root", str(folder / "storage"),
        "--runroot", str(folder / "run"),
        "--tmpdir", str(folder / "tmp"),
        "--cgroup-manager=cgroupfs",
        "--events-backend=file",
    ]  # fmt: skip


def _environment(folder: Path) -> dict[str, str]:
    env = dict(os.environ, CONTAINERS_REGISTRIES_CONF=str(folder / "registries.conf"))
    env.pop("CONTAINER_HOST", None)  # the podman command line must not go remote
    return env


def start_podman(
    insecure_registries: Iterable[str], log: Callable[[str], None] = print
) -> PodmanService:
    """Start a private Podman service; raise :class:`PodmanUnavailable` with the reason."""
    try:
        ensure_podman(log)
    except subprocess.CalledProcessError as exc:
        raise PodmanUnavailable(f"installing podman failed: {exc}") from exc
    folder = podman_folder()
    _remove_folder(folder)  # what a killed run left
    folder.mkdir(mode=0o700, parents=True)
    (folder / "registries.conf").write_text(registries_conf(insecure_registries))
    service_log = (folder / "service.log").open("wb")
    command = [
        *_global_options(folder), "system", "service", "--time=0", f"unix://{folder}/podman.sock",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=service_log,
        stderr=subprocess.STDOUT,
        env=_environment(folder),
        start_new_session=True,  # a Ctrl-C of the test run reaches it only through stop()
    )
    service_log.close()
    service = PodmanService(folder, process)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        with contextlib.suppress(OSError):
            if engine_answers(service.socket_path, timeout=2):
                return service
        time.sleep(0.1)
    tail = service.log_file.read_text(errors="replace").splitlines()[-15:]
    code = process.poll()
    service.stop()
    what = (
        f"stopped (exit code {code}) before answering"
        if code is not None
        else f"did not answer within {START_TIMEOUT:.0f} s"
    )
    raise PodmanUnavailable(f"the Podman service {what}:\n" + "\n".join(tail))


# --- cleaning up (also after a killed run) -----------------------------------


def _remove_folder(folder: Path) -> None:
    if not folder.exists():
        return
    terminate(processes_mentioning(str(folder)), grace=15)
    unmount_below(folder)
    shutil.rmtree(folder, ignore_errors=True)
    if folder.exists():
        raise PodmanUnavailable(f"could not remove the old Podman folder {folder}")
