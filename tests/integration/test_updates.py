"""Updates on the real engine and registry: a new version published under the course's tag
is found with a HEAD request, pulled, and the environment is made again on it keeping
folder, address and token; offline, nothing changes.

The course here (the ``published`` fixture, :mod:`tests.helpers.fixtures`) uses its own
repository in the test registry, so publishing new versions never changes the images
other tests use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import docker
import pytest

from launcher.core.images.update import update_available
from launcher.core.launcher import Launcher
from tests.helpers.folders import make_student_folder
from tests.helpers.registry import UPDATE_COURSE_ID, Published, publish_new_version
from tests.testbed.testbed import TestbedState


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def container_of(client: docker.DockerClient) -> Any:
    return client.containers.get(f"course-launcher-{UPDATE_COURSE_ID}")


def test_update_finds_pulls_and_remakes_the_environment_keeping_what_matters(
    published: Published, testbed: TestbedState, clean_engine: docker.DockerClient,
    student_area: Path,
) -> None:  # fmt: skip
    common = published.args(testbed)
    folder = make_student_folder(student_area, "update")
    started = cli("start", UPDATE_COURSE_ID, "--folder", str(folder), "--no-browser", *common)
    assert started.returncode == 0, started.stderr
    (folder / "my-notes.txt").write_text("mine")
    url = cli("url", UPDATE_COURSE_ID, *common).stdout.strip()
    assert "token=" in url

    check = json.loads(cli("update", UPDATE_COURSE_ID, "--check", "--json", *common).stdout)
    assert check["installed"] and not check["available"]
    same = cli("update", UPDATE_COURSE_ID, *common)
    assert same.returncode == 0, same.stderr
    assert "already the newest version" in same.stderr

    # Running: the update pulls, makes the container again on the new image, starts it.
    old_id = clean_engine.images.get(published.ref).id
    new_id = publish_new_version(clean_engine, published, 2)
    check = json.loads(cli("update", UPDATE_COURSE_ID, "--check", "--json", *common).stdout)
    assert check["available"]
    updated = cli("update", UPDATE_COURSE_ID, "--remove-old", "--json", *common)
    assert updated.returncode == 0, updated.stderr
    result = json.loads(updated.stdout)
    assert result["updated"] and result["restarted"]
    assert (result["old_id"], result["new_id"]) == (old_id, new_id)
    assert result["old_image"]["removed"], result
    with pytest.raises(docker.errors.ImageNotFound):
        clean_engine.images.get(old_id)
    container = container_of(clean_engine)
    assert container.status == "running" and container.image.id == new_id
    assert cli("url", UPDATE_COURSE_ID, *common).stdout.strip() == url  # same port, same token
    assert (folder / "my-notes.txt").read_text() == "mine"

    # Stopped: the update installs it; the next start makes it again. The old version
    # stays until then (its container uses it), and `images --prune` removes it after.
    assert cli("stop", UPDATE_COURSE_ID, *common).returncode == 0
    newest = publish_new_version(clean_engine, published, 3)
    updated = cli("update", UPDATE_COURSE_ID, "--json", *common)
    assert updated.returncode == 0, updated.stderr
    result = json.loads(updated.stdout)
    assert result["updated"] and result["remade_at_next_start"] and not result["restarted"]
    assert "next start" in updated.stderr
    assert container_of(clean_engine).status == "exited"
    listed = json.loads(cli("images", "--json", *common).stdout)["images"]
    old = [image for image in listed if image["id"] == new_id]
    assert old and old[0]["old_version"] and old[0]["used_by_launcher"]

    assert cli("start", UPDATE_COURSE_ID, "--no-browser", *common).returncode == 0
    assert container_of(clean_engine).image.id == newest
    assert cli("url", UPDATE_COURSE_ID, *common).stdout.strip() == url
    pruned = json.loads(cli("images", "--prune", "--json", *common).stdout)
    assert new_id in [r["image_id"] for r in pruned["removed"] if r["removed"]]
    with pytest.raises(docker.errors.ImageNotFound):
        clean_engine.images.get(new_id)
    assert clean_engine.images.get(published.ref).id == newest


def test_update_offline_says_it_cannot_check_and_changes_nothing(
    testbed_registry_stopped: None, launcher: Launcher, testbed: TestbedState,
    course_catalogue: Path, clean_engine: docker.DockerClient, student_area: Path,
) -> None:  # fmt: skip
    launcher.start("test-jupyter", make_student_folder(student_area, "offline-update"))
    container = clean_engine.containers.get("course-launcher-test-jupyter")
    image_id = clean_engine.images.get(launcher.course("test-jupyter").image).id

    result = cli(
        "update", "test-jupyter", "--remove-old",
        "--catalogue", str(course_catalogue), "--engine", testbed.docker_host,
    )  # fmt: skip
    assert result.returncode == 1
    assert "Cannot check for updates" in result.stderr
    assert "Nothing was changed" in result.stderr
    assert "Traceback" not in result.stderr
    container.reload()
    assert container.status == "running"
    assert clean_engine.containers.get("course-launcher-test-jupyter").id == container.id
    assert clean_engine.images.get(launcher.course("test-jupyter").image).id == image_id
    assert update_available(clean_engine, launcher.course("test-jupyter")) is None


def test_an_imported_image_without_repo_digest_is_compared_by_its_id(
    launcher: Launcher, clean_engine: docker.DockerClient, tmp_path: Path
) -> None:
    """`docker load` keeps no repo digest: the check then compares the image id with the
    registry manifest's config digest (one GET), and finds it up to date."""
    launcher.install("test-jupyter")
    course = launcher.course("test-jupyter")
    image = clean_engine.images.get(course.image)
    saved = tmp_path / "image.tar"
    with saved.open("wb") as out:
        for chunk in clean_engine.api.get_image(course.image):
            out.write(chunk)
    clean_engine.images.remove(image.id, force=True)
    with saved.open("rb") as data:
        clean_engine.images.load(data)
    loaded = clean_engine.images.get(course.image)
    assert loaded.id == image.id and not loaded.attrs["RepoDigests"]
    assert update_available(clean_engine, course) is False
