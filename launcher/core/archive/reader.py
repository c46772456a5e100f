"""Read a take-away file (format: :mod:`launcher.core.archive.format`), trusting nothing.

:func:`read_export` checks, on one open file, that it holds exactly the four members
in order (no extra, doubled, linked or oddly named member), that the small members
match ``SHA256SUMS`` and describe one course; :func:`verify_export` also hashes the
image member (a whole check without an engine). Import does not read the image twice:
it is hashed while it streams to the engine (:mod:`launcher.core.archive.load_stream`).
A foreign file, a truncated one or a changed byte is an
:class:`~launcher.core.errors.ArchiveError`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, cast

from launcher.core.archive.format import (
    BLOCK,
    CATALOGUE,
    CHUNK,
    DATABASE_PREFIX,
    DATABASE_SUFFIX,
    FOLDER,
    FORMAT,
    IMAGE,
    MANIFEST,
    MAX_SMALL_MEMBER,
    MEMBERS,
    SUFFIX,
    SUMS,
    VERSION,
    ArchivePhase,
    ArchiveProgress,
)
from launcher.core.catalogue.model import Course, parse_catalogue_bytes
from launcher.core.errors import ArchiveError
from launcher.core.operation import CancelToken, Progress

DAMAGED_HINT = (
    "The file is incomplete or damaged: copy it again (check that the copy finished), "
    "or ask for a new one."
)


def damaged(path: Path, what: str) -> ArchiveError:
    return ArchiveError(f"The file {path} cannot be imported: {what}.", DAMAGED_HINT)


def not_ours(path: Path) -> ArchiveError:
    return ArchiveError(
        f"The file {path} is not a course environment exported by Course Launcher.",
        "Choose the file made with Export (or `course-launcher export`); its name usually "
        f"ends in {SUFFIX}.",
    )


@dataclass(frozen=True)
class ExportFile:
    """A take-away file whose checksums were verified."""

    path: Path
    course: Course
    catalogue_text: str
    image: str  # the reference the image is saved under
    image_id: str
    created: str
    image_offset: int  # where image.tar's bytes start in the file
    image_size: int
    image_sha256: str = ""  # from SHA256SUMS: what the image member must hash to
    work: tuple[WorkPart, ...] = ()  # version 2: the databases and the student's folder

    @property
    def databases(self) -> tuple[WorkPart, ...]:
        return tuple(part for part in self.work if part.name != FOLDER)

    @property
    def folder(self) -> WorkPart | None:
        return next((part for part in self.work if part.name == FOLDER), None)


@dataclass(frozen=True)
class WorkPart:
    """A member carrying the student's work; its bytes are checked as they are used."""

    name: str  # the member's name: databases/NAME.backup or folder.tar
    offset: int
    size: int
    sha256: str

    @property
    def database(self) -> str:
        return self.name.removeprefix(DATABASE_PREFIX).removesuffix(DATABASE_SUFFIX)


def _hash_range(
    handle: BinaryIO,
    member: tarfile.TarInfo,
    on_bytes: Callable[[int], None] | None = None,
    cancel: CancelToken | None = None,
) -> tuple[str, bytes]:
    """sha256 of a member's bytes (and the bytes themselves for a small member)."""
    handle.seek(member.offset_data)
    digest, left, kept = hashlib.sha256(), member.size, bytearray()
    while left:
        if cancel is not None:
            cancel.check()
        chunk = handle.read(min(CHUNK, left))
        if not chunk:
            raise EOFError
        digest.update(chunk)
        left -= len(chunk)
        if member.size <= MAX_SMALL_MEMBER:
            kept += chunk
        if on_bytes is not None:
            on_bytes(member.size - left)
    return digest.hexdigest(), bytes(kept)


_DATABASE_NAME = re.compile(
    rf"{re.escape(DATABASE_PREFIX)}[A-Za-z0-9][A-Za-z0-9_.-]{{0,63}}{re.escape(DATABASE_SUFFIX)}"
)


def _work_names_fit(names: list[str]) -> bool:
    """Version 2's extra members: databases (each once), then at most the folder."""
    databases = names[:-1] if names and names[-1] == FOLDER else names
    return len(set(databases)) == len(databases) and all(
        _DATABASE_NAME.fullmatch(name) for name in databases
    )


def _read_sums(path: Path, text: bytes, names: list[str]) -> dict[str, str]:
    sums: dict[str, str] = {}
    for line in text.decode("ascii", "replace").splitlines():
        digest, _, name = line.partition(" ")
        sums[name.lstrip(" *")] = digest.lower()
    if set(sums) != set(names) - {SUMS}:
        raise damaged(path, f"its {SUMS} does not list the expected parts")
    return sums


def _first_name(handle: BinaryIO) -> str:
    handle.seek(0)
    block = handle.read(BLOCK)
    return block[:100].split(b"\0", 1)[0].decode("utf-8", "replace")


def _members(path: Path, handle: BinaryIO) -> dict[str, tarfile.TarInfo]:
    handle.seek(0)
    try:
        with tarfile.open(fileobj=cast(IO[bytes], handle), mode="r:") as tar:
            members = tar.getmembers()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise damaged(path, f"it ends too early or is not a whole tar file ({exc})") from None
    found = {member.name: member for member in members}
    missing = [name for name in MEMBERS if name not in found]
    if missing:
        raise damaged(path, f"parts are missing ({', '.join(missing)}): it is cut short")
    names = [member.name for member in members]
    frame = names[:3] + names[-1:]
    if frame != list(MEMBERS) or not _work_names_fit(names[3:-1]):
        raise ArchiveError(
            f"The file {path} cannot be imported: it holds other parts than a take-away file "
            "does (an extra, doubled or renamed part).",
            "Nothing was loaded. Ask for a file made with the launcher's Export.",
        )
    if any(not member.isreg() for member in members):
        raise damaged(path, "a part is not a plain file")
    return found


def open_export_file(path: Path) -> BinaryIO:
    """``path`` opened for reading; everything is then read through this one handle."""
    try:
        handle = path.open("rb")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        raise ArchiveError(f"There is no file {path}.", "Check the name and the folder.") from None
    except OSError as exc:
        raise ArchiveError(
            f"The file {path} cannot be read ({exc.strerror or exc}).",
            "Check that the disk or USB stick is still connected, then try again.",
        ) from None
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        handle.close()
        raise ArchiveError(f"There is no file {path}.", "Check the name and the folder.")
    return handle


def read_export(
    path: Path,
    handle: BinaryIO,
    *,
    hash_image: bool,
    progress: Progress,
    cancel: CancelToken | None = None,
) -> ExportFile:
    """Check the take-away file open in ``handle``; its image member too if ``hash_image``."""

    def report(done: int) -> None:
        progress(ArchiveProgress(ArchivePhase.CHECKING, done, image.size))

    try:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            raise damaged(path, "it is empty")
        if _first_name(handle) != MANIFEST:
            raise not_ours(path)
        members = _members(path, handle)
        if any(members[name].size > MAX_SMALL_MEMBER for name in MEMBERS if name != IMAGE):
            raise damaged(path, "a part that should be small is far too large")
        image = members[IMAGE]
        sums = _read_sums(path, _hash_range(handle, members[SUMS])[1], list(members))
        work = tuple(
            WorkPart(name, member.offset_data, member.size, sums[name])
            for name, member in members.items()
            if name not in MEMBERS
        )
        if hash_image:  # a whole check: the work's parts too
            for part in work:
                if _hash_range(handle, members[part.name], None, cancel)[0] != part.sha256:
                    raise damaged(path, f"the checksum of its part {part.name} does not match")
        checked: dict[str, bytes] = {}
        for name in MEMBERS[:3]:
            if name == IMAGE and not hash_image:
                continue
            on_bytes = report if name == IMAGE else None
            digest, data = _hash_range(handle, members[name], on_bytes, cancel)
            if digest != sums[name]:
                raise damaged(path, f"the checksum of its part {name} does not match")
            checked[name] = data
        last = members[SUMS]
        if last.offset_data + last.size + (-last.size % BLOCK) + 2 * BLOCK > size:
            raise damaged(path, "it ends too early (its end-of-file marker is missing)")
    except EOFError:
        raise damaged(path, "it ends too early") from None
    except OSError as exc:
        raise ArchiveError(
            f"The file {path} cannot be read ({exc.strerror or exc}).",
            "Check that the disk or USB stick is still connected, then try again.",
        ) from None
    return _read_contents(path, checked, image, sums[IMAGE], work)


def declares_work(path: Path) -> bool:
    """Whether the file's (not yet checked) manifest says it carries the student's work:
    only to know whether to ask for a folder first; import checks everything."""
    try:
        with path.open("rb") as handle:
            header = tarfile.TarInfo.frombuf(handle.read(BLOCK), "utf-8", "strict")
            if header.name != MANIFEST or header.size > MAX_SMALL_MEMBER:
                return False
            info = json.loads(handle.read(header.size))
    except (OSError, ValueError, tarfile.TarError):
        return False
    return isinstance(info, dict) and bool(info.get("databases") or info.get("folder"))


def verify_export(
    path: Path, *, progress: Progress, cancel: CancelToken | None = None
) -> ExportFile:
    """Check that ``path`` is a whole, unchanged take-away file, every byte of it."""
    with open_export_file(path) as handle:
        return read_export(path, handle, hash_image=True, progress=progress, cancel=cancel)


def _check_declared_work(
    path: Path, info: dict[str, object], version: int, work: tuple[WorkPart, ...]
) -> None:
    """The work members present are exactly those the (checksummed) manifest lists."""
    databases = info.get("databases", [])
    declared = [
        f"{DATABASE_PREFIX}{name}{DATABASE_SUFFIX}"
        for name in (databases if isinstance(databases, list) else [None])
    ] + ([FOLDER] if info.get("folder") is True else [])
    if [part.name for part in work] != declared or (work and version < 2):
        raise damaged(path, "its parts are not the ones its description lists")


def _read_contents(
    path: Path,
    checked: dict[str, bytes],
    image: tarfile.TarInfo,
    image_sha256: str,
    work: tuple[WorkPart, ...],
) -> ExportFile:
    try:
        info = json.loads(checked[MANIFEST])
    except ValueError:
        info = None
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise not_ours(path)
    version = info.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise ArchiveError(
            f"The file {path} was made by a newer Course Launcher (format {version}).",
            "Update Course Launcher to its newest version, then import the file again.",
        )
    catalogue_text = checked[CATALOGUE].decode("utf-8", "replace")
    catalogue = parse_catalogue_bytes(checked[CATALOGUE], f"{path} ({CATALOGUE})")
    course_id, image_ref = info.get("course"), info.get("image")
    if len(catalogue) != 1 or catalogue.courses[0].id != course_id:
        raise damaged(path, f"its {CATALOGUE} does not describe the course {course_id}")
    course = catalogue.courses[0]
    if course.image != image_ref:
        raise damaged(path, f"its {CATALOGUE} names another image than the one it holds")
    _check_declared_work(path, info, version, work)
    return ExportFile(
        path=path,
        course=course,
        catalogue_text=catalogue_text,
        image=course.image,
        image_id=str(info.get("image_id") or ""),
        created=str(info.get("created") or ""),
        image_offset=image.offset_data,
        image_size=image.size,
        image_sha256=image_sha256,
        work=work,
    )
