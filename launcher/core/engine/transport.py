"""A fix for the docker SDK's unix-socket transport, applied once at import.

``UnixHTTPConnection.connect`` (docker 7.x) leaves its socket open when the connect
fails — every look for a stopped Docker would leak one (docker/docker-py PR #3356).
This version closes it. Behaviour is otherwise the same.
"""

from __future__ import annotations

import socket
from typing import Any

from docker.transport import unixconn


def _connect_closing_on_failure(self: Any) -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(self.timeout)
        sock.connect(self.unix_socket)
    except BaseException:
        sock.close()
        raise
    self.sock = sock


def apply() -> None:
    unixconn.UnixHTTPConnection.connect = _connect_closing_on_failure
