"""A private X server (Xvfb) for the tests that picture the window for the docs.

The tests themselves run on Qt's offscreen platform. The gallery's pictures
(``docs/screenshots/``) are taken a second time on a real X server, so they show the
window as the xcb platform draws it, as a student on Linux sees it. Qt's xcb plugin
needs a few X client libraries a bare Debian does not have; as root on Debian they are
installed with apt-get, like the other test bed parts.

Standard library only: ``dev.py`` uses it before anything is installed.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

# Debian packages: the server, and the libraries Qt 6's xcb platform plugin loads.
PACKAGES = (
    "xvfb",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxcb-image0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-randr0",
    "libxcb-xinerama0",
    "libxcb-xkb1",
    "libxkbcommon-x11-0",
    "fonts-dejavu-core",
)
START_TIMEOUT = 20.0

Log = Callable[[str], None]


class XvfbUnavailable(Exception):
    """No X server can be started here; the message says what is missing."""


def _installed(package: str) -> bool:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0 and "install ok installed" in result.stdout


def ensure_packages(log: Log) -> None:
    """Install what is missing (root on Debian), or say what to install."""
    if not Path("/etc/debian_version").exists() or not shutil.which("dpkg-query"):
        if shutil.which("Xvfb"):
            return  # not Debian: trust the server and the system's libraries
        raise XvfbUnavailable("Xvfb is not installed")
    missing = [package for package in PACKAGES if not _installed(package)]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise XvfbUnavailable("missing Debian packages: " + " ".join(missing))
    log(f"xvfb: installing {' '.join(missing)} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
    ):
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)


@contextlib.contextmanager
def running(log: Log) -> Iterator[str]:
    """An Xvfb on a free display number for as long as the block runs; yields DISPLAY."""
    ensure_packages(log)
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        # -displayfd: the server picks a free display and writes its number when ready.
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
        pass_fds=(write_end,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    try:
        number = _read_display(read_end, server)
        yield f":{number}"
    finally:
        os.close(read_end)
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _read_display(read_end: int, server: subprocess.Popen[bytes]) -> str:
    ready, _, _ = select.select([read_end], [], [], START_TIMEOUT)
    text = os.read(read_end, 64).decode().strip() if ready else ""
    if not text.isdigit():
        raise XvfbUnavailable(f"Xvfb did not start (exit {server.poll()})")
    return text
