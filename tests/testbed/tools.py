"""Make sure the programs the testbed runs are installed."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

# program -> Debian package that provides it
REQUIRED = {
    "dockerd": "docker.io",
    "docker-registry": "docker-registry",
    "debootstrap": "debootstrap",
    "Xvfb": "xvfb",
    "chromium": "chromium",
}
_SBIN = ("/usr/sbin", "/sbin", "/usr/local/sbin")


class TestbedUnavailable(RuntimeError):
    """The real engine cannot be started here; the message says why and what to do."""


def which(program: str) -> str | None:
    found = shutil.which(program)
    if found:
        return found
    for folder in _SBIN:  # a non-login root shell may lack sbin on PATH
        candidate = Path(folder) / program
        if candidate.exists():
            return str(candidate)
    return None


def missing_programs() -> dict[str, str]:
    return {prog: pkg for prog, pkg in REQUIRED.items() if which(prog) is None}


def ensure_tools(log: Callable[[str], None] = print) -> None:
    missing = missing_programs()
    if not missing:
        return
    packages = sorted(set(missing.values()))
    can_apt = os.geteuid() == 0 and Path("/etc/debian_version").exists() and which("apt-get")
    if not can_apt:
        raise TestbedUnavailable(
            f"missing programs: {', '.join(sorted(missing))}. "
            f"Install them (on Debian: apt-get install {' '.join(packages)}) and run again."
        )
    log(f"testbed: installing {' '.join(packages)} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    still = missing_programs()
    if still:
        raise TestbedUnavailable(f"apt-get did not provide: {', '.join(sorted(still))}")
