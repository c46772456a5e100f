"""Stands in for the command that starts Docker Desktop, which cannot run here.

Like ``systemctl --user start docker-desktop`` it returns at once, and the engine
answers a moment later: a detached child waits, then forwards the given socket to the
test engine's (tests/testbed/engine_proxy.py) until it is killed. Its process id is
written to ``PIDFILE`` so that the test can stop it.

    python -m tests.helpers.desktop_stand_in SOCKET UPSTREAM PIDFILE
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.testbed.engine_proxy import EngineProxy

DELAY_S = 1.5  # long enough for the window to show that Docker Desktop is starting
SERVE_S = 300.0  # a child the test forgot to kill goes away by itself


PROJECT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def stand_in_for_docker_desktop(
    socket_path: Path, upstream: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, ...]]:
    """Docker Desktop "installed" here: its start command replaced by this module, which
    makes ``socket_path`` answer (forwarded to ``upstream``) a moment after it returns."""
    from launcher.core.engine import desktop

    pidfile = socket_path.with_suffix(".pid")
    command = (sys.executable, "-m", __name__, str(socket_path), upstream, str(pidfile))
    monkeypatch.setattr(desktop, "desktop_start_command", lambda *_a, **_k: command)
    monkeypatch.setenv("PYTHONPATH", str(PROJECT))
    monkeypatch.chdir(PROJECT)
    try:
        yield command
    finally:
        if pidfile.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pidfile.read_text(encoding="utf-8")), signal.SIGTERM)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve"]:
        _, socket_path, upstream = argv
        time.sleep(DELAY_S)
        proxy = EngineProxy(Path(socket_path), upstream)
        proxy.start()
        try:
            time.sleep(SERVE_S)
        finally:
            proxy.stop()
        return 0
    socket_path, upstream, pidfile = argv
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.desktop_stand_in", "--serve", socket_path, upstream],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    Path(pidfile).write_text(str(child.pid), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
