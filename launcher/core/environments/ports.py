"""Host ports: every service is published on 127.0.0.1, at a port that is free."""

from __future__ import annotations

import errno
import socket
import sys
from collections.abc import Collection

from launcher.core.errors import PortInUse

LOOPBACK = "127.0.0.1"
SEARCH_SPAN = 200  # ports tried after the preferred one before asking the OS for any
PROBE_TIMEOUT = 0.5  # seconds; on loopback a port nobody listens on refuses at once


def port_is_free(port: int) -> bool:
    """True unless a program listens on the port. Connections that linger in TIME_WAIT
    after a visit (a server that closes first, such as PHP's) do not count: Docker's own
    listener sets SO_REUSEADDR, so it can publish the port again, and so can this test."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if sys.platform != "win32":  # on Windows the option would let a port be stolen
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOOPBACK, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return sys.platform == "win32" or not _answers(port)


def _answers(port: int) -> bool:
    """Someone accepts connections there. Linux refuses the bind above when anyone
    listens; macOS lets it through when the listener is on 0.0.0.0, so ask directly.
    Not on Windows, where a refused connection takes seconds: there the bind alone
    answers, as it always did."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(PROBE_TIMEOUT)
        return probe.connect_ex((LOOPBACK, port)) == 0


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
