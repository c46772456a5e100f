"""Fixtures for flows that run for real: a catalogue of the testbed's images, a
launcher pointed at the test engine, and a student folder owned by another uid."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from launcher.core.launcher import Launcher
from tests.testbed.services import free_port
from tests.testbed.testbed import TestbedState

STUDENT_UID = 2000  # not the image user's 1000: the Linux ownership case


def catalogue_text(testbed: TestbedState, jupyter_port: int, multi_port: int) -> str:
    return f"""
schema = 1

[[course]]
id = "test-jupyter"
code = "TEST1"
presentation = "24J"
title = "Jupyter test course"
image = "{testbed.images["jupyter"]}"
workspace = "/home/ou/TM351-24J"
preferred_port = {jupyter_port}
[course.token]
env = "JUPYTER_TOKEN"
[[course.services]]
name = "Jupyter"
port = 8888
path = "/tree"
ready = "/api/status"
auth = "token"

[[course]]
id = "test-multi"
code = "TEST2"
presentation = "24J"
title = "Two-service test course"
image = "{testbed.images["multi"]}"
workspace = "/home/ou/TM351-24J"
preferred_port = {multi_port}
[course.token]
env = "JUPYTER_TOKEN"
[[course.services]]
name = "Jupyter"
port = 8888
path = "/tree"
ready = "/api/status"
auth = "token"
[[course.services]]
name = "Database UI"
port = 8080
path = "/"
auth = "none"
[[course.volumes]]
name = "data"
path = "/srv/data"

[[course]]
id = "test-db"
code = "TEST3"
presentation = "24J"
title = "Database test course"
image = "{testbed.images["db"]}"
workspace = "/home/ou/TM351-24J"
[course.token]
env = "JUPYTER_TOKEN"
[[course.services]]
name = "Jupyter"
port = 8888
path = "/tree"
ready = "/api/status"
[[course.volumes]]
name = "postgres"
path = "/var/lib/postgresql"
[[course.backups]]
name = "postgres"
user = "postgres"
dump = ["pg_dumpall", "--clean", "--if-exists"]
restore = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=0", "-d", "postgres", "-f", "-"]
"""


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


def remove_all_images(client: docker.DockerClient) -> None:
    """An engine that has downloaded nothing yet (the registry keeps every image)."""
    for container in client.containers.list(all=True):
        container.remove(force=True)
    for image in client.images.list():
        client.images.remove(image.id, force=True)


def folder_hashes(folder: Path) -> dict[str, str]:
    """Every file of a student's folder and its hash (backups the launcher adds left out)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file() and "backups" not in p.relative_to(folder).parts
    }


def make_student_folder(parent: Path, name: str) -> Path:
    folder = parent / name
    folder.mkdir()
    if os.geteuid() == 0:
        os.chown(folder, STUDENT_UID, STUDENT_UID)
    return folder


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
def testbed_registry_stopped(testbed: TestbedState, launcher: Launcher) -> Iterator[None]:
    """The course image is installed, then the registry is frozen (SIGSTOP): any request
    to it would hang and fail, as on a train with no network."""
    launcher.install("test-jupyter")
    os.kill(testbed.registry_pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(testbed.registry_pid, signal.SIGCONT)
