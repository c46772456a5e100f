"""A Docker socket that appears (or disappears) on cue: forwards a unix socket to the
test engine's.

It stands in for Docker Desktop being started while the launcher waits: the address
the launcher looks at answers nothing until ``start()``, then is the real engine.
"""

from __future__ import annotations

import contextlib
import re
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path


def _pipe(
    source: socket.socket, target: socket.socket, seen: Callable[[bytes], None] | None = None
) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            if seen is not None:
                seen(data)
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)


class _Forward(socketserver.BaseRequestHandler):
    server: EngineProxy

    def handle(self) -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as upstream:
            self.server.track(self.request, upstream)
            upstream.connect(self.server.upstream)
            back = threading.Thread(target=_pipe, args=(upstream, self.request), daemon=True)
            back.start()
            _pipe(self.request, upstream, self.server.saw)
            back.join(timeout=30)


class EngineProxy(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

    def __init__(self, path: Path, upstream: str) -> None:
        self.path = path
        self.upstream = upstream
        super().__init__(str(path), _Forward, bind_and_activate=False)
        self._thread: threading.Thread | None = None
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()

    def saw(self, data: bytes) -> None:
        """What a client sent on its way to the engine (subclasses count requests)."""

    def track(self, *sockets: socket.socket) -> None:
        with self._lock:
            self._open.extend(sockets)

    def start(self) -> None:
        self.server_bind()
        self.server_activate()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Docker quits: no new connections, and the open ones are cut."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self._open.clear()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


_REQUEST = re.compile(rb"(?:^|\r\n)(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP/1\.[01]\r\n")


class CountingProxy(EngineProxy):
    """The engine's socket forwarded, with each HTTP request line noted (time, method,
    path without its query)."""

    def __init__(self, path: Path, upstream: str) -> None:
        super().__init__(path, upstream)
        self.requests: list[tuple[float, str, str]] = []

    @property
    def address(self) -> str:
        return f"unix://{self.path}"

    def saw(self, data: bytes) -> None:
        now = time.monotonic()
        with self._lock:
            for match in _REQUEST.finditer(data):
                path = match.group(2).decode(errors="replace").split("?", 1)[0]
                self.requests.append((now, match.group(1).decode(), path))

    def since(self, moment: float) -> list[tuple[float, str, str]]:
        with self._lock:
            return [r for r in self.requests if r[0] >= moment]


@contextlib.contextmanager
def counting_proxy(folder: Path, docker_host: str) -> Iterator[CountingProxy]:
    """A counting proxy in ``folder`` in front of the engine at ``docker_host``."""
    proxy = CountingProxy(folder / "engine-proxy.sock", docker_host.removeprefix("unix://"))
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
