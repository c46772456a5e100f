"""Starting a course on another computer: its folder is made there, and the start asks
its services whether they answer through forwards held only while it waits.

The folder is made with a short ``ssh … mkdir -p`` as the SSH user rather than by the
engine: a bind mount the engine creates would belong to root there (the engine's user),
and only that computer's shell knows what ``~`` is. Nothing is checked, made or shared
on this computer: the path names a folder over there.
"""

from __future__ import annotations

import logging
import shlex
import subprocess
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from launcher.core.errors import RemoteUnavailable, WorkspaceError
from launcher.core.remote.address import SshTarget
from launcher.core.remote.forwards import forward_ports
from launcher.core.remote.tunnel import SshTunnel, ssh_command

log = logging.getLogger(__name__)
SSH_EXIT_FAILED = 255  # what ssh exits with when it, not the command, failed
FOLDER_TIMEOUT = 30.0


def default_folder_there(code: str, presentation: str) -> str:
    """``~/<CODE>-<PRESENTATION>``: the course's folder in the SSH user's home there."""
    return f"~/{code}-{presentation}"


def _shell_path(folder: str) -> str:
    """``folder`` for the remote shell: quoted, with a leading ``~`` as that user's home."""
    if folder == "~" or folder.startswith("~/"):
        rest = folder[2:].strip("/")
        return '"$HOME"' + (f"/{shlex.quote(rest)}" if rest else "")
    return shlex.quote(folder)


def folder_there(target: SshTarget, data_folder: Path, folder: str, *, create: bool) -> str:
    """The folder on ``target`` as an absolute path, made there first when ``create``
    (owned by the SSH user, as if they had typed ``mkdir -p``). Never removed or moved."""
    path = _shell_path(folder)
    script = (f"mkdir -p -- {path} && " if create else "") + f"cd -- {path} && pwd -P"
    command = [*ssh_command(target, data_folder), "--", target.destination, script]
    try:
        done = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=FOLDER_TIMEOUT, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise RemoteUnavailable(
            f"{target.host} did not answer in time over SSH.",
            "Check that the computer is switched on and reachable, then try again.",
        ) from exc
    said = done.stderr.strip().splitlines()
    if done.returncode == SSH_EXIT_FAILED:
        raise RemoteUnavailable(
            f"The connection to {target.host} was lost ({said[-1] if said else 'no answer'}).",
            "Check the network, then try again: what runs there keeps running.",
        )
    answer = done.stdout.strip().splitlines()
    if done.returncode != 0 or not answer or not answer[-1].startswith("/"):
        log.info("folder %s on %s: %s", folder, target.host, said)
        if create:
            raise WorkspaceError(
                f"The folder {folder} could not be made on {target.host}"
                + (f" ({said[-1]})." if said else "."),
                f"Choose a folder there that your user {target.user or ''} may write in.",
            )
        raise WorkspaceError(
            f"There is no folder {folder} on {target.host}.",
            "Check the name, or let the launcher make it (--create-folder).",
        )
    return answer[-1]


class StartForwards:
    """Forwards from here to the ports a starting course publishes over there, held
    until the start ends; each call replaces the previous ones (a start may retry)."""

    def __init__(self, target: SshTarget, data_folder: Path) -> None:
        self.target = target
        self.data_folder = data_folder
        self._tunnel: SshTunnel | None = None

    def __call__(self, published: Mapping[int, int]) -> dict[int, int]:
        """Container port -> the port here that reaches it (``published``: container
        port -> port on the remote's 127.0.0.1)."""
        self.close()
        local, self._tunnel = forward_ports(self.target, self.data_folder, published.values())
        log.info("forwards for the start: %s", local)
        return {cport: local[remote] for cport, remote in published.items()}

    def close(self) -> None:
        if self._tunnel is not None:
            self._tunnel.close()
            self._tunnel = None

    def __enter__(self) -> StartForwards:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:  # fmt: skip
        self.close()


def folder_for_start(
    target: SshTarget, data_folder: Path, code: str, presentation: str,
    chosen: Path | None, recorded: str | None, *, create: bool,
) -> Path:  # fmt: skip
    """The remote course's folder there: the one chosen now, else the one its container
    was made with (the engine remembers it, not the settings here, which keep this
    computer's folder), else ``~/CODE-PRESENTATION``, which is made when missing."""
    if chosen is not None:
        return Path(folder_there(target, data_folder, chosen.as_posix(), create=create))
    if recorded:
        return Path(folder_there(target, data_folder, recorded, create=create))
    default = default_folder_there(code, presentation)
    return Path(folder_there(target, data_folder, default, create=True))
