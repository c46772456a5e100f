"""``ssh://user@host[:port][/path/to/engine.sock]``: where a remote engine is."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from launcher.core.errors import UsageError

DEFAULT_SOCKET = "/var/run/docker.sock"


@dataclass(frozen=True)
class SshTarget:
    user: str
    host: str
    port: int
    socket_path: str  # the engine's socket on that computer

    @property
    def known_hosts_name(self) -> str:
        """The host as OpenSSH writes it in a known-hosts file."""
        return self.host if self.port == 22 else f"[{self.host}]:{self.port}"

    @property
    def destination(self) -> str:
        return f"{self.user}@{self.host}" if self.user else self.host


def is_ssh_address(address: str | None) -> bool:
    return bool(address) and str(address).strip().lower().startswith("ssh://")


def parse_ssh_address(address: str) -> SshTarget:
    parts = urlsplit(address.strip())
    try:
        port = 22 if parts.port is None else parts.port
    except ValueError:
        port = -1
    host = parts.hostname or ""
    if parts.scheme.lower() != "ssh" or not host or port <= 0 or parts.password:
        raise UsageError(
            f"{address} is not an SSH engine address.",
            "Write it as ssh://user@computer or ssh://user@computer:port; add the engine's "
            "socket as a path when it is not /var/run/docker.sock.",
        )
    if host.startswith("-") or (parts.username or "").startswith("-"):
        raise UsageError(f"{address} is not an SSH engine address.", "Check the computer's name.")
    path = unquote(parts.path) if parts.path not in ("", "/") else DEFAULT_SOCKET
    return SshTarget(unquote(parts.username or ""), host, port, path)
