"""The registry going away mid-download: `install` ends with exit 1 and a one-line
error (no traceback); once the registry is back, the same command completes.

A registry frozen with SIGSTOP does not make dockerd 20.10 give up: its registry
transport has no read timeout, so the pull waits on the frozen connection for as long
as the registry stays frozen. What a student meets when a registry dies is a cut
connection and then "connection refused". The test gets exactly that from a small TCP
proxy in front of the testbed registry that it can cut mid-transfer and open again on
the same port (``127.0.0.1:PORT/testbed/...`` images resolve through any port, and
registries on loopback need no TLS).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.helpers.catalogue import catalogue_text
from tests.helpers.images import remove_all_images
from tests.testbed.services import free_port
from tests.testbed.testbed import TestbedState

CUT_AFTER = 20_000_000  # bytes from the registry: well into the layer downloads


class CuttableProxy:
    """Forwards 127.0.0.1:port to the registry until cut: then every open connection
    is reset and new ones are refused, until :meth:`restore`."""

    def __init__(self, upstream: str, cut_after: int) -> None:
        host, port = upstream.rsplit(":", 1)
        self.upstream = (host, int(port))
        self.cut_after = cut_after
        self.port = free_port()
        self.forwarded = 0
        self.cut_done = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def open(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def restore(self) -> None:
        self.cut_after = -1  # never cut again
        self.open()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            doomed, self._sockets = self._sockets, set()
        if listener is not None:
            listener.close()
        for sock in doomed:
            with contextlib.suppress(OSError):  # linger 0: reset, as a dead server would
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                # close() alone would not wake a thread blocked in recv() on it
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.cut_done.set()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets.update((client, server))
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, downstream: bool) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
                if downstream:
                    with self._lock:
                        self.forwarded += len(chunk)
                        due = 0 <= self.cut_after <= self.forwarded
                    if due:
                        self.cut()
                        return
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.cut_after = -1
        self.cut()


@pytest.fixture
def proxy(testbed: TestbedState) -> Iterator[CuttableProxy]:
    running = CuttableProxy(testbed.registry, CUT_AFTER)
    running.open()
    yield running
    running.close()


def install(catalogue: Path, testbed: TestbedState) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable, "-m", "launcher", "install", "test-jupyter",
            "--engine", testbed.docker_host, "--catalogue", str(catalogue),
        ],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.mark.timeout(480)  # dockerd retries for about 75 s before it gives up
def test_registry_dying_mid_pull_is_one_line_then_a_retry_completes(
    testbed: TestbedState,
    proxy: CuttableProxy,
    clean_engine: docker.DockerClient,
    tmp_path: Path,
) -> None:
    remove_all_images(clean_engine)
    through_proxy = {
        name: ref.replace(testbed.registry, proxy.address, 1)
        for name, ref in testbed.images.items()
    }
    proxied = TestbedState(**{**testbed.as_dict(), "images": through_proxy})
    catalogue = tmp_path / "catalogue.toml"
    catalogue.write_text(catalogue_text(proxied, free_port(), free_port()))
    image = through_proxy["jupyter"]

    failed = install(catalogue, testbed)
    assert proxy.cut_done.is_set(), "the pull ended before the registry was cut"
    assert failed.returncode == 1, failed.stderr
    assert "Traceback" not in failed.stderr
    errors = [line for line in failed.stderr.splitlines() if line.startswith("course-launcher:")]
    assert len(errors) == 1, failed.stderr
    assert "could not be reached" in errors[0] and proxy.address in errors[0], failed.stderr
    # dockerd retries for ~75 s before it gives up: the student is told, not left waiting
    assert "The connection to the image server was lost; Docker tries again in" in (
        failed.stderr
    ), failed.stderr
    with pytest.raises(docker.errors.ImageNotFound):
        clean_engine.images.get(image)

    proxy.restore()
    retried = install(catalogue, testbed)
    assert retried.returncode == 0, retried.stderr
    assert "Installed" in retried.stderr
    clean_engine.images.get(image)
    clean_engine.images.remove(image, force=True)
