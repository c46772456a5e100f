"""A TCP proxy in front of the test registry that counts what it forwards and can
slow down chosen blobs, so a test has time to act in the middle of one layer's
download while the others arrive at full speed.

It reads just enough HTTP to know which path each connection last asked for (clients
do not pipeline: a connection's answer belongs to its last request), and paces the
answers to paths that name a slowed digest. ``127.0.0.1:PORT/testbed/...`` images
resolve through any port, so images are pulled through it by swapping the port.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time

from tests.testbed.services import free_port

_REQUEST = re.compile(rb"(?:^|\r\n)(?:GET|HEAD) (\S+) HTTP/1\.[01]\r\n")


class SlowRegistryProxy:
    def __init__(self, upstream: str) -> None:
        host, port = upstream.rsplit(":", 1)
        self.upstream = (host, int(port))
        self.port = free_port()
        self.forwarded = 0  # bytes from the registry to its clients
        self._slow: dict[str, float] = {}  # digest (hex, or a prefix of it) -> bytes/s
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def slow_down(self, digest: str, bytes_per_second: float) -> None:
        with self._lock:
            self._slow[digest.rpartition(":")[2]] = bytes_per_second

    def full_speed(self) -> None:
        with self._lock:
            self._slow.clear()

    def open(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._sockets = self._sockets, set()
        if listener is not None:
            listener.close()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets.update((client, server))
            asked = [b""]  # the path this connection asked for last
            threading.Thread(
                target=self._requests, args=(client, server, asked), daemon=True
            ).start()
            threading.Thread(
                target=self._answers, args=(server, client, asked), daemon=True
            ).start()

    def _requests(self, source: socket.socket, sink: socket.socket, asked: list[bytes]) -> None:
        try:
            while chunk := source.recv(65536):
                for match in _REQUEST.finditer(chunk):
                    asked[0] = match.group(1)
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            _shut(source, sink)

    def _answers(self, source: socket.socket, sink: socket.socket, asked: list[bytes]) -> None:
        try:
            while chunk := source.recv(65536):
                rate = self._rate_for(asked[0])
                if rate:
                    time.sleep(len(chunk) / rate)
                sink.sendall(chunk)
                with self._lock:
                    self.forwarded += len(chunk)
        except OSError:
            pass
        finally:
            _shut(source, sink)

    def _rate_for(self, path: bytes) -> float | None:
        text = path.decode(errors="replace")
        with self._lock:
            return next((rate for digest, rate in self._slow.items() if digest in text), None)


def _shut(*sockets: socket.socket) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
