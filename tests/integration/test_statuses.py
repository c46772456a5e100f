"""The window's status poll: every course from one engine call, and the same answer
as asking course by course."""

from __future__ import annotations

from pathlib import Path

import docker

from launcher.core.environments.state import EnvironmentState
from launcher.core.launcher import Launcher
from tests.helpers.folders import make_student_folder


def test_all_statuses_at_once_match_each_course_asked_alone(
    launcher: Launcher, clean_engine: docker.DockerClient, student_area: Path
) -> None:
    launcher.start("test-jupyter", make_student_folder(student_area, "running"))
    launcher.start("test-multi", make_student_folder(student_area, "stopped"))
    launcher.stop("test-multi")

    together = launcher.statuses()
    alone = [launcher.status(course.id) for course in launcher.catalogue]
    assert together == alone
    states = {status.course_id: status.state for status in together}
    assert states["test-jupyter"] == EnvironmentState.RUNNING
    assert states["test-multi"] == EnvironmentState.STOPPED
    assert states["test-db"] == EnvironmentState.ABSENT
    running = next(s for s in together if s.course_id == "test-jupyter")
    assert running.ports and running.endpoints
    assert launcher.ready_services("test-jupyter", running) == {"Jupyter"}
