"""An engine on another computer: its socket forwarded over SSH to a private local one.

The Docker SDK then talks to a plain local unix socket, so everything it does (streams,
archives, logs) works as for a local engine, and the remote socket may be anywhere.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from launcher.core.engine.discovery import find_engine
from launcher.core.engine.model import Engine
from launcher.core.errors import NoEngineFound, RemoteUnavailable
from launcher.core.local.files import process_alive
from launcher.core.remote.address import SshTarget, is_ssh_address, parse_ssh_address
from launcher.core.remote.host_keys import check_host_key
from launcher.core.remote.tunnel import Forward, SshTunnel

_FOLDER_PREFIX = "cl-ssh-"  # then the pid of the launcher that made it


@dataclass
class RemoteEngine(Engine):
    """An :class:`Engine` whose client talks through ``tunnel``."""

    target: SshTarget | None = None
    tunnel: SshTunnel | None = None
    socket_folder: Path | None = None

    def close(self) -> None:
        super().close()
        if self.tunnel is not None:
            self.tunnel.close()
        if self.socket_folder is not None:
            shutil.rmtree(self.socket_folder, ignore_errors=True)


def open_engine(address: str | None, data_folder: Path, accept: str | None = None) -> Engine:
    """The engine at ``address``: over SSH for ``ssh://``, otherwise found as usual."""
    if not is_ssh_address(address):
        return find_engine(address)
    assert address is not None
    target = parse_ssh_address(address)
    check_host_key(target, data_folder, accept)
    # A private folder: whoever can open the forwarded socket controls the remote engine.
    _sweep_stale_folders()
    folder = Path(tempfile.mkdtemp(prefix=f"{_FOLDER_PREFIX}{os.getpid()}-"))
    local = folder / "engine.sock"
    try:
        tunnel = SshTunnel(target, data_folder, [Forward(local, target.socket_path)])
        try:
            found = find_engine(f"unix://{local}", connect_timeout=10.0, deadline=15.0)
        except NoEngineFound as exc:
            tunnel.close()
            raise RemoteUnavailable(
                f"{target.host} answered over SSH, but no Docker engine answered at "
                f"{target.socket_path} there.",
                "Check that Docker runs on that computer and that your user there may use "
                "it (the docker group); add the socket's path to the address when it is "
                "not the usual one, e.g. ssh://user@host/run/user/1000/docker.sock.",
            ) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(folder)
        raise
    _report_lost_connection(found.client, tunnel)
    return RemoteEngine(found.client, address, "SSH", found.info, (), target, tunnel, folder)


def _sweep_stale_folders() -> None:
    """Remove the socket folders of launchers that were killed (no close ran)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_FOLDER_PREFIX}*-*"):
        pid = folder.name[len(_FOLDER_PREFIX) :].split("-", 1)[0]
        try:
            mine = folder.stat().st_uid == os.getuid() if hasattr(os, "getuid") else False
        except OSError:
            continue
        if mine and pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _report_lost_connection(client: Any, tunnel: SshTunnel) -> None:
    """A request that fails because the SSH connection ended says so, as a typed error,
    instead of the SDK's "connection refused" on the local end of the forward."""
    adapter = client.api.get_adapter("http+docker://localhost/")
    send = adapter.send

    def send_or_explain(request: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return send(request, *args, **kwargs)
        except requests.exceptions.ConnectionError as exc:
            if not tunnel.ended(within=2.0):
                raise
            raise tunnel.failure() from exc

    adapter.send = send_or_explain
