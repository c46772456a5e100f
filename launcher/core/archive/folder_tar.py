"""The student's folder as the ``folder.tar`` member of a take-away file, and back.

Writing: plain files and folders only, walked without following links (the container
can plant links in the folder; a link to ``~/.ssh`` must not carry the student's keys
away), each file opened with ``O_NOFOLLOW`` and checked to be a regular file.

Reading: the member comes from a file that may be hostile, so nothing in it is
extracted through ``tarfile``'s own extraction. Every entry must be a plain file or
folder with a relative name (no ``..``, no absolute or drive name, no link, device
or FIFO) or the whole file is refused. Entries are written, created exclusively, into
a new hidden folder next to the chosen one that only the launcher writes in; the bytes
are hashed on the way, and only when the hash matches ``SHA256SUMS`` is the new folder
renamed to the chosen name. Anything else removes it again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO, cast

from launcher.core.archive.format import CHUNK
from launcher.core.errors import ArchiveError, WorkspaceError
from launcher.core.operation import CancelToken

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)


@dataclass(frozen=True)
class FolderSize:
    files: int
    size: int
    skipped: tuple[str, ...]  # links and other non-files, left out


def _entries(folder: Path) -> Iterator[tuple[str, str, int | None]]:
    """(relative name, kind, dir fd) for each entry; kind: "dir", "file" or "other"."""
    if hasattr(os, "fwalk"):
        for root, dirs, files, root_fd in os.fwalk(folder, follow_symlinks=False):
            rel = Path(root).relative_to(folder)
            for name in sorted(dirs):
                yield (rel / name).as_posix(), "dir", root_fd
            for name in sorted(files):
                st = os.stat(name, dir_fd=root_fd, follow_symlinks=False)
                kind = "file" if stat.S_ISREG(st.st_mode) else "other"
                yield (rel / name).as_posix(), kind, root_fd
            dirs.sort()
        return
    for root, dirs, files in os.walk(folder):  # Windows: no dir_fd
        rel = Path(root).relative_to(folder)
        for name in sorted(dirs):
            yield (rel / name).as_posix(), "dir", None
        for name in sorted(files):
            st = (Path(root) / name).lstat()
            kind = "file" if stat.S_ISREG(st.st_mode) else "other"
            yield (rel / name).as_posix(), kind, None


def _open_file(folder: Path, rel: str, dir_fd: int | None) -> BinaryIO:
    flags = os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _BINARY
    if dir_fd is not None:
        fd = os.open(PurePosixPath(rel).name, flags, dir_fd=dir_fd)
    else:
        fd = os.open(folder / rel, flags)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"{rel} is not a plain file")
    return os.fdopen(fd, "rb")


def measure_folder(folder: Path) -> FolderSize:
    files, size, skipped = 0, 0, []
    for rel, kind, dir_fd in _entries(folder):
        if kind == "file":
            files += 1
            st = (
                os.stat(PurePosixPath(rel).name, dir_fd=dir_fd, follow_symlinks=False)
                if (dir_fd is not None)
                else (folder / rel).lstat()
            )
            size += st.st_size
        elif kind == "other":
            skipped.append(rel)
    return FolderSize(files, size, tuple(skipped))


def write_folder_tar(folder: Path, out: IO[bytes], cancel: CancelToken) -> None:
    """A tar stream of ``folder``'s plain files and folders, written to ``out``."""
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for rel, kind, dir_fd in _entries(folder):
            cancel.check()
            if kind == "dir":
                info = tarfile.TarInfo(rel)
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            elif kind == "file":
                with _open_file(folder, rel, dir_fd) as source:
                    st = os.fstat(source.fileno())
                    info = tarfile.TarInfo(rel)
                    info.size, info.mtime = st.st_size, int(st.st_mtime)
                    info.mode = 0o755 if st.st_mode & stat.S_IXUSR else 0o644
                    tar.addfile(info, source)


# --- reading -------------------------------------------------------------------


class _CheckedRange:
    """``size`` bytes from ``offset`` of ``handle``, hashed as they are read."""

    def __init__(self, handle: BinaryIO, offset: int, size: int) -> None:
        self.handle, self.position, self.left = handle, offset, size
        self.digest = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        if n <= 0:
            return b""
        self.handle.seek(self.position)
        data = self.handle.read(n)
        if not data:
            raise EOFError
        self.position += len(data)
        self.left -= len(data)
        self.digest.update(data)
        return data

    def drain(self) -> str:
        while self.read(CHUNK):
            pass
        return self.digest.hexdigest()


def _hostile(path: Path, what: str) -> ArchiveError:
    return ArchiveError(
        f"The file {path} cannot be imported: its folder part {what}, which could write "
        "outside the folder you chose.",
        "Nothing was written. Ask for a new file made with the launcher's Export.",
    )


def _safe_parts(path: Path, member: tarfile.TarInfo) -> tuple[str, ...]:
    name = member.name
    parts = PurePosixPath(name).parts
    if (
        not parts
        or name.startswith(("/", "\\"))
        or any(p in ("", ".", "..") or "\\" in p or ":" in p or "\0" in p for p in parts)
    ):
        raise _hostile(path, f"holds the name {name!r}")
    if not (member.isreg() or member.isdir()):
        raise _hostile(path, f"holds {name!r}, which is a link or a device, not a plain file")
    return parts


def check_folder_target(target: Path) -> None:
    """``target`` may receive an imported folder: it does not exist yet, or is empty."""
    if target.is_symlink():
        raise WorkspaceError(
            f"{target} is a link; the folder is restored into a real folder only.",
            "Choose a new folder (--folder DIR).",
        )
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise WorkspaceError(
            f"{target} already exists and is not empty; the folder in the file is never "
            "restored over files that are there.",
            "Choose a new or empty folder (--folder DIR), then import again.",
        )
    if not target.parent.is_dir():
        raise WorkspaceError(
            f"The folder {target.parent} does not exist.", "Choose a folder that exists."
        )


def _write_entry(
    path: Path, staging: Path, tar: tarfile.TarFile, member: tarfile.TarInfo
) -> None:  # fmt: skip
    parts = _safe_parts(path, member)
    destination = staging.joinpath(*parts)
    destination.parent.mkdir(parents=True, exist_ok=True)  # only our own folders there
    if member.isdir():
        destination.mkdir(mode=0o755, exist_ok=True)
        return
    mode = 0o755 if member.mode & stat.S_IXUSR else 0o644
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY
    source = tar.extractfile(member)
    assert source is not None, "a regular member has contents"
    with os.fdopen(os.open(destination, flags, mode), "wb") as out:
        shutil.copyfileobj(source, out, CHUNK)


def restore_folder(
    path: Path,
    handle: BinaryIO,
    part: tuple[int, int, str],
    target: Path,
    cancel: CancelToken,
    on_entry: Callable[[str], None] | None = None,
) -> None:
    """Extract the folder member ``part`` (offset, size, sha256) into the new ``target``."""
    check_folder_target(target)
    offset, size, sha256 = part
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        source = _CheckedRange(handle, offset, size)
        try:
            with tarfile.open(fileobj=cast(IO[bytes], source), mode="r|") as tar:
                for member in tar:
                    cancel.check()
                    _write_entry(path, staging, tar, member)
                    if on_entry is not None:
                        on_entry(member.name)
        except (tarfile.TarError, EOFError) as exc:
            raise ArchiveError(
                f"The file {path} cannot be imported: its folder part is damaged ({exc}).",
                "Nothing was written. Copy the file again, or ask for a new one.",
            ) from None
        except (FileExistsError, NotADirectoryError) as exc:
            raise _hostile(path, f"holds {exc.filename} twice") from None
        except OSError as exc:
            raise WorkspaceError(
                f"Your folder could not be restored into {target} ({exc.strerror or exc}); "
                "nothing was kept.",
                "Check that there is free space and that you may write there, then try again.",
            ) from None
        if source.drain() != sha256:
            raise ArchiveError(
                f"The file {path} cannot be imported: the checksum of its folder part does "
                "not match.",
                "Nothing was written. Copy the file again, or ask for a new one.",
            )
        staging.chmod(0o755)
        with contextlib.suppress(FileNotFoundError):
            target.rmdir()  # an empty folder the student chose
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
