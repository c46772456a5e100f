"""Forwards over one ``ssh`` process: the engine's socket, and services' ports.

The system ``ssh`` client does the connecting, so the person's own keys, agent and
``~/.ssh/config`` (jump hosts, key files) work as they do in a terminal; only host-key
trust is the launcher's own (:mod:`launcher.core.remote.host_keys`).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from launcher.core.errors import HostKeyChanged, RemoteUnavailable
from launcher.core.remote.address import SshTarget
from launcher.core.remote.host_keys import ssh_trust_options

log = logging.getLogger(__name__)
READY_TIMEOUT = 20.0


@dataclass(frozen=True)
class Forward:
    """``local`` (a port on 127.0.0.1, or a socket path) reaches ``remote`` over there
    (a port on the remote's 127.0.0.1, or a socket path)."""

    local: int | Path
    remote: int | str

    def argument(self) -> str:
        local = f"127.0.0.1:{self.local}" if isinstance(self.local, int) else str(self.local)
        remote = f"127.0.0.1:{self.remote}" if isinstance(self.remote, int) else self.remote
        return f"{local}:{remote}"


def ssh_command(target: SshTarget, data_folder: Path) -> list[str]:
    """``ssh`` with the options every connection to ``target`` uses (before ``-L``s)."""
    program = shutil.which("ssh")
    if program is None:
        raise RemoteUnavailable(
            "The SSH programs are not installed on this computer.",
            "Install OpenSSH (on Windows: Settings → Optional features → OpenSSH Client).",
        )
    return [
        program, "-T", "-p", str(target.port), *ssh_trust_options(data_folder),
        "-o", "BatchMode=yes",  # never a password prompt nobody sees
        "-o", "ControlMaster=no",
        "-o", "ControlPath=none",
        "-o", "LogLevel=ERROR",
    ]  # fmt: skip


class SshTunnel:
    """One ``ssh`` holding ``forwards`` until :meth:`close` (or this process ends)."""

    def __init__(self, target: SshTarget, data_folder: Path, forwards: list[Forward]) -> None:
        self.target = target
        self.forwards = forwards
        self._said: str | None = None  # what ssh wrote before it ended
        command = ssh_command(target, data_folder)
        command += [
            "-o", "ExitOnForwardFailure=yes",
            "-o", "ServerAliveInterval=5",
            "-o", "ServerAliveCountMax=3",
            "-o", "StreamLocalBindUnlink=yes",
        ]  # fmt: skip
        for forward in forwards:
            command += ["-L", forward.argument()]
        # Not -N: a remote `cat` reading our never-written pipe ends when this process
        # ends, however it ends (even killed), and ssh with it: no forward outlives us.
        command += ["--", target.destination, "cat"]
        log.info("ssh to %s port %s", target.destination, target.port)
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            self._wait_ready()
        except BaseException:
            self.close()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        waiting = list(self.forwards)
        while waiting:
            if self.process.poll() is not None:
                raise self.failure()
            if time.monotonic() > deadline:
                raise RemoteUnavailable(
                    f"{self.target.host} did not answer in time over SSH.",
                    "Check that the computer is switched on and reachable, then try again.",
                )
            waiting = [forward for forward in waiting if not _answers(forward.local)]
            if waiting:
                time.sleep(0.05)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def ended(self, within: float) -> bool:
        """True when ssh has ended or ends within ``within`` seconds (a cut connection
        fails the request a moment before ssh notices)."""
        try:
            self.process.wait(timeout=within)
        except subprocess.TimeoutExpired:
            return False
        return True

    def failure(self) -> RemoteUnavailable | HostKeyChanged:
        """What ssh said when it ended, as an error a person can act on."""
        if self._said is None:
            self._said = _read_all(self.process.stderr).strip()
            log.info("ssh ended (%s): %s", self.process.returncode, self._said)
        text = self._said
        host = self.target.host
        if "IDENTIFICATION HAS CHANGED" in text or "Host key verification failed" in text:
            return HostKeyChanged(
                f"WARNING: {host} did not prove it is the computer whose key was accepted.",
                "Ask the computer's owner whether its SSH key was changed.",
            )
        if "Permission denied" in text:
            return RemoteUnavailable(
                f"{host} refused the login as {self.target.user or 'this user'}.",
                "Check the user name, and that your SSH key is on that computer "
                "(ssh-copy-id) or loaded in your SSH agent.",
            )
        if "forwarding" in text.lower() or "open failed" in text:
            return RemoteUnavailable(
                f"{host} refused to pass the connection on ({text.splitlines()[-1]}).",
                "The SSH server there must allow forwarding (AllowTcpForwarding and "
                "AllowStreamLocalForwarding).",
            )
        last = text.splitlines()[-1] if text else "the SSH connection ended"
        return RemoteUnavailable(
            f"The connection to {host} was lost ({last}).",
            "Check the network, then try again: what runs there keeps running.",
        )

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stderr):
            if stream is not None:
                stream.close()
        for forward in self.forwards:
            if isinstance(forward.local, Path):
                with contextlib.suppress(OSError):
                    forward.local.unlink()


def _answers(local: int | Path) -> bool:
    if isinstance(local, Path):
        if not local.exists():
            return False
        family, address = getattr(socket, "AF_UNIX"), str(local)  # noqa: B009  (not on Windows)
        probe = socket.socket(family, socket.SOCK_STREAM)
    else:
        probe, address = socket.socket(socket.AF_INET, socket.SOCK_STREAM), ("127.0.0.1", local)  # type: ignore[assignment]
    with probe:
        probe.settimeout(0.5)
        try:
            probe.connect(address)
        except OSError:
            return False
    return True


def _read_all(stream: IO[bytes] | None) -> str:
    if stream is None:
        return ""
    try:
        return stream.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""


def free_local_port(preferred: int) -> int:
    """``preferred`` when it is free on 127.0.0.1, else any free port."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise RemoteUnavailable("No free port on this computer.", "Close some programs and retry.")
