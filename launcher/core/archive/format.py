"""The take-away file: one course's environment (its image and catalogue entry) as one file.

Format, version 1: an uncompressed tar (GNU headers, so the image may exceed 8 GiB)
holding exactly these members, in this order::

    course-launcher-export.json  what the file is: {"format": "course-launcher-export",
                                 "version": 1, "course": id, "image": reference,
                                 "image_id": "sha256:…", "created": ISO 8601 time,
                                 "launcher": version of the launcher that wrote it}
    course.toml                  the course's catalogue entry: a one-course catalogue
                                 (schema 1, the format of resources/catalogue.toml)
    image.tar                    the image as ``docker save`` writes it, named with the
                                 course's reference, so loading restores the tag
    SHA256SUMS                   ``sha256sum`` lines for the three members above

Version 2 (written only by ``export --with-work``; a file without the student's work
is still written as version 1, so older launchers keep reading it) adds, between
``image.tar`` and ``SHA256SUMS``::

    databases/NAME.backup        one per backup the catalogue declares: the output of
                                 its ``dump`` command, fed to its ``restore`` on import
    folder.tar                   the student's folder: a tar of plain files and folders
                                 only (no links, devices or absolute names)

and its manifest lists them: ``"databases": [NAME, …]``, ``"folder": true``.
``SHA256SUMS`` covers every member before it. A version-1 reader (Course Launcher
before work could be exported) refuses a version-2 file as holding other parts than
a take-away file does, and loads nothing; a version-2 reader reads both.

The file ends with tar's two zero blocks and no padding after them, so a copy cut
short anywhere is detected. By hand::

    tar xf FILE && sha256sum -c SHA256SUMS && docker load -i image.tar

The file is not compressed: export and import then run at disk speed, and the image
member can be read in place (no unpacking to a temporary copy). The image member is
streamed straight from the engine: its header is written first with size 0 and
rewritten once the size is known (the output is a local file, so it can seek).

Reading and checking a file is :mod:`launcher.core.archive.reader`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tarfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO

from launcher.core.catalogue.model import Course
from launcher.core.text import human_size

FORMAT = "course-launcher-export"
VERSION = 2  # the newest this launcher reads; files without work are written as 1
PLAIN_VERSION = 1
MANIFEST = "course-launcher-export.json"
CATALOGUE = "course.toml"
IMAGE = "image.tar"
SUMS = "SHA256SUMS"
MEMBERS = (MANIFEST, CATALOGUE, IMAGE, SUMS)  # version 1, and the frame of version 2
DATABASE_PREFIX = "databases/"
DATABASE_SUFFIX = ".backup"
FOLDER = "folder.tar"
SUFFIX = ".course.tar"  # suggested file name ending
BLOCK = 512
CHUNK = 1024 * 1024
MAX_SMALL_MEMBER = 1024 * 1024


class ArchivePhase(StrEnum):
    EXPORTING = "exporting"
    CHECKING = "checking"
    LOADING = "loading"
    DONE = "done"


_VERBS = {
    ArchivePhase.EXPORTING: "Writing the file",
    ArchivePhase.CHECKING: "Checking the file",
    ArchivePhase.LOADING: "Loading into Docker",
}


@dataclass(frozen=True)
class ArchiveProgress:
    phase: ArchivePhase
    bytes_done: int
    bytes_total: int | None  # None: unknown
    total_is_estimate: bool = False  # export: the engine's image size, close to the file's

    @property
    def fraction(self) -> float | None:
        if self.phase is ArchivePhase.DONE:
            return 1.0
        if not self.bytes_total:
            return None
        return min(1.0, self.bytes_done / self.bytes_total)

    def describe(self) -> str:
        if self.phase is ArchivePhase.DONE:
            return f"Done: {human_size(self.bytes_done)}."
        if self.phase is ArchivePhase.EXPORTING and self.bytes_done == 0:
            return "Docker is preparing the image for export…"
        text = f"{_VERBS[self.phase]}: {human_size(self.bytes_done)}"
        if self.bytes_total:
            about = "about " if self.total_is_estimate else ""
            text += f" of {about}{human_size(self.bytes_total)}"
        return text + "…"


# --- writing -------------------------------------------------------------------


def _header(name: str, size: int, mtime: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode, info.type = size, mtime, 0o644, tarfile.REGTYPE
    header = info.tobuf(tarfile.GNU_FORMAT, "utf-8", "strict")
    assert len(header) == BLOCK, "member names are short: one header block each"
    return header


class ArchiveWriter:
    """Writes the members to a seekable binary file and remembers their checksums."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.sums: dict[str, str] = {}
        self.mtime = int(time.time())

    def add_bytes(self, name: str, data: bytes) -> None:
        self.out.write(_header(name, len(data), self.mtime))
        self.out.write(data)
        self._pad(len(data))
        self.sums[name] = hashlib.sha256(data).hexdigest()

    def add_file(self, name: str, source: BinaryIO, on_bytes: Callable[[int], None]) -> int:
        """Copy an open file as a member; returns its size."""
        return self.add_stream(name, iter(lambda: source.read(CHUNK), b""), on_bytes)

    @contextlib.contextmanager
    def member_sink(self, name: str) -> Iterator[MemberSink]:
        """A member written through a file-like sink (for ``tarfile`` in stream mode)."""
        start = self.out.tell()
        self.out.write(_header(name, 0, self.mtime))
        sink = MemberSink(self.out)
        yield sink
        self._pad(sink.size)
        end = self.out.tell()
        self.out.seek(start)
        self.out.write(_header(name, sink.size, self.mtime))
        self.out.seek(end)
        self.sums[name] = sink.digest.hexdigest()

    def add_stream(
        self, name: str, chunks: Iterable[bytes], on_bytes: Callable[[int], None]
    ) -> int:
        """Write a member of unknown size from ``chunks``; returns its size."""
        start = self.out.tell()
        self.out.write(_header(name, 0, self.mtime))
        digest, size = hashlib.sha256(), 0
        for chunk in chunks:
            self.out.write(chunk)
            digest.update(chunk)
            size += len(chunk)
            on_bytes(size)
        self._pad(size)
        end = self.out.tell()
        self.out.seek(start)
        self.out.write(_header(name, size, self.mtime))
        self.out.seek(end)
        self.sums[name] = digest.hexdigest()
        return size

    def finish(self) -> None:
        """Add ``SHA256SUMS`` and the end-of-archive blocks."""
        sums = "".join(f"{digest}  {name}\n" for name, digest in self.sums.items())
        self.add_bytes(SUMS, sums.encode("ascii"))
        self.out.write(bytes(2 * BLOCK))  # no padding to a 10 kB record: the end is exact

    def _pad(self, size: int) -> None:
        self.out.write(bytes(-size % BLOCK))


class MemberSink:
    """Writes through to the archive and hashes what it writes."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.out.write(data)
        self.digest.update(data)
        self.size += len(data)
        return len(data)


def database_member(name: str) -> str:
    return f"{DATABASE_PREFIX}{name}{DATABASE_SUFFIX}"


def manifest_bytes(
    course: Course,
    image_id: str,
    launcher_version: str,
    *,
    databases: Sequence[str] = (),
    folder: bool = False,
) -> bytes:
    work: dict[str, object] = {}
    if databases or folder:
        work = {"databases": list(databases), "folder": folder}
    data = {
        "format": FORMAT,
        "version": VERSION if work else PLAIN_VERSION,
        "course": course.id,
        "image": course.image,
        "image_id": image_id,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "launcher": launcher_version,
        **work,
    }
    return (json.dumps(data, indent=2) + "\n").encode("utf-8")
