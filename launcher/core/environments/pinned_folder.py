"""Files in a folder the course's container can change, opened so that no link is followed.

The student's folder is mounted read-write in the container, so anything in it (the
``backups`` folder, a file in it) may be a link the container made, and a link
resolves on the host: a backup written through ``backups/.x.part -> ../../.bashrc``
would overwrite the student's shell start-up file. So every part below the student's
folder is opened with ``O_NOFOLLOW`` relative to the part before it (``dir_fd``), a
new file is created exclusively (``O_EXCL``) under a name nobody can guess, and it is
renamed into place relative to the same open folder: a link swapped in meanwhile
changes nothing. A file to be read must be a regular file (``fstat`` on the open
file, not the name).

Where the system has no ``dir_fd`` (Windows), each part is checked with ``lstat``
instead, and files are still created exclusively under an unguessable name.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from launcher.core.errors import LinkRefused, WorkspaceError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO must not hang the open
_EXTRA = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_WITH_DIR_FD = bool(_NOFOLLOW) and os.open in os.supports_dir_fd
_REPARSE_POINT = 0x400  # Windows: a link or junction


def _link_refused(path: Path) -> LinkRefused:
    with contextlib.suppress(OSError):
        return LinkRefused(
            f"{path} is a link (to {path.readlink()}), not a real folder or file, so the "
            "launcher does not use it: it could lead outside your course folder.",
            "Something inside the course environment may have made it. Remove the link "
            "(your files it points to are not touched), then try again.",
        )
    return LinkRefused(
        f"{path} is a link, not a real folder or file, so the launcher does not use it.",
        "Remove the link, then try again.",
    )


def _not_a_folder(path: Path) -> WorkspaceError:
    return WorkspaceError(
        f"{path} is not a folder, so nothing can be saved in it.",
        "Move that file away or choose another folder, then try again.",
    )


def _lexical(path: Path) -> Path:
    # As written, ``..`` folded: resolving would follow the very links being guarded against.
    return Path(os.path.abspath(path))  # noqa: PTH100


def _parts_below(path: Path, root: Path | None) -> tuple[str, ...] | None:
    """``path``'s parts below ``root`` when it lies inside (as written, or below ``root``
    with ``root``'s own links resolved); None when it is elsewhere."""
    if root is None:
        return None
    written = _lexical(path)
    for base in (_lexical(root), root.resolve()):
        with contextlib.suppress(ValueError):
            return written.relative_to(base).parts
    return None


def _is_link(st: os.stat_result) -> bool:
    return stat.S_ISLNK(st.st_mode) or bool(getattr(st, "st_file_attributes", 0) & _REPARSE_POINT)


class PinnedFolder:
    """A folder held open (where the system allows it), so names are looked up in it and
    not through whatever a path leads to now."""

    def __init__(self, path: Path, fd: int | None) -> None:
        self.path = path
        self._fd = fd

    def create_file(self, name_hint: str) -> tuple[BinaryIO, str]:
        """A new, empty file (0600) under an unguessable hidden name based on ``name_hint``."""
        name = f".{name_hint}.{secrets.token_hex(8)}.part"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _EXTRA
        if self._fd is not None:
            fd = os.open(name, flags, 0o600, dir_fd=self._fd)
        else:
            fd = os.open(self.path / name, flags, 0o600)
        return os.fdopen(fd, "wb"), name

    def place(self, partial: str, name: str) -> str:
        """Give ``partial`` the name ``name``, or ``name`` with ``-2``, ``-3`` … before its
        suffix when a real file already has it (two backups in one second); returns the
        name used. A link in the way is replaced, never followed."""
        stem, dot, suffix = name.rpartition(".") if "." in name else (name, "", "")
        for count in itertools.count(1):
            candidate = name if count == 1 else f"{stem}-{count}{dot}{suffix}"
            try:
                st = self._lstat(candidate)
            except FileNotFoundError:
                st = None
            if st is None or _is_link(st):
                self._replace(partial, candidate)
                return candidate
        raise AssertionError("unreachable")

    def _lstat(self, name: str) -> os.stat_result:
        if self._fd is None:
            return os.lstat(self.path / name)
        return os.lstat(name, dir_fd=self._fd)

    def _replace(self, old: str, new: str) -> None:
        if self._fd is None:
            (self.path / old).replace(self.path / new)
            return
        os.replace(old, new, src_dir_fd=self._fd, dst_dir_fd=self._fd)
        with contextlib.suppress(OSError):
            os.fsync(self._fd)

    def remove(self, name: str) -> None:
        if self._fd is None:
            (self.path / name).unlink(missing_ok=True)
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=self._fd)

    def open_regular(self, name: str) -> BinaryIO:
        """``name`` opened for reading, refused unless it is a regular file (no link)."""
        shown = self.path / name
        flags = os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _EXTRA
        try:
            if self._fd is None and _is_link(os.lstat(shown)):
                raise _link_refused(shown)
            fd = (
                os.open(name, flags, dir_fd=self._fd)
                if self._fd is not None
                else os.open(shown, flags)
            )
        except FileNotFoundError:
            raise
        except OSError:
            if self._fd is not None and _is_link(os.lstat(name, dir_fd=self._fd)):
                raise _link_refused(shown) from None
            raise
        handle = os.fdopen(fd, "rb")
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            handle.close()
            raise WorkspaceError(
                f"{shown} is not a regular file, so the launcher does not read it.",
                "Choose a backup file the launcher made (in the backups folder).",
            )
        return handle


def _open_part(fd: int, name: str, create: bool) -> int:
    flags = os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _EXTRA
    try:
        return os.open(name, flags, dir_fd=fd)
    except FileNotFoundError:
        if not create:
            raise
    with contextlib.suppress(FileExistsError):  # made by someone else meanwhile: look again
        os.mkdir(name, 0o777, dir_fd=fd)
    return _open_part(fd, name, create=False)


def _checked_parts(start: Path, parts: tuple[str, ...], create: bool) -> Path:
    """Without dir_fd: each part must be a real folder, checked with lstat."""
    path = start
    for name in parts:
        path = path / name
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            if not create:
                raise
            path.mkdir(exist_ok=True)
            st = os.lstat(path)
        if _is_link(st):
            raise _link_refused(path)
        if not stat.S_ISDIR(st.st_mode):
            raise _not_a_folder(path)
    return path


@contextlib.contextmanager
def pinned_folder(path: Path, root: Path | None, *, create: bool) -> Iterator[PinnedFolder]:
    """The folder ``path``, held open. Inside ``root`` (the student's folder, which the
    container can change) no part below ``root`` may be a link; elsewhere (a folder the
    student named) only the last part is checked."""
    path = _lexical(path)
    parts = _parts_below(path, root)
    if parts is None:
        start, parts = path.parent, (path.name,)
        if create:
            start.mkdir(parents=True, exist_ok=True)
    else:
        assert root is not None
        start = root
    if not _WITH_DIR_FD:
        yield PinnedFolder(_checked_parts(start, parts, create), None)
        return
    fd = os.open(start, os.O_RDONLY | _DIRECTORY | _EXTRA)
    shown = start
    try:
        for name in parts:
            shown = shown / name
            try:
                next_fd = _open_part(fd, name, create)
            except OSError as exc:
                if isinstance(exc, FileNotFoundError):
                    raise
                st = os.lstat(name, dir_fd=fd)
                if _is_link(st):
                    raise _link_refused(shown) from None
                raise _not_a_folder(shown) from None
            os.close(fd)
            fd = next_fd
        yield PinnedFolder(path, fd)
    finally:
        os.close(fd)


def open_regular_file(path: Path, root: Path | None) -> BinaryIO:
    """``path`` opened for reading: a regular file, reached through no link below ``root``
    and no link itself."""
    path = _lexical(path)
    with pinned_folder(path.parent, root, create=False) as folder:
        return folder.open_regular(path.name)
