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

import hashlib
import json
import tarfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO

from launcher.core.catalogue.model import Course
from launcher.core.text import human_size

FORMAT = "course-launcher-export"
VERSION = 1
MANIFEST = "course-launcher-export.json"
CATALOGUE = "course.toml"
IMAGE = "image.tar"
SUMS = "SHA256SUMS"
MEMBERS = (MANIFEST, CATALOGUE, IMAGE, SUMS)
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


def manifest_bytes(course: Course, image_id: str, launcher_version: str) -> bytes:
    data = {
        "format": FORMAT,
        "version": VERSION,
        "course": course.id,
        "image": course.image,
        "image_id": image_id,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "launcher": launcher_version,
    }
    return (json.dumps(data, indent=2) + "\n").encode("utf-8")
