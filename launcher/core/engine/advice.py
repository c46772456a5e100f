"""Advice about the Docker engine, in words a student can act on.

What to do, on this operating system, so that an engine that went away mid-way
answers again (``engine_hint``; when none answered at all, ``diagnosis`` says more),
whether the course image runs natively on the engine (``check_image_platform``) and
a description of a connected engine (``describe``). Why a connection failed is
:mod:`launcher.core.engine.errors`; what an engine is, :mod:`launcher.core.engine.model`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from launcher.core.engine.model import Engine, EngineInfo, normalise_architecture

DOCKER_DESKTOP_URL = "https://www.docker.com/products/docker-desktop/"

_WAIT = "Wait until the whale icon {} stops animating, then press Retry."
_INSTALL = f"Install Docker Desktop ({DOCKER_DESKTOP_URL}) or, if it is installed, "
_HINTS = {
    ("win32", False): _INSTALL + "start it from the Start menu. " + _WAIT.format("in the taskbar"),
    ("win32", True): "Docker Desktop is running, but your Windows account is not in the "
    "docker-users group. Ask whoever looks after this computer to add you (Computer "
    "Management, Local Users and Groups, Groups, docker-users), sign out and in again, "
    "then press Retry.",
    ("darwin", False): _INSTALL + "open it from Applications. " + _WAIT.format("in the menu bar"),
    ("linux", False): "Start Docker with the command sudo systemctl start docker (or open "
    "Docker Desktop if you use it), then press Retry. If Docker is not installed, see "
    f"https://docs.docker.com/engine/install/ or {DOCKER_DESKTOP_URL}.",
    ("linux", True): "Docker is running, but your user is not in the docker group. Run the "
    "command sudo usermod -aG docker $USER, log out and back in, then press Retry.",
}


def engine_hint(platform: str | None = None, *, permission_denied: bool = False) -> str:
    """What to do, on this operating system, so that an engine answers."""
    plat = sys.platform if platform is None else platform
    plat = plat if plat in ("win32", "darwin") else "linux"
    return _HINTS.get((plat, permission_denied)) or _HINTS[(plat, False)]


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
