"""Atomic writes: a reader sees the old file or the new one, never half of one.

Temporary files carry the writing process's id in their name
(``.NAME.PID.RANDOM.tmp``), so the debris of a process that was killed mid-write
can be told from a write in progress and removed by the next write of that file
(:func:`sweep_stale_temporaries`). An export with the student's work also makes a
scratch folder ``.NAME.PID.RANDOM.work`` for the database dumps; the next export
removes such a folder a killed one left (:func:`sweep_stale_scratch_folders`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

#: a temporary file not written to for this long is debris even if its pid is alive
#: (the pid may have been reused by another program)
STALE_SECONDS = 30 * 60
_TEMP_RE = re.compile(r"\.(?P<pid>[0-9]+)\.[A-Za-z0-9_]{6,}\.(?P<suffix>tmp|partial|work)")


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


def _stale_candidates(
    folder: Path, name: str, suffix: str, now: float | None
) -> Iterator[tuple[Path, os.stat_result]]:
    """The ``.NAME.PID.RANDOM.SUFFIX`` entries of ``folder`` whose writer is gone (or
    idle for :data:`STALE_SECONDS`), each with its ``lstat`` (links not followed)."""
    now = time.time() if now is None else now
    prefix = f".{name}"
    try:
        candidates = [
            p for p in folder.iterdir() if p.name.startswith(prefix + ".") and p.name[0] == "."
        ]
    except OSError:
        return
    for path in candidates:
        match = _TEMP_RE.fullmatch(path.name[len(prefix) :])
        if match is None or match["suffix"] != suffix:
            continue
        try:
            info = path.lstat()
        except OSError:
            continue
        pid = int(match["pid"])
        idle = now - info.st_mtime
        if pid == os.getpid() and idle < STALE_SECONDS:
            continue  # a write of this process, in progress
        if process_alive(pid) and idle < STALE_SECONDS:
            continue
        yield path, info


def sweep_stale_temporaries(
    folder: Path, name: str, suffix: str = "tmp", now: float | None = None
) -> list[Path]:
    """Remove the temporary files for ``folder/name`` left by dead processes (or not
    written to for :data:`STALE_SECONDS`). Only names this module makes are touched:
    ``.NAME.PID.RANDOM.SUFFIX``, regular files. Returns what was removed."""
    removed: list[Path] = []
    for path, info in _stale_candidates(folder, name, suffix, now):
        if not stat.S_ISREG(info.st_mode):
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def sweep_stale_scratch_folders(
    folder: Path, name: str, suffix: str = "work", now: float | None = None
) -> list[Path]:
    """Remove the scratch folders for ``folder/name`` (``.NAME.PID.RANDOM.SUFFIX``, real
    folders, not links) that dead processes left. Their contents go with them, and
    nothing a link inside leads to: the removal works through open folder handles and
    unlinks a link itself. Where the system cannot remove a tree that way (no
    ``dir_fd``), the folder is left. Returns what was removed."""
    removed: list[Path] = []
    if not shutil.rmtree.avoids_symlink_attacks:
        return removed
    for path, info in _stale_candidates(folder, name, suffix, now):
        if not stat.S_ISDIR(info.st_mode):
            continue
        try:
            # rmtree opens each folder with O_NOFOLLOW and checks it is the one it
            # lstat-ed, so a folder swapped for a link meanwhile is refused, not followed.
            shutil.rmtree(path)
        except OSError:
            continue
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
