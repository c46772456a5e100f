"""One test run at a time per testbed: runs that share it wait instead of colliding.

Tests remove every container of the test engine when they finish, so two runs on
one engine would break each other. The first holder of ``<run folder>.lock`` names
it in the environment, so its children (pytest under ``dev.py``) do not wait on it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

HELD_VARIABLE = "COURSE_LAUNCHER_TESTBED_LOCK_HELD"


def lock_path(run: Path) -> Path:
    return Path(f"{run}.lock")


@contextmanager
def exclusive_use(run: Path, log: Callable[[str], None] = print) -> Iterator[None]:
    path = lock_path(run)
    if os.environ.get(HELD_VARIABLE) == str(path):
        yield
        return
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"testbed: another test run is using it; waiting ({path})")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.environ[HELD_VARIABLE] = str(path)
        try:
            yield
        finally:
            os.environ.pop(HELD_VARIABLE, None)
    finally:
        os.close(fd)  # closing releases the lock
