"""The check before a download, on the real test engine and registry: the size and the
platform read from the registry, and a real small disk that cannot hold the download,
refused by the command line before a byte is fetched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import docker
import pytest

from launcher.core.images.manifest import Platform
from launcher.core.images.registry import RegistryClient
from launcher.core.launcher import Launcher
from launcher.core.text import human_size
from tests.helpers.faults import downloaded_bytes, private_engine_for_test
from tests.helpers.images import remove_all_images


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip


def test_the_check_reads_size_and_platform_from_the_registry_and_the_install_agrees(
    launcher: Launcher, clean_engine: docker.DockerClient
) -> None:
    remove_all_images(clean_engine)
    course = launcher.course("test-jupyter")
    with RegistryClient() as registry:
        assert registry.platforms(course.image_ref) == (Platform("linux", "amd64"),)

    check = launcher.check_download(course.id)

    assert not check.installed
    assert check.download_bytes is not None and check.download_bytes > 0
    assert check.problems == (), check.lines()  # an amd64 image, room enough on this engine
    assert check.room is not None and check.room.free_bytes is not None
    final = launcher.install(course.id)
    assert final.bytes_total == check.download_bytes  # what the pull itself counted
    again = launcher.check_download(course.id)
    assert again.installed and again.problems == ()


@pytest.mark.timeout(600)
def test_a_disk_that_cannot_hold_the_download_is_refused_before_a_byte_is_fetched(
    course_catalogue: Path,
) -> None:
    with private_engine_for_test(disk_mb=512) as engine:
        small = Launcher.open(catalogues=[str(course_catalogue)], engine=engine.docker_host)
        try:
            size = small.check_download("test-jupyter").download_bytes
            assert size is not None
            engine.fill((engine.free_bytes() - size // 2) // 2**20)  # room for half of it
            common = ["--catalogue", str(course_catalogue), "--engine", engine.docker_host]

            refused = cli("install", "test-jupyter", *common)
            started = cli("start", "test-jupyter", "--folder", "/nonexistent", *common)

            assert refused.returncode != 0
            assert f"the download is {human_size(size)}, and only" in refused.stderr
            assert "is free where Docker keeps images" in refused.stderr
            assert "images --prune" in refused.stderr and "--anyway" in refused.stderr
            assert "Traceback" not in refused.stderr
            assert started.returncode != 0 and "not enough room" in started.stderr
            assert small.engine.client.images.list() == []
            assert downloaded_bytes(engine) == 0, "nothing is fetched before the check"

            anyway = cli("install", "test-jupyter", "--anyway", *common)
            assert anyway.returncode != 0  # it went on, and the disk really was full
            assert "Installing" in anyway.stderr and "Traceback" not in anyway.stderr
            assert "disk space" in anyway.stderr
        finally:
            small.close()
