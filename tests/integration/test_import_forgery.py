"""A take-away file names exactly one image, the course's, on the real engine: a file
whose image.tar also names another image, one that changes while it is loaded, or one
that would replace the image of a course from another catalogue is refused, and every
name on the engine still points where it did."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import IO

import docker
import pytest

from launcher.core.archive.format import CATALOGUE, IMAGE, MANIFEST, ArchiveWriter
from launcher.core.archive.transfer import export_course, import_course
from launcher.core.errors import ArchiveError
from launcher.core.launcher import Launcher
from tests.testbed.testbed import TestbedState


def engine_names(client: docker.DockerClient) -> dict[str, str]:
    return {tag: image.id for image in client.images.list(all=True) for tag in image.tags}


def image_ids(client: docker.DockerClient) -> set[str]:
    return {image.id for image in client.images.list(all=True)}


def inner_member(path: Path, name: str) -> tuple[int, bytes]:
    """Where ``name`` inside the file's image.tar starts in the file, and its bytes."""
    with tarfile.open(path) as outer:
        image = outer.getmember(IMAGE)
        handle = outer.extractfile(image)
        assert handle is not None
        with tarfile.open(fileobj=handle) as inner:
            member = inner.getmember(name)
            data = inner.extractfile(member)
            assert data is not None
            return image.offset_data + member.offset_data, data.read()


def rewrite_take_away(
    source: Path, target: Path, change: dict[str, bytes],
    renamed: dict[str, str] | None = None, declared_id: str | None = None,
) -> None:  # fmt: skip
    """``source`` with some members of its image.tar replaced (or renamed), and right
    checksums; ``declared_id`` in place of the image id its description gives."""
    inner_path = target.with_suffix(".inner")

    def read(tar: tarfile.TarFile, name: str | tarfile.TarInfo) -> IO[bytes]:
        handle = tar.extractfile(name)
        assert handle is not None
        return handle

    with tarfile.open(source) as outer:
        small = {name: read(outer, name).read() for name in (MANIFEST, CATALOGUE)}
        with (
            tarfile.open(fileobj=read(outer, IMAGE)) as inner,
            tarfile.open(inner_path, "w", format=tarfile.GNU_FORMAT) as out,
        ):
            for member in inner:
                data = read(inner, member) if member.isreg() else None
                if member.name in change:
                    member.size = len(change[member.name])
                    data = io.BytesIO(change[member.name])
                member.name = (renamed or {}).get(member.name, member.name)
                out.addfile(member, data)
    if declared_id is not None:
        description = json.loads(small[MANIFEST])
        description["image_id"] = declared_id
        small[MANIFEST] = json.dumps(description).encode()
    with target.open("w+b") as out_file, inner_path.open("rb") as body:
        writer = ArchiveWriter(out_file)
        writer.add_bytes(MANIFEST, small[MANIFEST])
        writer.add_bytes(CATALOGUE, small[CATALOGUE])
        writer.add_stream(IMAGE, iter(lambda: body.read(1 << 20), b""), lambda _: None)
        writer.finish()
    inner_path.unlink()


@pytest.fixture
def take_away(launcher: Launcher, tmp_path: Path) -> Path:
    launcher.install("test-jupyter")
    path = tmp_path / "test-jupyter.course.tar"
    export_course(launcher.engine.client, launcher.course("test-jupyter"), path)
    return path


@pytest.fixture
def victim(testbed: TestbedState, clean_engine: docker.DockerClient) -> tuple[str, str]:
    """Another image on the engine, a student's own: its name and id."""
    ref = testbed.images["base"]
    return ref, clean_engine.images.pull(ref).id


@pytest.mark.timeout(600)
def test_a_file_that_also_names_another_image_is_refused(
    launcher: Launcher, take_away: Path, victim: tuple[str, str],
    clean_engine: docker.DockerClient, tmp_path: Path,
) -> None:  # fmt: skip
    ref = launcher.course("test-jupyter").image
    _, manifest = inner_member(take_away, "manifest.json")
    entries = json.loads(manifest)
    entries[0]["RepoTags"] = [ref, victim[0]]
    forged = tmp_path / "forged.course.tar"
    rewrite_take_away(take_away, forged, {"manifest.json": json.dumps(entries).encode()})
    clean_engine.images.remove(ref, force=True)  # another computer, without the course
    names, ids = engine_names(clean_engine), image_ids(clean_engine)

    with pytest.raises(ArchiveError) as refused:
        import_course(launcher, forged)

    assert f"also rename {victim[0]}" in refused.value.message
    assert engine_names(clean_engine) == names and image_ids(clean_engine) == ids
    assert clean_engine.images.get(victim[0]).id == victim[1]
    assert not (launcher.paths.data / "imported").exists()  # no course was added


@pytest.mark.timeout(600)
@pytest.mark.parametrize("sums", ["of the file as it was checked", "of the bytes loaded"])
def test_a_file_that_changes_while_it_is_loaded_is_refused(
    launcher: Launcher, take_away: Path, victim: tuple[str, str],
    clean_engine: docker.DockerClient, tmp_path: Path, sums: str,
) -> None:  # fmt: skip
    ref = launcher.course("test-jupyter").image
    offset, manifest = inner_member(take_away, "manifest.json")
    later = manifest.replace(ref.encode(), victim[0].encode())
    later += b" " * (len(manifest) - len(later))  # same length: the file keeps its layout
    assert len(later) == len(manifest) and victim[0].encode() in later
    path = take_away
    if sums == "of the bytes loaded":  # SHA256SUMS made for the rewritten image.tar
        path = tmp_path / "sums-of-later.course.tar"
        rewrite_take_away(take_away, path, {"manifest.json": later})
        offset, _ = inner_member(path, "manifest.json")
        with path.open("r+b") as handle:
            handle.seek(offset)
            handle.write(manifest)
    clean_engine.images.remove(ref, force=True)
    names, ids = engine_names(clean_engine), image_ids(clean_engine)
    rewritten: list[int] = []

    def rewrite_once_loading(update: object) -> None:
        # The file changes under the launcher once the engine has started to get it.
        if getattr(update, "phase", None) == "loading" and not rewritten:
            with path.open("r+b") as handle:
                handle.seek(offset)
                rewritten.append(handle.write(later))

    with pytest.raises(ArchiveError) as refused:
        import_course(launcher, path, progress=rewrite_once_loading)

    assert rewritten == [len(later)]
    assert "changed while it was being loaded" in refused.value.message
    assert engine_names(clean_engine) == names and image_ids(clean_engine) == ids
    assert clean_engine.images.get(victim[0]).id == victim[1]


@pytest.mark.timeout(600)
def test_replacing_the_image_of_a_course_from_another_catalogue_needs_replace(
    testbed: TestbedState, launcher: Launcher, course_catalogue: Path, victim: tuple[str, str],
    clean_engine: docker.DockerClient, tmp_path: Path,
) -> None:  # fmt: skip
    launcher.install("test-jupyter")
    course = launcher.course("test-jupyter")
    installed = clean_engine.images.get(course.image).id
    # A file of the course holding another image under its name (the base image).
    clean_engine.images.get(victim[0]).tag(course.image_ref.name, course.image_ref.tag)
    other = tmp_path / "other.course.tar"
    export_course(clean_engine, course, other)
    clean_engine.images.get(installed).tag(course.image_ref.name, course.image_ref.tag)
    common = ["--catalogue", str(course_catalogue), "--engine", testbed.docker_host]

    refused = subprocess.run(
        [sys.executable, "-m", "launcher", "import", str(other), *common],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert refused.returncode == 1, refused.stderr
    assert str(other) in refused.stderr and str(course_catalogue) in refused.stderr
    assert "--replace" in refused.stderr and "Traceback" not in refused.stderr
    assert clean_engine.images.get(course.image).id == installed

    replaced = subprocess.run(
        [sys.executable, "-m", "launcher", "import", str(other), "--replace", *common],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert replaced.returncode == 0, replaced.stderr
    assert clean_engine.images.get(course.image).id == victim[1]


@pytest.mark.timeout(600)
def test_an_image_that_is_not_the_declared_one_is_unloaded_again(
    launcher: Launcher, take_away: Path, clean_engine: docker.DockerClient, tmp_path: Path
) -> None:
    """Its config is stored under a name that is not its digest: every check before the
    load agrees, the engine computes another id, and the load is undone."""
    ref = launcher.course("test-jupyter").image
    _, manifest = inner_member(take_away, "manifest.json")
    entries = json.loads(manifest)
    config = entries[0]["Config"]
    entries[0]["Config"] = f"{'0' * 64}.json"
    forged = tmp_path / "other-id.course.tar"
    rewrite_take_away(
        take_away, forged, {"manifest.json": json.dumps(entries).encode()},
        renamed={config: entries[0]["Config"]}, declared_id=f"sha256:{'0' * 64}",
    )  # fmt: skip
    clean_engine.images.remove(ref, force=True)
    names, ids = engine_names(clean_engine), image_ids(clean_engine)

    with pytest.raises(ArchiveError) as refused:
        import_course(launcher, forged)

    assert "not the one the file names" in refused.value.message, refused.value.message
    assert engine_names(clean_engine) == names and image_ids(clean_engine) == ids
