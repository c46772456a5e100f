"""Docker Desktop on this computer: whether it is installed, and starting it.

macOS: ``open -a Docker`` when Docker.app is in Applications; Windows: the Docker
Desktop program at its usual install paths; Linux: the ``docker-desktop`` user
service of Docker Desktop for Linux. Starting only asks the system to start it:
the engine answers a minute or so later, which the caller watches for.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from launcher.core.engine.diagnosis import start_timed_out, unreachable
from launcher.core.engine.model import Engine
from launcher.core.errors import DockerDesktopStartFailed, NoEngineFound

_MAC_START = ("open", "-a", "Docker")
_LINUX_START = ("systemctl", "--user", "start", "docker-desktop")
# Under ``root`` (``/`` except in tests): what Docker Desktop for Linux installs.
_LINUX_MARKERS = ("opt/docker-desktop", "usr/lib/systemd/user/docker-desktop.service")
# (environment variable, folder under it): the all-users and the per-user install
_WINDOWS_FOLDERS = (
    ("ProgramFiles", "Docker/Docker"),
    ("ProgramW6432", "Docker/Docker"),
    ("LOCALAPPDATA", "Programs/Docker/Docker"),
)
_WINDOWS_PROGRAM = "Docker Desktop.exe"
START_TIMEOUT = 60.0  # s: systemctl or open return once the program is launched


def desktop_start_command(
    platform: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
    root: Path | None = None,
) -> tuple[str, ...]:
    """The command that starts Docker Desktop here; empty when it is not installed."""
    plat = sys.platform if platform is None else platform
    env = os.environ if environ is None else environ
    home = Path.home() if home is None else home
    root = Path("/") if root is None else root
    if plat == "darwin":
        apps = (root / "Applications" / "Docker.app", home / "Applications" / "Docker.app")
        return _MAC_START if any(app.is_dir() for app in apps) else ()
    if plat == "win32":
        for variable, folder in _WINDOWS_FOLDERS:
            if env.get(variable):
                program = Path(env[variable], *folder.split("/"), _WINDOWS_PROGRAM)
                if program.is_file():
                    return (str(program),)
        return ()
    if any((root / marker).exists() for marker in _LINUX_MARKERS):
        return _LINUX_START
    return ()


def run_start_command(command: Sequence[str], platform: str | None = None) -> None:
    """Ask the system to start Docker Desktop; returns once it is launched."""
    plat = sys.platform if platform is None else platform
    hint = "Start Docker Desktop yourself, wait until it says it is running, then press Retry."
    try:
        if plat == "win32" and len(command) == 1:
            # A program that keeps running: started on its own, not as our child.
            getattr(os, "startfile")(command[0])  # noqa: B009 - Windows only
            return
        done = subprocess.run(
            list(command),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DockerDesktopStartFailed("Docker Desktop could not be started.", hint) from exc
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        raise DockerDesktopStartFailed(
            "Docker Desktop could not be started.",
            hint + (f" The system said: {said[-1][:200]}" if said else ""),
        )


def wait_until_answering(connect: Callable[[], Engine], seconds: float, poll: float) -> Engine:
    """Look for the engine every ``poll`` s until it answers; after ``seconds``, raise
    :class:`NoEngineFound` saying that Docker Desktop did not answer in time."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return connect()
        except NoEngineFound as exc:
            if time.monotonic() + poll > deadline:
                last = exc.diagnosis or unreachable(exc.message, exc.hint)
                late = start_timed_out(last, seconds)
                raise NoEngineFound(late.headline, late.as_hint(), exc.tried, late) from exc
        time.sleep(poll)
