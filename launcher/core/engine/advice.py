"""Advice about the Docker engine, in words a student can act on.

Why an address did not answer (``explain_connection_error``), what to do about it on
this operating system (``engine_hint``), a lost connection turned into
:class:`EngineUnavailable` (``translate_engine_errors``), whether the course image runs
natively on the engine (``check_image_platform``, with the architecture names image
platforms use) and a description of a connected engine (``describe``).

Finding and connecting to the engine is :mod:`launcher.core.engine.discovery`, which imports this
module; this module needs that one's types only for annotations, so there is no cycle.
"""

from __future__ import annotations

import ssl
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import docker.errors
import requests
import urllib3.exceptions

from launcher.core.errors import EngineUnavailable

if TYPE_CHECKING:
    from launcher.core.engine.discovery import Engine, EngineInfo

DOCKER_DESKTOP_URL = "https://www.docker.com/products/docker-desktop/"
PERMISSION_DENIED = "permission denied"


class NotAnEngineError(Exception):
    """Something answered at the address, but not like a Docker engine."""


_ARCHITECTURES = {
    **dict.fromkeys(("x86_64", "x86-64", "x64"), "amd64"),
    **dict.fromkeys(("aarch64", "armv8", "armv8l"), "arm64"),
    **dict.fromkeys(("armv7l", "armv7", "armhf", "armv6l"), "arm"),
    **dict.fromkeys(("i386", "i686", "x86"), "386"),
}


def normalise_architecture(arch: str) -> str:
    """``x86_64`` → ``amd64``, ``aarch64`` → ``arm64``: the names image platforms use."""
    key = arch.strip().lower()
    return _ARCHITECTURES.get(key, key)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps (causes, contexts, urllib3 reasons, args)."""
    queue, seen = [exc], set[int]()
    while queue and len(seen) < 30:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        nested += list(getattr(current, "args", ()))
        queue += [item for item in nested if isinstance(item, BaseException)]


def explain_connection_error(exc: BaseException, timeout: float | None = None) -> str:
    """A short reason a student can read: "permission denied", "connection refused" …"""
    for cause in _causes(exc):
        winerror = getattr(cause, "winerror", None)  # named-pipe errors on Windows
        if isinstance(cause, PermissionError) or winerror == 5:
            return PERMISSION_DENIED
        if isinstance(cause, FileNotFoundError) or winerror == 2:
            return "not running (no socket or pipe to connect to)"
        if isinstance(cause, ConnectionRefusedError):
            return "nothing is listening (connection refused)"
        timed_out = (TimeoutError, requests.exceptions.Timeout, urllib3.exceptions.TimeoutError)
        if isinstance(cause, timed_out):
            return f"no answer within {timeout:g} s" if timeout else "no answer in time"
        if isinstance(cause, ssl.SSLError):
            return f"TLS problem: {cause.reason or cause}"
        if isinstance(cause, docker.errors.InvalidVersion):
            return "the engine is too old for this launcher"
        if isinstance(cause, NotAnEngineError):
            return str(cause)
    if isinstance(exc, docker.errors.APIError):
        return f"answered with an error: {exc.explanation or exc}"
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


_WAIT = "Wait until the whale icon {} stops animating, then press Retry."
_INSTALL = f"Install Docker Desktop ({DOCKER_DESKTOP_URL}) or, if it is installed, "
_HINTS = {
    ("win32", False): _INSTALL + "start it from the Start menu. " + _WAIT.format("in the taskbar"),
    ("win32", True): "Docker Desktop is running, but your Windows account is not in the "
    "'docker-users' group. Ask whoever looks after this computer to add you (Computer "
    "Management > Local Users and Groups > Groups > docker-users), sign out and in again, "
    "then press Retry.",
    ("darwin", False): _INSTALL + "open it from Applications. " + _WAIT.format("in the menu bar"),
    ("linux", False): "Start Docker with `sudo systemctl start docker` (or open Docker Desktop "
    "if you use it), then press Retry. If Docker is not installed, see "
    f"https://docs.docker.com/engine/install/ or {DOCKER_DESKTOP_URL}.",
    ("linux", True): "Docker is running, but your user is not in the 'docker' group. Run "
    "`sudo usermod -aG docker $USER`, log out and back in, then press Retry.",
}


def engine_hint(platform: str | None = None, *, permission_denied: bool = False) -> str:
    """What to do, on this operating system, so that an engine answers."""
    plat = sys.platform if platform is None else platform
    plat = plat if plat in ("win32", "darwin") else "linux"
    return _HINTS.get((plat, permission_denied)) or _HINTS[(plat, False)]


@contextmanager
def translate_engine_errors(
    doing: str = "working", *, platform: str | None = None
) -> Iterator[None]:
    """Turn a lost connection to the engine into :class:`EngineUnavailable`.

    ``with translate_engine_errors("starting TM351"):`` or as a decorator. Errors the
    engine sent (``docker.errors.APIError``: 404, 409 …) and other SDK errors (a
    container's non-zero exit …) pass through. ``FileNotFoundError`` counts only with
    no file name (raised by a socket connect, not by a missing local file).
    """
    try:
        yield
    except docker.errors.APIError:
        raise
    # requests' errors are OSErrors; a stream the engine cut mid-way (killed while it
    # streamed a pull or logs) surfaces from urllib3 as a ProtocolError
    except (docker.errors.DockerException, OSError, urllib3.exceptions.ProtocolError) as exc:
        if not any(_is_connection_error(cause) for cause in _causes(exc)):
            raise
        reason = explain_connection_error(exc)
        verb = "stopped answering" if reason.startswith("no answer") else "stopped"
        denied = reason == PERMISSION_DENIED
        hint = engine_hint(platform, permission_denied=denied)
        raise EngineUnavailable(f"Docker {verb} while {doing}.", hint) from exc


def _is_connection_error(exc: BaseException) -> bool:
    if isinstance(exc, FileNotFoundError):
        return exc.filename is None
    kinds = (
        ConnectionError,
        requests.exceptions.ConnectionError,
        requests.exceptions.Timeout,
        requests.exceptions.ChunkedEncodingError,
        urllib3.exceptions.ProtocolError,
    )
    return isinstance(exc, kinds)


def check_image_platform(engine_info: EngineInfo, image_platforms: Iterable[str]) -> str | None:
    """A warning when the course image has no variant this engine runs natively.

    ``image_platforms``: ``os/arch[/variant]`` strings; ``unknown/unknown`` entries
    (build attestations) are ignored. None: fine, or unknown (nothing given).
    """
    pairs = set()
    for text in image_platforms:
        parts = text.strip().lower().split("/")
        if len(parts) >= 2 and "unknown" not in parts[:2]:
            pairs.add((parts[0], normalise_architecture(parts[1])))
    engine_os, arch = engine_info.os_type.lower() or "linux", engine_info.architecture
    if not pairs or (engine_os, arch) in pairs:
        return None
    same_os = sorted(a for o, a in pairs if o == engine_os)
    if same_os:
        return (
            f"This course's environment is built for {', '.join(same_os)} computers only, "
            f"and yours is {arch}: it will run under emulation, slowly, and may not start "
            "at all if emulation is not set up."
        )
    if engine_os == "windows":
        return (
            "Docker Desktop is set to run Windows containers, but this course needs Linux "
            "containers: right-click the whale icon, choose 'Switch to Linux containers…', "
            "then press Retry."
        )
    return f"This course's environment is not built for {engine_os} engines; it cannot run here."


def describe(engine: Engine) -> list[str]:
    """Human lines about the engine for the doctor command and the About view."""
    info = engine.info
    runs = f"Runs: {info.os_type}/{info.architecture}"
    runs += f" on {info.operating_system}" if info.operating_system else ""
    runs += f", kernel {info.kernel_version}" if info.kernel_version else ""
    lines = [
        f"Engine: {info.product or 'Docker Engine'} "
        f"(version {info.engine_version}, API {info.api_version})",
        f"Address: {engine.address} (found by {engine.found_by})",
        runs,
    ]
    resources = [f"{info.total_memory / 2**30:.1f} GiB memory"] if info.total_memory else []
    resources += [f"{info.cpus} CPUs"] if info.cpus else []
    if resources:
        lines.append("Available to containers: " + ", ".join(resources))
    return lines + [f"Also tried: {a.address}: {a.reason}" for a in engine.tried]
