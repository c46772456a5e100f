"""A student who followed the course's old guide: the guide's own ``docker run`` line,
typed in their course folder, against a test image under TM351's real name."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import pytest
import requests

from tests.helpers.folders import make_student_folder
from tests.testbed.testbed import TestbedState

GUIDE_IMAGE = "ousefulcoursecontainers/ou-tm351:24j"
GUIDE_COMMAND = (
    'docker run -d --name tm351vce -p 8351:8888 -v "$(pwd):/home/ou/TM351-24J" '
    "-e JUPYTER_TOKEN=TM351-24J ousefulcoursecontainers/ou-tm351:24j"
)
GUIDE_PORT = 8351
NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n'


@dataclass(frozen=True)
class GuideSetup:
    folder: Path  # Documents/TM351VCE, where the student ran the guide's command
    container: str


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


@pytest.fixture
def guide_setup(
    testbed: TestbedState, clean_engine: docker.DockerClient, student_area: Path
) -> Iterator[GuideSetup]:
    repository, tag = testbed.images["jupyter"].rsplit(":", 1)
    clean_engine.images.pull(repository, tag=tag).tag(GUIDE_IMAGE)
    (student_area / "Documents").mkdir()
    folder = make_student_folder(student_area / "Documents", "TM351VCE")
    (folder / "week1.ipynb").write_bytes(NOTEBOOK)
    typed = subprocess.run(
        ["sh", "-c", GUIDE_COMMAND], cwd=folder, capture_output=True, text=True, check=False,
        env={**os.environ, "DOCKER_HOST": testbed.docker_host},
    )  # fmt: skip
    assert typed.returncode == 0, typed.stderr
    status = f"http://127.0.0.1:{GUIDE_PORT}/api/status?token=TM351-24J"
    deadline = time.monotonic() + 60
    while not _answers(status):  # the guide's Jupyter holds the port, as it did for them
        assert time.monotonic() < deadline, "the guide's container did not answer"
        time.sleep(0.2)
    yield GuideSetup(folder=folder, container="tm351vce")
    clean_engine.images.remove(GUIDE_IMAGE)  # the name only; the test image stays
