"""Host ports: every service is published on 127.0.0.1, at a port that is free."""

from __future__ import annotations

import errno
import socket
from collections.abc import Collection

from launcher.core.errors import PortInUse

LOOPBACK = "127.0.0.1"
SEARCH_SPAN = 200  # ports tried after the preferred one before asking the OS for any


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def any_free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def choose_port(preferred: int | None, avoid: Collection[int] = ()) -> int:
    """The preferred port if free, else the next free one above it, else any free port."""
    if preferred:
        for port in range(preferred, min(preferred + SEARCH_SPAN, 65536)):
            if port not in avoid and port_is_free(port):
                return port
    for _attempt in range(20):
        port = any_free_port()
        if port not in avoid:
            return port
    raise PortInUse(
        "No free network port was found on this computer.",
        "Close some programs and try again.",
    )
