"""The take-away file without an engine: writing, verifying, refusing damaged files."""

from __future__ import annotations

import hashlib
import io
import subprocess
import tarfile
from pathlib import Path

import pytest
from hypothesis import given

from launcher.core.archive.format import (
    IMAGE,
    MEMBERS,
    SUMS,
    ArchivePhase,
    ArchiveProgress,
    ArchiveWriter,
    _header,
    manifest_bytes,
)
from launcher.core.archive.image_tar import CheckedRanges
from launcher.core.archive.load_stream import CheckedImageStream
from launcher.core.archive.reader import verify_export
from launcher.core.catalogue.model import Catalogue, Course, parse_catalogue
from launcher.core.catalogue.writer import course_to_toml
from launcher.core.errors import ArchiveError, Cancelled
from launcher.core.operation import CancelToken
from tests.helpers.archive import COURSE
from tests.helpers.strategies import FAST, courses

IMAGE_BYTES = bytes(range(256)) * 5000 + b"end"  # not a multiple of 512


@FAST
@given(courses("c-1"))
def test_course_toml_round_trips(course: Course) -> None:
    text = course_to_toml(course, "a comment\nover two lines")
    assert parse_catalogue(text, "x.toml") == Catalogue((course,))


def write(path: Path, image: bytes = IMAGE_BYTES, course: Course = COURSE) -> None:
    with path.open("w+b") as out:
        writer = ArchiveWriter(out)
        writer.add_bytes(MEMBERS[0], manifest_bytes(course, "sha256:" + "a" * 64, "0.1"))
        writer.add_bytes(MEMBERS[1], course_to_toml(course).encode())
        seen: list[int] = []
        chunks = (image[i : i + 65536] for i in range(0, len(image), 65536))
        assert writer.add_stream(IMAGE, chunks, seen.append) == len(image)
        assert seen[-1] == len(image)
        writer.finish()


def test_written_file_is_a_plain_tar_that_sha256sum_checks(tmp_path: Path) -> None:
    path = tmp_path / "x.course.tar"
    write(path)
    with tarfile.open(path) as tar:
        assert tar.getnames() == list(MEMBERS)
        tar.extractall(tmp_path / "out", filter="data")
    assert (tmp_path / "out" / IMAGE).read_bytes() == IMAGE_BYTES
    checked = subprocess.run(
        ["sha256sum", "-c", SUMS], cwd=tmp_path / "out", capture_output=True, check=False
    )
    assert checked.returncode == 0, checked.stdout
    seen: list[ArchiveProgress] = []
    export = verify_export(path, progress=seen.append)
    assert export.course == COURSE and export.image == COURSE.image
    assert export.image_size == len(IMAGE_BYTES)
    assert seen[-1].phase is ArchivePhase.CHECKING and seen[-1].bytes_done == len(IMAGE_BYTES)
    with path.open("rb") as handle:
        reader = CheckedImageStream(
            path, handle, export.image_offset, export.image_size, export.image_sha256,
            CheckedRanges(()), seen.append, CancelToken(),
        )  # fmt: skip
        assert len(reader) == len(IMAGE_BYTES)
        assert b"".join(iter(lambda: reader.read(10000), b"")) == IMAGE_BYTES


def test_every_truncation_and_any_changed_byte_is_refused(tmp_path: Path) -> None:
    whole = tmp_path / "whole.tar"
    write(whole)
    data = whole.read_bytes()
    cut = tmp_path / "cut.tar"
    # Cuts inside each member and its header, and just before the end blocks.
    for size in (0, 100, 512, 1500, 3000, len(data) // 2, len(data) - 11000, len(data) - 1500):
        cut.write_bytes(data[:size])
        with pytest.raises(ArchiveError) as caught:
            verify_export(cut, progress=lambda _: None)
        assert "incomplete or damaged" in caught.value.hint or "not a course" in str(caught.value)
    changed = bytearray(data)
    changed[len(data) // 2] ^= 1
    cut.write_bytes(bytes(changed))
    with pytest.raises(ArchiveError, match=r"checksum of its part image\.tar"):
        verify_export(cut, progress=lambda _: None)


def test_foreign_files_are_named_as_such(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello " * 200)
    other = tmp_path / "other.tar"
    with tarfile.open(other, "w") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"[]"))
    for path in (text, other):
        with pytest.raises(ArchiveError, match="not a course environment exported"):
            verify_export(path, progress=lambda _: None)
    with pytest.raises(ArchiveError, match="There is no file"):
        verify_export(tmp_path / "missing.tar", progress=lambda _: None)


def test_headers_stay_one_block_for_images_over_8_gib() -> None:
    assert len(_header(IMAGE, 20 * 2**30, 0)) == 512
    info = tarfile.TarInfo.frombuf(_header(IMAGE, 20 * 2**30, 0), "utf-8", "strict")
    assert info.size == 20 * 2**30


def test_member_reader_stops_when_cancelled(tmp_path: Path) -> None:
    path = tmp_path / "x.tar"
    write(path)
    cancel = CancelToken()
    with path.open("rb") as handle:
        first = hashlib.sha256(path.read_bytes()[:4096]).hexdigest()
        reader = CheckedImageStream(
            path, handle, 0, 4096, first, CheckedRanges(()), lambda _: None, cancel
        )
        reader.read(100)
        cancel.cancel()
        with pytest.raises(Cancelled):
            reader.read(100)
