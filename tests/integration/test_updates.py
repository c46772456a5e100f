"""Updates on the real engine and registry: a new version published under the course's tag
is found with a HEAD request, pulled, and the environment is made again on it keeping
folder, address and token; offline, nothing changes.

The course here uses its own repository in the test registry (a copy of the Jupyter
test image), so publishing new versions never changes the images other tests use."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import pytest

from launcher.core.images.update import update_available
from launcher.core.launcher import Launcher
from tests.integration.conftest import make_student_folder
from tests.testbed.services import free_port
from tests.testbed.testbed import TestbedState

COURSE_ID = "test-update"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def push(client: docker.DockerClient, repository: str, tag: str) -> None:
    for event in client.api.push(repository, tag=tag, stream=True, decode=True):
        assert "error" not in event, event


@dataclass(frozen=True)
class Published:
    ref: str
    repository: str
    catalogue: Path

    def args(self, testbed: TestbedState) -> list[str]:
        return ["--catalogue", str(self.catalogue), "--engine", testbed.docker_host]


def publish_new_version(client: docker.DockerClient, published: Published, version: int) -> str:
    """Publish a changed image under the course's tag; this computer keeps the old one
    (as a student's would). Returns the new image's id."""
    old_id = client.images.get(published.ref).id
    dockerfile = f"FROM {published.ref}\nLABEL org.course-launcher.test-version={version}\n"
    new, _ = client.images.build(
        fileobj=io.BytesIO(dockerfile.encode()), tag=published.ref, rm=True, forcerm=True
    )
    push(client, published.repository, "24j")
    client.images.get(old_id).tag(published.repository, "24j")
    client.images.remove(new.id, force=True)
    return str(new.id)


@pytest.fixture
def published(
    testbed: TestbedState, clean_engine: docker.DockerClient, tmp_path: Path
) -> Iterator[Published]:
    """A course whose image is a copy of the Jupyter test image in a new repository,
    installed on this computer with its repo digest, as a pull leaves it."""
    base = testbed.images["jupyter"]
    clean_engine.images.pull(base)
    repository = f"{testbed.registry}/cl-tests/update-{uuid.uuid4().hex[:10]}"
    clean_engine.images.get(base).tag(repository, "24j")
    push(clean_engine, repository, "24j")
    clean_engine.images.remove(base)  # only the course's name is left on it
    ref = f"{repository}:24j"
    catalogue = tmp_path / "update-catalogue.toml"
    catalogue.write_text(
        f"""schema = 1
[[course]]
id = "{COURSE_ID}"
code = "UPD1"
presentation = "24J"
title = "Update test course"
image = "{ref}"
workspace = "/home/ou/TM351-24J"
preferred_port = {free_port()}
[course.token]
env = "JUPYTER_TOKEN"
[[course.services]]
name = "Jupyter"
port = 8888
path = "/tree"
ready = "/api/status"
auth = "token"
"""
    )
    yield Published(ref, repository, catalogue)
    for container in clean_engine.containers.list(all=True):
        container.remove(force=True)
    for image in clean_engine.images.list():
        if any(name.startswith(repository) for name in image.tags + image.attrs["RepoDigests"]):
            clean_engine.images.remove(image.id, force=True)


def container_of(client: docker.DockerClient) -> Any:
    return client.containers.get(f"course-launcher-{COURSE_ID}")


def test_update_finds_pulls_and_remakes_the_environment_keeping_what_matters(
    published: Published, testbed: TestbedState, clean_engine: docker.DockerClient,
    student_area: Path,
) -> None:  # fmt: skip
    common = published.args(testbed)
    folder = make_student_folder(student_area, "update")
    started = cli("start", COURSE_ID, "--folder", str(folder), "--no-browser", *common)
    assert started.returncode == 0, started.stderr
    (folder / "my-notes.txt").write_text("mine")
    url = cli("url", COURSE_ID, *common).stdout.strip()
    assert "token=" in url

    check = json.loads(cli("update", COURSE_ID, "--check", "--json", *common).stdout)
    assert check["installed"] and not check["available"]
    same = cli("update", COURSE_ID, *common)
    assert same.returncode == 0, same.stderr
    assert "already the newest version" in same.stderr

    # Running: the update pulls, makes the container again on the new image, starts it.
    old_id = clean_engine.images.get(published.ref).id
    new_id = publish_new_version(clean_engine, published, 2)
    check = json.loads(cli("update", COURSE_ID, "--check", "--json", *common).stdout)
    assert check["available"]
    updated = cli("update", COURSE_ID, "--remove-old", "--json", *common)
    assert updated.returncode == 0, updated.stderr
    result = json.loads(updated.stdout)
    assert result["updated"] and result["restarted"]
    assert (result["old_id"], result["new_id"]) == (old_id, new_id)
    assert result["old_image"]["removed"], result
    with pytest.raises(docker.errors.ImageNotFound):
        clean_engine.images.get(old_id)
    container = container_of(clean_engine)
    assert container.status == "running" and container.image.id == new_id
    assert cli("url", COURSE_ID, *common).stdout.strip() == url  # same port, same token
    assert (folder / "my-notes.txt").read_text() == "mine"

    # Stopped: the update installs it; the next start makes it again. The old version
    # stays until then (its container uses it), and `images --prune` removes it after.
    assert cli("stop", COURSE_ID, *common).returncode == 0
    newest = publish_new_version(clean_engine, published, 3)
    updated = cli("update", COURSE_ID, "--json", *common)
    assert updated.returncode == 0, updated.stderr
    result = json.loads(updated.stdout)
    assert result["updated"] and result["remade_at_next_start"] and not result["restarted"]
    assert "next start" in updated.stderr
    assert container_of(clean_engine).status == "exited"
    listed = json.loads(cli("images", "--json", *common).stdout)["images"]
    old = [image for image in listed if image["id"] == new_id]
    assert old and old[0]["old_version"] and old[0]["used_by_launcher"]

    assert cli("start", COURSE_ID, "--no-browser", *common).returncode == 0
    assert container_of(clean_engine).image.id == newest
    assert cli("url", COURSE_ID, *common).stdout.strip() == url
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
