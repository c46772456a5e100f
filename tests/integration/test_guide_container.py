"""Coming from the course guide: a container made with its ``docker run`` line is found
on TM351's first start, described, and only on the student's yes stopped (never
removed) and its folder used; left alone when they say so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import docker
import pytest
import requests

from launcher.core.engine import labels
from launcher.core.environments.guide_state import GuideChoice
from launcher.core.errors import GuideContainerFound
from launcher.core.launcher import Launcher
from tests.helpers.folders import folder_hashes, make_student_folder
from tests.helpers.guide import GUIDE_IMAGE, GUIDE_PORT, NOTEBOOK, GuideSetup
from tests.helpers.guide import guide_setup as guide_setup  # the fixture
from tests.testbed.testbed import TestbedState

COURSE = "tm351-24j"  # the bundled catalogue's own entry: its image, port and workspace


def launchers_containers(client: docker.DockerClient) -> list[str]:
    return [c.name for c in client.containers.list(all=True, filters=labels.managed_filter())]


def notebook_through_jupyter(launcher: Launcher, port: int) -> bytes:
    token = launcher.ensure_token(COURSE)
    response = requests.get(
        f"http://127.0.0.1:{port}/files/week1.ipynb",
        headers={"Authorization": f"token {token}"}, timeout=10,
    )  # fmt: skip
    assert response.status_code == 200, response.status_code
    return response.content


def test_found_described_left_alone_then_adopted(
    launcher: Launcher, guide_setup: GuideSetup, student_area: Path,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    guide = clean_engine.containers.get(guide_setup.container)
    before = folder_hashes(guide_setup.folder)

    with pytest.raises(GuideContainerFound) as asked:
        launcher.start(COURSE)
    assert asked.value.message == (
        "TM351 24J — Data management and analysis is already on this computer, set up "
        "by hand as the course guide showed: the container “tm351vce” "
        f"({GUIDE_IMAGE}, running, at port {GUIDE_PORT}), with your files in "
        f"{guide_setup.folder}."
    )
    assert f"course-launcher start {COURSE} --adopt-guide-container" in asked.value.hint
    assert launchers_containers(clean_engine) == []  # nothing made before the answer
    guide.reload()
    assert guide.status == "running"

    apart = launcher.start(
        COURSE, make_student_folder(student_area, "apart"), guide=GuideChoice.LEAVE
    )
    assert apart.ports[8888] != GUIDE_PORT  # the guide's container keeps its port
    guide.reload()
    assert guide.status == "running"
    launcher.remove(COURSE)

    adopted = launcher.start(COURSE, guide=GuideChoice.ADOPT)
    guide.reload()
    assert guide.status == "exited"  # stopped, and kept
    assert adopted.status.folder == str(guide_setup.folder)
    # the launcher's own address from the start apart, remembered (with none remembered,
    # the guide's port: the command line and window tests)
    assert adopted.ports[8888] == apart.ports[8888]
    assert notebook_through_jupyter(launcher, adopted.ports[8888]) == NOTEBOOK
    assert adopted.notices[0] == (
        "Your earlier TM351 container “tm351vce” is stopped and kept. "
        "Remove it yourself (docker rm tm351vce) once you no longer need it."
    )
    assert launcher.settings.course(COURSE).folder == guide_setup.folder
    assert folder_hashes(guide_setup.folder) == before

    launcher.stop(COURSE)
    again = launcher.start(COURSE)  # its own environment now: no question again
    assert again.status.folder == str(guide_setup.folder) and again.ports == adopted.ports
    assert clean_engine.containers.get(guide_setup.container).status == "exited"


def test_command_line_says_what_it_found_and_adopts_on_the_flag(
    testbed: TestbedState, course_catalogue: Path, guide_setup: GuideSetup,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    common = ["--catalogue", str(course_catalogue), "--engine", testbed.docker_host]

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "launcher", *args, *common],
                              capture_output=True, text=True, timeout=240, check=False)  # fmt: skip

    asked = cli("start", COURSE, "--no-browser")
    assert asked.returncode == 1, asked.stderr
    assert "the container “tm351vce”" in asked.stderr and str(guide_setup.folder) in asked.stderr
    assert "--adopt-guide-container" in asked.stderr and "Traceback" not in asked.stderr
    assert launchers_containers(clean_engine) == []
    assert clean_engine.containers.get(guide_setup.container).status == "running"

    adopted = cli("start", COURSE, "--no-browser", "--adopt-guide-container")
    assert adopted.returncode == 0, adopted.stderr
    assert f"http://127.0.0.1:{GUIDE_PORT}/lab" in adopted.stdout
    assert "“tm351vce” is stopped and kept" in adopted.stderr
    assert f"Your files are in {guide_setup.folder}." in adopted.stderr
    assert clean_engine.containers.get(guide_setup.container).status == "exited"

    both = cli("start", COURSE, "--adopt-guide-container", "--leave-guide-container")
    assert both.returncode == 2  # one answer or the other
