"""Fixtures that more than one folder of tests uses, loaded by the root conftest.

A catalogue of the testbed's images, a launcher pointed at the test engine, a folder
any uid can traverse, and a course with its own repository to publish updates to.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from launcher.core.launcher import Launcher
from tests.helpers.catalogue import catalogue_text
from tests.helpers.folders import STUDENT_UID
from tests.helpers.registry import UPDATE_COURSE_ID, Published, push
from tests.testbed.services import free_port
from tests.testbed.testbed import TestbedState


@pytest.fixture
def course_catalogue(testbed: TestbedState, tmp_path: Path) -> Path:
    path = tmp_path / "test-catalogue.toml"
    path.write_text(catalogue_text(testbed, free_port(), free_port()))
    return path


@pytest.fixture
def launcher(
    testbed: TestbedState, course_catalogue: Path, clean_engine: docker.DockerClient
) -> Iterator[Launcher]:
    opened = Launcher.open(catalogues=[str(course_catalogue)], engine=testbed.docker_host)
    yield opened
    opened.close()


@pytest.fixture
def student_area() -> Iterator[Path]:
    """The student's home folder (pytest's tmp_path is private to root): the student's
    own, and closed to other accounts (0700, as Debian makes homes), so the launcher
    may share folders in it with an image's uid that another account has here."""
    area = Path(tempfile.mkdtemp(prefix="cl-student-", dir="/tmp"))
    area.chmod(0o700)
    if os.geteuid() == 0:
        os.chown(area, STUDENT_UID, STUDENT_UID)
    yield area
    shutil.rmtree(area, ignore_errors=True)


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
id = "{UPDATE_COURSE_ID}"
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
