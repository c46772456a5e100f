"""Checks on what the launcher made, shared by tests of several flows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from launcher.core.engine import labels

ENGINE_SOCKETS = ("docker.sock", "engine.sock", "containerd.sock")


def assert_contained(container: Any, folder: Path, course_id: str) -> None:
    """The container can reach nothing of the host but the student's folder and its own
    named volumes, and adds no privilege."""
    container.reload()
    host = container.attrs["HostConfig"]
    assert host["Privileged"] is False
    assert host["NetworkMode"] not in ("host",) and not host["NetworkMode"].startswith("container:")
    assert not host.get("CapAdd"), host.get("CapAdd")
    assert not host.get("Devices"), host.get("Devices")
    assert not host.get("DeviceRequests")
    assert host.get("PidMode", "") in ("", "private")
    assert host.get("IpcMode", "") in ("", "private", "shareable")
    assert host.get("UsernsMode", "") == ""
    assert not host.get("Binds")
    assert not [o for o in host.get("SecurityOpt") or [] if "unconfined" in o]
    for bindings in (host.get("PortBindings") or {}).values():
        assert [b["HostIp"] for b in bindings] == ["127.0.0.1"] * len(bindings)
    for bindings in (container.attrs["NetworkSettings"]["Ports"] or {}).values():
        assert all(b["HostIp"] == "127.0.0.1" for b in bindings or [])
    binds = [m for m in container.attrs["Mounts"] if m["Type"] == "bind"]
    assert [m["Source"] for m in binds] == [str(folder)]
    volume_prefix = labels.volume_name(course_id, "")
    for mount in container.attrs["Mounts"]:
        assert not any(name in mount.get("Source", "") for name in ENGINE_SOCKETS), mount
        if mount["Type"] == "volume":
            assert mount["Name"].startswith(volume_prefix), mount
        else:
            assert mount["Type"] == "bind", mount
