"""What a take-away file's image.tar would name, read in place, and the checked stream
that sends it (real files, no engine)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from urllib3.util.request import body_to_chunks

from launcher.core.archive.format import IMAGE, ArchiveWriter, manifest_bytes
from launcher.core.archive.image_tar import check_image_names
from launcher.core.archive.load_stream import HELD_BACK, PIECE, CheckedImageStream, UploadBody
from launcher.core.archive.reader import open_export_file, read_export
from launcher.core.catalogue.writer import course_to_toml
from launcher.core.errors import ArchiveError
from launcher.core.operation import CancelToken
from tests.helpers.archive import COURSE

CONFIG = b'{"architecture": "amd64"}'
IMAGE_ID = "sha256:" + hashlib.sha256(CONFIG).hexdigest()
LAYER = bytes(range(256)) * 4000


def image_tar(
    tags: list[str] | None = None,
    *,
    extra: dict[str, bytes] | None = None,
    entries: int = 1,
) -> bytes:
    """An archive laid out as ``docker save`` writes it."""
    hex_id = IMAGE_ID.removeprefix("sha256:")
    entry = {
        "Config": f"{hex_id}.json",
        "RepoTags": [COURSE.image] if tags is None else tags,
        "Layers": ["abc/layer.tar"],
    }
    members = {
        "abc/layer.tar": LAYER,
        f"{hex_id}.json": CONFIG,
        "manifest.json": json.dumps([entry] * entries).encode(),
        **(extra or {}),
    }
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name.removesuffix("#2"))
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def take_away(path: Path, inner: bytes, image_id: str = IMAGE_ID) -> Path:
    with path.open("w+b") as out:
        writer = ArchiveWriter(out)
        writer.add_bytes("course-launcher-export.json", manifest_bytes(COURSE, image_id, "0.1"))
        writer.add_bytes("course.toml", course_to_toml(COURSE).encode())
        writer.add_stream(IMAGE, [inner], lambda _: None)
        writer.finish()
    return path


def check(path: Path) -> None:
    with open_export_file(path) as handle:
        export = read_export(path, handle, hash_image=False, progress=lambda _: None)
        check_image_names(
            path, handle, export.image_offset, export.image_size, export.image, export.image_id
        )


def test_an_archive_naming_only_the_course_image_passes(tmp_path: Path) -> None:
    check(take_away(tmp_path / "ok.tar", image_tar()))
    short = COURSE.image.rpartition(":")[0] + ":24j"  # the same name written otherwise
    check(take_away(tmp_path / "same.tar", image_tar([short])))
    check(take_away(tmp_path / "digest.tar", image_tar([])))  # saved by digest: no name


@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        (
            image_tar([COURSE.image, "python:3.12"]),
            "also rename docker.io/library/python:3.12|also rename python:3.12",
        ),
        (image_tar(["ubuntu:latest"]), "rename ubuntu:latest"),
        (image_tar(extra={"repositories": b'{"ubuntu": {"latest": "x"}}'}), "rename ubuntu:latest"),
        (
            image_tar(
                extra={
                    "index.json": json.dumps(
                        {"manifests": [{"annotations": {"io.containerd.image.name": "busybox:1"}}]}
                    ).encode()
                }
            ),
            "rename busybox:1",
        ),
        (image_tar(entries=2), "holds 2 images"),
        (image_tar(extra={"manifest.json#2": b"[]"}), "doubled"),
        (image_tar(extra={"../../escape": b"x"}), None),
    ],
)
def test_an_archive_naming_other_images_is_refused(
    tmp_path: Path, inner: bytes, expected: str | None
) -> None:
    path = take_away(tmp_path / "bad.tar", inner)
    if expected is None:  # an odd name inside image.tar is the engine's to refuse
        check(path)
        return
    with pytest.raises(ArchiveError, match=expected):
        check(path)


def test_an_archive_of_another_image_than_declared_is_refused(tmp_path: Path) -> None:
    path = take_away(tmp_path / "other.tar", image_tar(), image_id="sha256:" + "b" * 64)
    with pytest.raises(ArchiveError, match="not the one its description names"):
        check(path)


def test_extra_members_in_the_take_away_file_are_refused(tmp_path: Path) -> None:
    path = take_away(tmp_path / "x.tar", image_tar())
    data = path.read_bytes().rstrip(b"\0")
    data += bytes(-len(data) % 512)
    extra = io.BytesIO()
    with tarfile.open(fileobj=extra, mode="w") as tar:
        link = tarfile.TarInfo("../../etc/passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/shadow"
        tar.addfile(link)
    path.write_bytes(data + extra.getvalue())
    with pytest.raises(ArchiveError, match="other parts than a take-away file"):
        check(path)


@contextlib.contextmanager
def stream(path: Path) -> Iterator[CheckedImageStream]:
    with open_export_file(path) as handle:
        export = read_export(path, handle, hash_image=False, progress=lambda _: None)
        checked = check_image_names(
            path, handle, export.image_offset, export.image_size, export.image, export.image_id
        )
        yield CheckedImageStream(
            path, handle, export.image_offset, export.image_size, export.image_sha256, checked,
            lambda _: None, CancelToken(),
        )  # fmt: skip


def test_the_stream_sends_exactly_the_member(tmp_path: Path) -> None:
    inner = image_tar()
    with stream(take_away(tmp_path / "ok.tar", inner)) as body:
        sent = b"".join(iter(lambda: body.read(8192), b""))
        assert sent == inner and len(body) == len(inner) and body.complete


def test_the_upload_goes_in_big_pieces_with_its_length_announced(tmp_path: Path) -> None:
    inner = image_tar(extra={"def/layer.tar": LAYER * 3})  # about 4 MB: several pieces
    with stream(take_away(tmp_path / "ok.tar", inner)) as checked:
        body = UploadBody(checked)
        request = requests.Request("POST", "http://engine/images/load", data=body).prepare()
        assert request.headers["Content-Length"] == str(len(inner))
        assert "Transfer-Encoding" not in request.headers
        # what the HTTP client sends: our pieces, not its own 16 kB reads
        pieces = list(body_to_chunks(body, method="POST", blocksize=16384).chunks or [])
        assert b"".join(pieces) == inner and checked.complete
        whole = len(inner) // PIECE
        assert whole >= 3 and [len(p) for p in pieces[:2]] == [PIECE, PIECE]
        assert len(pieces) in (whole, whole + 1) and len(pieces[-1]) <= PIECE + HELD_BACK


@pytest.mark.parametrize("where", ["layer", "manifest"])
def test_a_change_after_the_check_stops_short_of_the_archive_end(
    tmp_path: Path, where: str
) -> None:
    inner = image_tar()
    path = take_away(tmp_path / "x.tar", inner)
    start = path.read_bytes().index(inner)
    offset = inner.index(LAYER) + 500_000 if where == "layer" else inner.index(b'"RepoTags"')
    expected = "checksum of its part image.tar" if where == "layer" else "changed while"
    with stream(path) as body:
        sent = body.read(8192)
        with path.open("r+b") as out:  # the file is rewritten while it is being sent
            out.seek(start + offset)
            out.write(b"X")
        with pytest.raises(ArchiveError, match=expected):
            while chunk := body.read(8192):
                sent += chunk
        assert len(sent) < len(inner) - 1024 and not body.complete  # no end blocks sent
