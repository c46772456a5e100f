"""Version 2 take-away files without an engine: the work's parts are covered by the
checksums, a file's folder part is restored only inside the chosen folder, and a
hostile folder part (escaping names, links, devices) writes nothing anywhere."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest

from launcher.core.archive.folder_tar import measure_folder, restore_folder, write_folder_tar
from launcher.core.archive.format import (
    CATALOGUE,
    FOLDER,
    IMAGE,
    MANIFEST,
    ArchiveWriter,
    database_member,
    manifest_bytes,
)
from launcher.core.archive.reader import declares_work, verify_export
from launcher.core.catalogue.writer import course_to_toml
from launcher.core.errors import ArchiveError, WorkspaceError
from launcher.core.operation import CancelToken
from tests.helpers.archive import COURSE


def make_folder(root: Path) -> Path:
    folder = root / "work"
    (folder / "data" / "deep").mkdir(parents=True)
    (folder / "notes.md").write_text("# notes\n")
    (folder / "data" / "deep" / "rows.csv").write_bytes(b"1,2\n" * 3000)
    (folder / "run.sh").write_text("#!/bin/sh\n")
    (folder / "run.sh").chmod(0o755)
    (folder / "data" / "to-passwd").symlink_to("/etc/passwd")
    os.mkfifo(folder / "pipe")
    return folder


def tree(folder: Path) -> dict[str, bytes | None]:
    """Folders and plain files (links and FIFOs as names only: reading them could hang)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() and not p.is_symlink() else None
        for p in sorted(folder.rglob("*"))
    }


def write_v2(path: Path, folder: Path, *, declared: list[str] | None = None) -> None:
    with path.open("w+b") as out:
        writer = ArchiveWriter(out)
        databases = ["postgres"] if declared is None else declared
        manifest = manifest_bytes(
            COURSE, "sha256:" + "a" * 64, "0.1", databases=databases, folder=True
        )
        writer.add_bytes(MANIFEST, manifest)
        writer.add_bytes(CATALOGUE, course_to_toml(COURSE).encode())
        writer.add_bytes(IMAGE, b"not an image, never loaded here")
        writer.add_bytes(database_member("postgres"), b"-- a dump\n")
        with writer.member_sink(FOLDER) as sink:
            write_folder_tar(folder, sink, CancelToken())  # type: ignore[arg-type]
        writer.finish()


def folder_part(path: Path) -> tuple[int, int, str]:
    export = verify_export(path, progress=lambda _p: None)
    part = export.folder
    assert part is not None
    return part.offset, part.size, part.sha256


def test_folder_round_trips_without_links_or_devices(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    size = measure_folder(folder)
    assert size.files == 3 and sorted(size.skipped) == ["data/to-passwd", "pipe"]
    path = tmp_path / "x.course.tar"
    write_v2(path, folder)
    export = verify_export(path, progress=lambda _p: None)
    assert [part.database for part in export.databases] == ["postgres"]
    target = tmp_path / "restored"
    with path.open("rb") as handle:
        restore_folder(path, handle, folder_part(path), target, CancelToken())
    expected = {k: v for k, v in tree(folder).items() if k not in ("data/to-passwd", "pipe")}
    assert expected["data/deep/rows.csv"] == b"1,2\n" * 3000
    assert tree(target) == expected
    assert os.access(target / "run.sh", os.X_OK)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_declares_work_tells_a_file_with_work_from_one_without(tmp_path: Path) -> None:
    with_work = tmp_path / "work.course.tar"
    write_v2(with_work, make_folder(tmp_path))
    assert declares_work(with_work)
    plain = tmp_path / "plain.course.tar"
    with plain.open("w+b") as out:
        writer = ArchiveWriter(out)
        writer.add_bytes(MANIFEST, manifest_bytes(COURSE, "sha256:" + "a" * 64, "0.1"))
        writer.add_bytes(CATALOGUE, course_to_toml(COURSE).encode())
        writer.add_bytes(IMAGE, b"x")
        writer.finish()
    assert verify_export(plain, progress=lambda _p: None).work == ()
    assert b'"version": 1' in plain.read_bytes()[:2048]  # old readers still read it
    assert not declares_work(plain)
    assert not declares_work(tmp_path / "missing.course.tar")


def test_a_work_part_the_manifest_does_not_list_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.course.tar"
    write_v2(path, make_folder(tmp_path), declared=[])
    with pytest.raises(ArchiveError, match="not the ones its description lists"):
        verify_export(path, progress=lambda _p: None)


def test_a_changed_byte_in_the_folder_part_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.course.tar"
    write_v2(path, make_folder(tmp_path))
    offset, size, sha256 = folder_part(path)
    data = bytearray(path.read_bytes())
    at = data.index(b"1,2\n", offset)
    data[at] = ord("9")
    path.write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match=r"checksum of its part folder\.tar"):
        verify_export(path, progress=lambda _p: None)
    target = tmp_path / "restored"
    with path.open("rb") as handle, pytest.raises(ArchiveError, match="checksum"):
        restore_folder(path, handle, (offset, size, sha256), target, CancelToken())
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def hostile_tar(member: tarfile.TarInfo, data: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        ok = tarfile.TarInfo("fine.txt")
        ok.size = 2
        tar.addfile(ok, io.BytesIO(b"ok"))
        member.size = len(data) if member.isreg() else 0
        tar.addfile(member, io.BytesIO(data) if member.isreg() else None)
    return buffer.getvalue()


def _member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


@pytest.mark.parametrize(
    "member",
    [
        _member("../escaped.txt"),
        _member("a/../../escaped.txt"),
        _member("/tmp/escaped.txt"),
        _member("C:\\escaped.txt"),
        _member("link", tarfile.SYMTYPE, "/etc"),
        _member("hard", tarfile.LNKTYPE, "/etc/passwd"),
        _member("dev", tarfile.CHRTYPE),
        _member("fifo", tarfile.FIFOTYPE),
    ],
    ids=["dotdot", "inner-dotdot", "absolute", "drive", "symlink", "hardlink", "device", "fifo"],
)
def test_a_hostile_folder_part_writes_nothing_anywhere(
    tmp_path: Path, member: tarfile.TarInfo
) -> None:
    data = hostile_tar(member, b"pwned")
    source = tmp_path / "hostile.bin"
    source.write_bytes(data)
    area = tmp_path / "area"
    area.mkdir()
    target = area / "restored"
    with source.open("rb") as handle, pytest.raises(ArchiveError, match="outside the folder"):
        restore_folder(
            source, handle, (0, len(data), hashlib.sha256(data).hexdigest()), target,
            CancelToken(),
        )  # fmt: skip
    assert list(area.iterdir()) == []  # no target, no half-written hidden folder
    assert not (tmp_path / "escaped.txt").exists()


def test_a_folder_is_never_restored_over_one_that_has_files(tmp_path: Path) -> None:
    folder = make_folder(tmp_path)
    path = tmp_path / "x.course.tar"
    write_v2(path, folder)
    target = tmp_path / "mine"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with path.open("rb") as handle, pytest.raises(WorkspaceError, match="not empty"):
        restore_folder(path, handle, folder_part(path), target, CancelToken())
    assert tree(target) == {"keep.txt": b"mine"}
    empty = tmp_path / "empty"
    empty.mkdir()
    with path.open("rb") as handle:
        restore_folder(path, handle, folder_part(path), empty, CancelToken())
    assert (empty / "notes.md").read_text() == "# notes\n"
