"""What a found Docker engine is: plain data, no connection (``discovery`` connects).

Kept apart from discovery so that the advice, the doctor and the errors can name an
engine without importing the code that looks for one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class Attempt:
    address: str
    found_by: str
    reason: str


@dataclass(frozen=True)
class EngineInfo:
    engine_version: str
    api_version: str
    os_type: str  # "linux" or "windows"
    architecture: str  # docker platform style: "amd64", "arm64" …
    operating_system: str  # e.g. "Docker Desktop", "Debian GNU/Linux 12 (bookworm)"
    kernel_version: str
    total_memory: int | None  # bytes
    cpus: int | None
    product: str | None  # "Docker Desktop 4.23.0 (120376)", "Podman 4.9.4" …

    @classmethod
    def from_api(
        cls, version: Mapping[str, Any], info: Mapping[str, Any] | None = None
    ) -> EngineInfo:
        """Parse the engine's ``/version`` and (optional) ``/info`` answers."""
        info = info or {}
        memory, cpus = info.get("MemTotal"), info.get("NCPU")
        return cls(
            engine_version=str(version.get("Version", "")),
            api_version=str(version.get("ApiVersion", "")),
            os_type=str(version.get("Os") or info.get("OSType") or ""),
            architecture=normalise_architecture(
                str(version.get("Arch") or info.get("Architecture") or "")
            ),
            operating_system=str(info.get("OperatingSystem", "")),
            kernel_version=str(version.get("KernelVersion") or info.get("KernelVersion") or ""),
            total_memory=memory if isinstance(memory, int) and memory > 0 else None,
            cpus=cpus if isinstance(cpus, int) and cpus > 0 else None,
            product=_product(version, info),
        )


@dataclass
class Engine:
    """A connected engine: the SDK client plus where it was found and what it is."""

    client: Any  # docker.DockerClient
    address: str
    found_by: str
    info: EngineInfo
    tried: tuple[Attempt, ...] = ()  # addresses that failed before this one answered

    def close(self) -> None:
        self.client.close()


def _product(version: Mapping[str, Any], info: Mapping[str, Any]) -> str | None:
    for component in version.get("Components") or []:
        name = str(component.get("Name", "")) if isinstance(component, Mapping) else ""
        if "podman" in name.lower():
            return f"Podman {component.get('Version', '')}".strip()
    platform = version.get("Platform")
    name = str(platform.get("Name", "")) if isinstance(platform, Mapping) else ""
    if name and not re.match(r"^[a-z0-9]+/[a-z0-9_]+(/|$)", name):  # not "linux/amd64/…"
        return name
    operating_system = str(info.get("OperatingSystem", ""))
    for known in ("Docker Desktop", "Rancher Desktop"):
        if operating_system.startswith(known):
            return known
    return None
