"""The check before a download, fed with engines' recorded ``/info``, ``/version`` and
``/system/df`` answers, registry manifests and Docker Desktop's settings file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from launcher.core.catalogue.model import Course, Service
from launcher.core.engine.model import EngineInfo
from launcher.core.errors import DiskFull
from launcher.core.images.download_check import (
    UNPACKED_FACTOR,
    assess,
    memory_problem,
    platform_problem,
)
from launcher.core.images.engine_room import (
    EngineRoom,
    desktop_disk_limit,
    measure_room,
    used_on_engine_disk,
)
from launcher.core.images.manifest import Platform, config_platform, listed_platforms

GB = 10**9

# Docker Desktop 4.34 on a Mac with Apple silicon (the fields the check reads).
DESKTOP_VERSION = {
    "Version": "27.2.0", "ApiVersion": "1.47", "Os": "linux", "Arch": "arm64",
    "KernelVersion": "6.10.4-linuxkit", "Platform": {"Name": "Docker Desktop 4.34.2 (167172)"},
}  # fmt: skip
DESKTOP_INFO = {
    "OperatingSystem": "Docker Desktop", "OSType": "linux", "Architecture": "aarch64",
    "MemTotal": 4_109_074_432, "NCPU": 8, "DockerRootDir": "/var/lib/docker",
}  # fmt: skip
# Debian's dockerd on a PC.
NATIVE_VERSION = {"Version": "20.10.24", "ApiVersion": "1.41", "Os": "linux", "Arch": "amd64"}
NATIVE_INFO = {
    "OperatingSystem": "Debian GNU/Linux 12 (bookworm)", "OSType": "linux",
    "Architecture": "x86_64", "MemTotal": 16_675_926_016, "DockerRootDir": "/var/lib/docker",
}  # fmt: skip
# An OCI index made by buildx: one image and its attestation.
AMD64_ONLY_INDEX: dict[str, Any] = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 1603,
         "digest": "sha256:" + "a" * 64, "platform": {"architecture": "amd64", "os": "linux"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "size": 566,
         "digest": "sha256:" + "b" * 64,
         "annotations": {"vnd.docker.reference.digest": "sha256:" + "a" * 64,
                         "vnd.docker.reference.type": "attestation-manifest"},
         "platform": {"architecture": "unknown", "os": "unknown"}},
    ],
}  # fmt: skip
# Docker Desktop's /system/df: 3 GB of layers, a container's 0.2 GB, a 0.5 GB volume.
DESKTOP_DF = {
    "LayersSize": 3 * GB,
    "Containers": [{"SizeRw": 200_000_000}],
    "Volumes": [{"UsageData": {"Size": 500_000_000}}, {"UsageData": {"Size": -1}}],
    "BuildCache": [{"Size": 100_000_000, "Shared": False}, {"Size": 7, "Shared": True}],
}

COURSE = Course(
    id="tm351-24j", code="TM351", presentation="24J", title="Data management",
    image="example.org/tm351:24j", workspace="/home/ou/TM351-24J",
    services=(Service(name="Jupyter", port=8888),), memory="6g",
)  # fmt: skip


def desktop() -> EngineInfo:
    return EngineInfo.from_api(DESKTOP_VERSION, DESKTOP_INFO)


def native() -> EngineInfo:
    return EngineInfo.from_api(NATIVE_VERSION, NATIVE_INFO)


# --- what the registry says ------------------------------------------------------------


def test_an_index_lists_its_platforms_without_the_attestation() -> None:
    assert listed_platforms(AMD64_ONLY_INDEX["manifests"]) == (Platform("linux", "amd64"),)


def test_a_single_image_names_its_platform_in_its_config() -> None:
    config = {"architecture": "arm64", "os": "linux", "variant": "v8", "config": {}}
    assert config_platform(config) == Platform("linux", "arm64", "v8")
    assert config_platform({"os": "linux"}) is None


# --- the processor -----------------------------------------------------------------------


def test_an_intel_image_on_apple_silicon_is_said_to_run_under_emulation() -> None:
    problem = platform_problem(listed_platforms(AMD64_ONLY_INDEX["manifests"]), desktop())
    assert problem is not None and not problem.refuses
    assert "runs under emulation, slower" in problem.message
    assert "Intel or AMD (amd64)" in problem.message and "ARM (arm64)" in problem.message
    assert "Rosetta" in problem.hint


def test_an_image_for_the_engines_own_processor_is_no_problem() -> None:
    assert platform_problem([Platform("linux", "amd64")], native()) is None
    assert platform_problem([Platform("linux", "arm64", "v8")], desktop()) is None
    assert platform_problem([], desktop()) is None  # the registry did not say: no guess


def test_linux_images_on_windows_containers_are_refused_with_the_switch_to_make() -> None:
    windows = EngineInfo.from_api({**NATIVE_VERSION, "Os": "windows"}, NATIVE_INFO)
    problem = platform_problem([Platform("linux", "amd64")], windows)
    assert problem is not None and problem.refuses
    assert "Linux containers" in problem.hint


# --- memory --------------------------------------------------------------------------------


def test_a_course_asking_more_memory_than_docker_has_says_where_to_give_more() -> None:
    problem = memory_problem(COURSE, desktop())  # 6 GiB wanted, 3.8 GiB in the VM
    assert problem is not None
    assert "6.0 GiB" in problem.message and "3.8 GiB" in problem.message
    assert "Settings > Resources > Memory" in problem.hint
    assert memory_problem(COURSE, native()) is None


# --- the disk -------------------------------------------------------------------------------


def test_a_download_larger_than_the_free_space_is_refused() -> None:
    room = EngineRoom(1 * GB, "where Docker keeps images (/var/lib/docker)")
    check = assess(COURSE, native(), size=2 * GB, platforms=(), room=room)
    assert check.refused
    error = check.refusal()
    assert isinstance(error, DiskFull)
    assert "the download is 2.0 GB, and only 1.0 GB is free where Docker keeps images" in (
        error.message
    )
    assert "course-launcher images --prune" in error.hint


def test_room_for_the_download_but_not_for_unpacking_is_a_warning() -> None:
    size = 2 * GB
    room = EngineRoom(int(size * UNPACKED_FACTOR) - 1, "on Docker Desktop's disk")
    check = assess(COURSE, native(), size=size, platforms=(), room=room, desktop=True)
    assert not check.refused
    [warning] = check.warnings
    assert "may not fit" in warning.message and "5.0 GB once unpacked" in warning.message
    assert "Settings > Resources" in warning.hint
    plenty = assess(COURSE, native(), size=size, platforms=(), room=EngineRoom(10 * GB, "x"))
    assert plenty.problems == ()


def test_what_cannot_be_known_is_said_not_guessed() -> None:
    room = measure_room("ssh://student@lab.example.org", NATIVE_INFO, lambda: DESKTOP_DF)
    assert room.free_bytes is None and "another computer (ssh)" in room.unknown_reason
    unknown = ["the download size, as the course image server did not answer"]
    check = assess(COURSE, native(), size=None, platforms=(), room=room, unknown=unknown)
    assert check.problems == ()
    assert check.lines() == [
        "Not checked: the download size, as the course image server did not answer.",
        "Not checked: the free disk space: Docker runs on another computer (ssh), whose free "
        "disk space cannot be measured from here.",
    ]


def test_a_native_engine_is_measured_at_its_root(tmp_path: Path) -> None:
    info = {**NATIVE_INFO, "DockerRootDir": str(tmp_path)}
    room = measure_room("unix:///var/run/docker.sock", info, lambda: {})
    assert room.free_bytes is not None
    assert abs(room.free_bytes - shutil.disk_usage(tmp_path).free) < 100 * 2**20
    assert str(tmp_path) in room.where
    missing = measure_room("unix:///s", {**info, "DockerRootDir": str(tmp_path / "no")}, dict)
    assert missing.free_bytes is None and "cannot be read" in missing.unknown_reason


@pytest.mark.parametrize("name, key", [("settings-store.json", "DiskSizeMiB"),
                                       ("settings.json", "diskSizeMiB")])  # fmt: skip
def test_docker_desktops_disk_is_its_limit_less_what_is_on_it(
    tmp_path: Path, name: str, key: str
) -> None:
    folder = tmp_path / "Library" / "Group Containers" / "group.com.docker"
    folder.mkdir(parents=True)
    (folder / name).write_text(json.dumps({key: 4096, "memoryMiB": 4096}))
    room = measure_room(
        "unix:///Users/s/.docker/run/docker.sock", DESKTOP_INFO, lambda: DESKTOP_DF,
        platform="darwin", home=tmp_path, environ={},
    )  # fmt: skip
    used = used_on_engine_disk(DESKTOP_DF)
    assert used == 3 * GB + 200_000_000 + 500_000_000 + 100_000_000
    assert room.free_bytes == 4096 * 2**20 - used
    assert room.where == "on Docker Desktop's disk"


def test_docker_desktop_without_a_readable_limit_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text("{not json")
    assert desktop_disk_limit([tmp_path / "settings.json", tmp_path / "absent.json"]) is None
    room = measure_room(
        "unix:///s", DESKTOP_INFO, lambda: DESKTOP_DF, platform="linux", home=tmp_path, environ={}
    )
    assert room.free_bytes is None
    assert "limit and use could not be read" in room.unknown_reason


def test_docker_desktop_on_windows_is_the_free_space_of_the_drive_its_disk_grows_on(
    tmp_path: Path,
) -> None:
    wsl = tmp_path / "Local" / "Docker" / "wsl"
    wsl.mkdir(parents=True)
    room = measure_room(
        "npipe:////./pipe/docker_engine", DESKTOP_INFO, lambda: DESKTOP_DF,
        platform="win32", home=tmp_path, environ={"LOCALAPPDATA": str(tmp_path / "Local")},
    )  # fmt: skip
    assert room.free_bytes is not None
    assert abs(room.free_bytes - shutil.disk_usage(wsl).free) < 100 * 2**20
