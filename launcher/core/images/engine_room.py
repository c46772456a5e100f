"""How much room the engine has for images, measured where it can be, and why not where not.

Docker's API does not report free space. So: a native engine on this computer keeps
its images in ``DockerRootDir`` (from ``/info``), which ``statvfs`` measures. Docker
Desktop keeps them on a virtual disk inside its virtual machine: its size limit is in
Docker Desktop's settings file (``diskSizeMiB``), what is on it is the engine's
``/system/df`` (layers, containers, volumes, build cache), and the file grows on this
computer's disk, which must have the room too. An engine on another computer (ssh,
tcp) cannot be measured from here, and the answer says so.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MAX_SETTINGS_BYTES = 1024 * 1024  # Docker Desktop's settings file is a few kB


@dataclass(frozen=True)
class EngineRoom:
    """Free bytes for images (None: unknown), where, and why unknown."""

    free_bytes: int | None
    where: str  # "where Docker keeps images (/var/lib/docker)", "on Docker Desktop's disk"
    unknown_reason: str = ""


def _free_at(path: Path) -> int | None:
    try:
        return shutil.disk_usage(path).free
    except OSError as exc:
        log.info("cannot measure %s: %s", path, exc.strerror)
        return None


def desktop_settings_files(platform: str, home: Path, environ: Mapping[str, str]) -> list[Path]:
    """Where Docker Desktop keeps its settings, newest name first (4.34 renamed it)."""
    if platform == "darwin":
        folders = [home / "Library" / "Group Containers" / "group.com.docker"]
    elif platform == "win32":
        folders = [Path(environ.get("APPDATA") or home / "AppData" / "Roaming") / "Docker"]
    else:
        folders = [home / ".docker" / "desktop"]
    return [
        folder / name for folder in folders for name in ("settings-store.json", "settings.json")
    ]


def desktop_disk_folder(platform: str, home: Path, environ: Mapping[str, str]) -> Path:
    """The folder where Docker Desktop's virtual disk file grows."""
    if platform == "darwin":
        return home / "Library" / "Containers" / "com.docker.docker" / "Data" / "vms" / "0"
    if platform == "win32":
        local = environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(local) / "Docker" / "wsl"
    return home / ".docker" / "desktop" / "vms" / "0"


def desktop_disk_limit(files: list[Path]) -> int | None:
    """The virtual disk's size limit in bytes, from the first settings file that has it."""
    for path in files:
        try:
            with path.open("rb") as stream:
                data = json.loads(stream.read(MAX_SETTINGS_BYTES))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        for key, value in data.items():
            if key.lower() == "disksizemib" and isinstance(value, int) and value > 0:
                return value * 1024 * 1024
    return None


def used_on_engine_disk(df: Mapping[str, Any]) -> int:
    """What the engine's ``/system/df`` says is on its disk: a lower bound of the use."""
    total = int(df.get("LayersSize") or 0)
    for container in df.get("Containers") or []:
        total += int(container.get("SizeRw") or 0)
    for volume in df.get("Volumes") or []:
        total += max(0, int((volume.get("UsageData") or {}).get("Size") or 0))
    for cache in df.get("BuildCache") or []:
        total += 0 if cache.get("Shared") else int(cache.get("Size") or 0)
    return total


def is_docker_desktop(info: Mapping[str, Any]) -> bool:
    return str(info.get("OperatingSystem", "")).startswith("Docker Desktop")


def engine_on_this_computer(address: str) -> bool:
    """A socket or named pipe: the engine runs here (perhaps in Docker Desktop's VM)."""
    return address.startswith(("unix://", "http+unix://", "npipe://"))


def measure_room(
    address: str,
    info: Mapping[str, Any],
    read_df: Callable[[], Mapping[str, Any]],
    *,
    platform: str = sys.platform,
    home: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> EngineRoom:
    """The room for images on the engine at ``address`` (``info``: its ``/info``)."""
    root = str(info.get("DockerRootDir") or "")
    if not engine_on_this_computer(address):
        return EngineRoom(
            None, "on the computer Docker runs on",
            f"Docker runs on another computer ({address.split('://')[0]}), whose free "
            "disk space cannot be measured from here",
        )  # fmt: skip
    if is_docker_desktop(info):
        return _desktop_room(read_df, platform, home or Path.home(), environ or os.environ)
    if not root:
        return EngineRoom(None, "where Docker keeps images", "Docker does not say where that is")
    where = f"where Docker keeps images ({root})"
    free = _free_at(Path(root))
    if free is None:
        return EngineRoom(None, where, f"{root} cannot be read from this account")
    return EngineRoom(free, where)


def _desktop_room(
    read_df: Callable[[], Mapping[str, Any]],
    platform: str,
    home: Path,
    environ: Mapping[str, str],
) -> EngineRoom:
    where = "on Docker Desktop's disk"
    folder = desktop_disk_folder(platform, home, environ)
    host_free = _free_at(folder) if folder.exists() else None
    limit = None
    if platform != "win32":  # with WSL 2 the disk has no fixed limit: it grows on the drive
        limit = desktop_disk_limit(desktop_settings_files(platform, home, environ))
    inside = None
    if limit is not None:
        try:
            inside = max(0, limit - used_on_engine_disk(read_df()))
        except Exception as exc:  # the check is advice: an engine that will not say is unknown
            log.info("no disk use from Docker Desktop: %s", exc)
    known = [free for free in (inside, host_free) if free is not None]
    if not known:
        return EngineRoom(None, where, "Docker Desktop's disk size limit and use could not be read")
    return EngineRoom(min(known), where)
