"""The student still opens http://127.0.0.1:… on their own computer.

Each published port of a course running on another computer (published on *that*
computer's 127.0.0.1 only) is forwarded over SSH to a port on this computer's
127.0.0.1 — the same number when it is free here, another one otherwise. While the
forwards are held, their ports are written to ``forwards/<course>.json`` in the state
folder, so ``url`` and ``open`` in another terminal give the local address.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from launcher.core.engine.model import Engine
from launcher.core.environments.state import EnvironmentStatus
from launcher.core.errors import UsageError
from launcher.core.local.files import process_alive, write_atomic
from launcher.core.remote.address import SshTarget
from launcher.core.remote.engine import RemoteEngine
from launcher.core.remote.tunnel import Forward, SshTunnel, free_local_port


def _record(state_folder: Path, course_id: str) -> Path:
    return state_folder / "forwards" / f"{course_id}.json"


@dataclass
class HeldForwards:
    """Forwards for one course, held by ``tunnel`` until :meth:`close`."""

    course_id: str
    ports: dict[int, int]  # remote port -> local port
    tunnel: SshTunnel
    record: Path

    def local_url(self, url: str) -> str:
        return _rewrite(url, self.ports)

    def close(self) -> None:
        self.tunnel.close()
        with contextlib.suppress(OSError):
            self.record.unlink()


def forward_ports(
    target: SshTarget, data_folder: Path, remote_ports: Iterable[int]
) -> tuple[dict[int, int], SshTunnel]:
    """Forward each port of the remote's 127.0.0.1 to one here (remote -> local), held
    by the tunnel returned until it is closed."""
    ports = {remote: free_local_port(remote) for remote in sorted(set(remote_ports))}
    forwards = [Forward(local, remote) for remote, local in ports.items()]
    return ports, SshTunnel(target, data_folder, forwards)


def hold_forwards(
    engine: RemoteEngine, status: EnvironmentStatus, data_folder: Path, state_folder: Path
) -> HeldForwards:
    assert engine.target is not None
    if not status.ports:
        raise UsageError(
            f"{status.course_id} is not running on {engine.target.host}.",
            f"Start it first: course-launcher start {status.course_id} --engine {engine.address}",
        )
    ports, tunnel = forward_ports(engine.target, data_folder, status.ports.values())
    record = _record(state_folder, status.course_id)
    text = json.dumps({"address": engine.address, "pid": os.getpid(),
                       "ports": {str(r): local for r, local in ports.items()}})  # fmt: skip
    try:
        write_atomic(record, text.encode("utf-8"))
    except BaseException:
        tunnel.close()
        raise
    return HeldForwards(status.course_id, ports, tunnel, record)


def _held_ports(engine: RemoteEngine, state_folder: Path, course_id: str) -> dict[int, int]:
    """Remote port -> local port of the forwards a live launcher holds for the course."""
    try:
        held = json.loads(_record(state_folder, course_id).read_text(encoding="utf-8"))
        alive = held["address"] == engine.address and process_alive(int(held["pid"]))
        ports = {int(r): int(local) for r, local in held["ports"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    return ports if alive else {}


def reachable_ports(
    engine: Engine, state_folder: Path, course_id: str, ports: dict[int, int]
) -> dict[int, int] | None:
    """Container port -> the port here that reaches it: ``ports`` for a local engine;
    through held forwards for a remote one (None when they are not all held)."""
    if not isinstance(engine, RemoteEngine):
        return ports
    held = _held_ports(engine, state_folder, course_id)
    if not all(remote in held for remote in ports.values()):
        return None
    return {cport: held[remote] for cport, remote in ports.items()}


def through_forward(engine: Engine, state_folder: Path, course_id: str, url: str) -> str:
    """``url`` as this computer reaches it: unchanged for a local engine; through the
    forwards ``connect`` (or the window) holds for a remote one."""
    if not isinstance(engine, RemoteEngine):
        return url
    ports = _held_ports(engine, state_folder, course_id)
    remote_port = urlsplit(url).port
    if remote_port not in ports:
        raise UsageError(
            f"{course_id} runs on another computer; its address there is not reachable "
            "from here until it is forwarded.",
            f"In another terminal run: course-launcher connect {course_id} --engine "
            f"{engine.address} (and leave it open).",
        )
    return _rewrite(url, ports)


def _rewrite(url: str, ports: dict[int, int]) -> str:
    parts = urlsplit(url)
    if parts.port not in ports:
        return url
    return urlunsplit(parts._replace(netloc=f"{parts.hostname}:{ports[parts.port]}"))
