"""Facts about Docker on this computer, gathered in one place when no engine answered.

Which Docker programs are installed (Docker Desktop, the Linux engine), which Linux
this is, the processor, and whether this account is in the ``docker`` group. Only
files are looked at, nothing is started; ``root`` and ``home`` let tests build a
computer in a folder. What the facts mean is :mod:`launcher.core.engine.diagnosis`.
"""

from __future__ import annotations

import contextlib
import os
import platform as platform_module
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from launcher.core.engine import desktop
from launcher.core.engine.diagnosis import EngineFacts
from launcher.core.engine.model import Attempt

# Under ``root``: what a Linux Docker engine package installs.
_LINUX_ENGINE_FILES = (
    "usr/bin/dockerd",
    "usr/sbin/dockerd",
    "usr/lib/systemd/system/docker.service",
    "lib/systemd/system/docker.service",
    "etc/systemd/system/docker.service",
)


def gather_facts(
    tried: tuple[Attempt, ...] = (),
    explicit: str | None = None,
    *,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
    root: Path | None = None,
) -> EngineFacts:
    plat = sys.platform if platform is None else platform
    plat = plat if plat in ("win32", "darwin") else "linux"
    root = Path("/") if root is None else root
    start = desktop.desktop_start_command(plat, environ=environ, home=home, root=root)
    facts = EngineFacts(
        platform=plat,
        tried=tried,
        explicit=explicit or None,
        desktop_start=start,
        machine=platform_module.machine().lower(),
    )
    if plat != "linux":
        return facts
    listed, active = docker_group_membership() if root == Path("/") else (False, False)
    return replace(
        facts,
        engine_installed=any((root / name).exists() for name in _LINUX_ENGINE_FILES),
        distribution=linux_distribution(root),
        in_docker_group=listed,
        group_active=active,
    )


def linux_distribution(root: Path) -> tuple[str, ...]:
    """``ID`` then the words of ``ID_LIKE`` from os-release, lower case."""
    for name in ("etc/os-release", "usr/lib/os-release"):
        with contextlib.suppress(OSError, UnicodeDecodeError):
            values = {}
            for line in (root / name).read_text(encoding="utf-8").splitlines():
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip().strip("\"'").lower()
            return (values.get("ID", ""), *values.get("ID_LIKE", "").split())
    return ()


def docker_group_membership() -> tuple[bool, bool]:
    """(this account is in the docker group, this login already has that group)."""
    try:
        import grp
        import pwd

        group = grp.getgrnam("docker")
        account = pwd.getpwuid(os.getuid())
    except (ImportError, KeyError, OSError):
        return False, False  # no docker group here (or not a Unix)
    listed = account.pw_name in group.gr_mem or account.pw_gid == group.gr_gid
    return listed, group.gr_gid in os.getgroups()
