"""One launcher per user: a second launch brings the first window forward and exits.

The first instance listens on a QLocalServer whose name is per user (and, under
``COURSE_LAUNCHER_HOME``, per home folder, so tests and tutors' scripts do not meet
a student's launcher). A later launch connects, sends a versioned line
(``course-launcher/1 activate``), waits briefly for ``course-launcher/1 ok`` and
exits. A socket file left by a launcher that crashed answers nobody: it is removed
and the new launch becomes the first instance.
"""

from __future__ import annotations

import getpass
import hashlib
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket

from launcher.core.local.paths import HOME_VARIABLE

log = logging.getLogger(__name__)

PROTOCOL = "course-launcher/1"
ACTIVATE = f"{PROTOCOL} activate"
ANSWER_OK = f"{PROTOCOL} ok"
ANSWER_UNKNOWN = f"{PROTOCOL} unknown"
TIMEOUT_MS = 1500  # how long a second launch waits for the first one
MAX_LINE = 512  # a client sending more than this without a newline is dropped
CLIENT_MS = 5000  # a client that says nothing for this long is dropped


def _user() -> str:
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers, odd setups)
        name = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:32] or "user"


def server_name(environ: Mapping[str, str] | None = None) -> str:
    """The local server's name for this user (and launcher home, when one is set)."""
    env = os.environ if environ is None else environ
    name = f"course-launcher-{_user()}"
    home = env.get(HOME_VARIABLE)
    if home:
        absolute = str(Path(home).expanduser().absolute())
        name += "-" + hashlib.sha256(absolute.encode("utf-8")).hexdigest()[:12]
    return f"{name}-v1"


class SingleInstance(QObject):
    """Claim the per-user name, or hand over to the launcher that holds it."""

    activate_requested = Signal()

    def __init__(self, name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name or server_name()
        self.server = QLocalServer(self)
        # Only this user may connect (on Unix the socket is made 0700 before it appears).
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)

    @property
    def listening(self) -> bool:
        return bool(self.server.isListening())

    def claim(self) -> bool:
        """True: this is the first launcher and now listens. False: another one was
        told to come forward, so this one should exit."""
        for attempt in range(3):
            if self.notify_running():
                return False
            if self.server.listen(self.name):
                log.info("single instance: listening as %s", self.name)
                return True
            if self.server.serverError() != QAbstractSocket.SocketError.AddressInUseError:
                log.warning(
                    "single instance: cannot listen as %s (%s); running without it",
                    self.name,
                    self.server.errorString(),
                )
                return True
            if attempt > 0:  # asked twice, nobody answers: a crashed launcher's socket
                log.info("single instance: removing the stale socket %s", self.name)
                QLocalServer.removeServer(self.name)
        return True

    def notify_running(self, timeout_ms: int = TIMEOUT_MS) -> bool:
        """Ask a running launcher to come forward; True when one is there."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(timeout_ms):
            return False  # nobody there (or only a stale socket file)
        socket.write(f"{ACTIVATE}\n".encode())
        socket.waitForBytesWritten(timeout_ms)
        answer = b""
        while b"\n" not in answer and socket.waitForReadyRead(timeout_ms):
            answer += bytes(socket.readAll().data())
        socket.disconnectFromServer()
        reply = answer.decode("utf-8", "replace").strip()
        if reply != ANSWER_OK:
            # Someone holds the name but did not agree (busy, or another version):
            # it is still running, so a second window would only fight it.
            log.warning("single instance: %s answered %r", self.name, reply)
        return True

    def close(self) -> None:
        self.server.close()

    # -- the first instance's side --------------------------------------------------
    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            client = self.server.nextPendingConnection()
            buffer = bytearray()
            timer = QTimer(client, singleShot=True, interval=CLIENT_MS)
            timer.timeout.connect(lambda c=client: c.abort())
            timer.start()
            client.readyRead.connect(lambda c=client, b=buffer: self._read(c, b))
            client.disconnected.connect(client.deleteLater)
            self._read(client, buffer)

    def _read(self, client: QLocalSocket, buffer: bytearray) -> None:
        buffer.extend(bytes(client.readAll().data()))
        if b"\n" not in buffer:
            if len(buffer) > MAX_LINE:
                client.abort()
            return
        line = bytes(buffer).split(b"\n", 1)[0].decode("utf-8", "replace").strip()
        buffer.clear()
        if line == ACTIVATE:
            client.write(f"{ANSWER_OK}\n".encode())
            client.flush()
            client.disconnectFromServer()
            log.info("single instance: another launch asked this window to come forward")
            self.activate_requested.emit()
        else:
            log.warning("single instance: ignored the message %r", line[:80])
            client.write(f"{ANSWER_UNKNOWN}\n".encode())
            client.disconnectFromServer()
