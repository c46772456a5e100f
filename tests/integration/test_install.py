"""Installing a course image: exact byte totals from the registry, and a cancel that keeps
what was finished so the next install downloads only the rest."""

from __future__ import annotations

import time
from pathlib import Path

import docker
import pytest

from launcher.core.errors import Cancelled
from launcher.core.images.manifest import Platform
from launcher.core.images.pull_progress import PullPhase, PullProgress
from launcher.core.images.registry import RegistryClient
from launcher.core.launcher import Launcher
from launcher.core.operation import CancelToken
from tests.helpers.folders import make_student_folder
from tests.helpers.images import remove_all_images


def manifest_total(launcher: Launcher, course_id: str) -> int:
    with RegistryClient() as registry:
        manifest = registry.manifest(
            launcher.course(course_id).image_ref, Platform("linux", "amd64")
        )
    return manifest.total_size


def test_cancel_stops_the_pull_then_install_knows_the_total_and_ends_on_it(
    launcher: Launcher, clean_engine: docker.DockerClient
) -> None:
    """Cancel closes the stream and the engine stops. (This engine, dockerd 20.10 with
    the classic image store, drops the layers of a cancelled pull; engines with the
    containerd image store keep them, and the next pull reuses them.) The install that
    follows knows its byte total before the first byte and ends exactly on it."""
    remove_all_images(clean_engine)
    cancel = CancelToken()
    cancelled_at: list[float] = []

    def cancel_once_downloading(progress: PullProgress) -> None:
        if progress.bytes_done > 0 and not cancel.cancelled:
            cancelled_at.append(time.monotonic())
            cancel.cancel()

    with pytest.raises(Cancelled):
        launcher.install("test-multi", cancel_once_downloading, cancel)
    assert time.monotonic() - cancelled_at[0] < 5
    with pytest.raises(docker.errors.ImageNotFound):
        clean_engine.images.get(launcher.course("test-multi").image)

    expected = manifest_total(launcher, "test-multi")
    seen: list[PullProgress] = []
    final = launcher.install("test-multi", seen.append)
    before_bytes = [p for p in seen if p.bytes_done == 0 and p.bytes_total > 0]
    assert before_bytes, "no total was reported before the download began"
    assert before_bytes[0].bytes_total == expected
    assert not before_bytes[0].total_is_lower_bound
    done = [p.bytes_done for p in seen]
    assert done == sorted(done)
    assert final.phase is PullPhase.DONE
    assert final.bytes_done == final.bytes_total == expected
    assert final.layers_done == final.layers_total >= 3
    clean_engine.images.get(launcher.course("test-multi").image)


def test_start_with_the_image_present_never_asks_the_registry(
    testbed_registry_stopped: None, launcher: Launcher, student_area: Path
) -> None:
    result = launcher.start("test-jupyter", make_student_folder(student_area, "offline"))
    assert result.status.state == "running"
