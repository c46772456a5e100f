"""Atomic writes: a reader sees the old file or the new one, never half of one.

Temporary files carry the writing process's id in their name
(``.NAME.PID.RANDOM.tmp``), so the debris of a process that was killed mid-write
can be told from a write in progress and removed by the next write of that file
(:func:`sweep_stale_temporaries`).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from pathlib import Path

#: a temporary file not written to for this long is debris even if its pid is alive
#: (the pid may have been reused by another program)
STALE_SECONDS = 30 * 60
_TEMP_RE = re.compile(r"\.(?P<pid>[0-9]+)\.[A-Za-z0-9_]{6,}\.(?P<suffix>tmp|partial)")


def process_alive(pid: int) -> bool:
    """True when a process with this id exists (or cannot be told apart from one)."""
    if pid <= 0:
        return True
    if os.name != "posix":  # os.kill(pid, 0) would signal the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def temporary_prefix(name: str) -> str:
    """The start of the name of this process's temporary files for ``name``."""
    return f".{name}.{os.getpid()}."


def sweep_stale_temporaries(
    folder: Path, name: str, suffix: str = "tmp", now: float | None = None
) -> list[Path]:
    """Remove the temporary files for ``folder/name`` left by dead processes (or not
    written to for :data:`STALE_SECONDS`). Only names this module makes are touched:
    ``.NAME.PID.RANDOM.SUFFIX``, regular files. Returns what was removed."""
    now = time.time() if now is None else now
    prefix = f".{name}"
    removed: list[Path] = []
    with contextlib.suppress(OSError):
        candidates = [
            p for p in folder.iterdir() if p.name.startswith(prefix + ".") and p.name[0] == "."
        ]
        for path in candidates:
            match = _TEMP_RE.fullmatch(path.name[len(prefix) :])
            if match is None or match["suffix"] != suffix:
                continue
            try:
                info = path.lstat()
            except OSError:
                continue
            if not path.is_file() or path.is_symlink():
                continue
            pid = int(match["pid"])
            idle = now - info.st_mtime
            if pid == os.getpid() and idle < STALE_SECONDS:
                continue  # a write of this process, in progress
            if process_alive(pid) and idle < STALE_SECONDS:
                continue
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale_temporaries(path.parent, path.name)
    fd, tmp_name = tempfile.mkstemp(
        prefix=temporary_prefix(path.name), suffix=".tmp", dir=path.parent
    )
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(mode)
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_text_atomic(path: Path, text: str, mode: int = 0o600) -> None:
    write_atomic(path, text.encode("utf-8"), mode)
