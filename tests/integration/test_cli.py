"""The command line, run as a student or a script would run it: exit codes, JSON, messages."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import docker
import requests

from tests.helpers.folders import make_student_folder
from tests.testbed.testbed import TestbedState


def cli(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip


def test_start_status_url_stop_remove(
    testbed: TestbedState, course_catalogue: Path, student_area: Path,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    common = ["--catalogue", str(course_catalogue), "--engine", testbed.docker_host]
    folder = make_student_folder(student_area, "cli")
    started = cli(
        "start", "test-jupyter", "--folder", str(folder), "--no-browser", "--json", *common
    )
    assert started.returncode == 0, started.stderr
    status = json.loads(started.stdout)
    assert status["state"] == "running"
    assert "is ready" in started.stderr

    url = cli("url", "test-jupyter", *common)
    assert url.returncode == 0
    assert "token=" in url.stdout
    assert requests.get(url.stdout.strip(), timeout=5).status_code == 200
    assert "token=" not in started.stdout + started.stderr  # the token is shown only on request

    listed = json.loads(cli("status", "--json", *common).stdout)
    states = {row["course"]: row["state"] for row in listed}
    assert states["test-jupyter"] == "running"
    assert states["test-multi"] == "absent"

    assert cli("stop", "test-jupyter", *common).returncode == 0
    assert json.loads(cli("status", "test-jupyter", "--json", *common).stdout)[0]["state"] == (
        "stopped"
    )
    assert cli("remove", "test-jupyter", *common).returncode == 0
    assert json.loads(cli("status", "test-jupyter", "--json", *common).stdout)[0]["state"] == (
        "absent"
    )
    assert folder.is_dir()


def test_engine_unavailable_exits_3_quickly_with_a_next_step(tmp_path: Path) -> None:
    began = time.monotonic()
    result = cli("status", "--engine", f"unix://{tmp_path}/nothing.sock")
    assert result.returncode == 3
    assert time.monotonic() - began < 10  # interpreter start-up included
    assert "Traceback" not in result.stderr
    assert "Docker" in result.stderr


def test_unknown_course_and_bad_catalogue_exit_2(tmp_path: Path) -> None:
    unknown = cli("start", "tm999-99z", "--no-browser")
    assert unknown.returncode == 2
    assert "tm999-99z" in unknown.stderr and "Traceback" not in unknown.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('schema = 1\n[[course]]\nid = "x"\n')
    broken = cli("courses", "--catalogue", str(bad))
    assert broken.returncode == 2
    assert "bad.toml" in broken.stderr and "Traceback" not in broken.stderr


def test_courses_json_lists_the_bundled_catalogue() -> None:
    result = cli("courses", "--json")
    assert result.returncode == 0
    ids = {row["id"] for row in json.loads(result.stdout)}
    assert {"tm351-24j", "tm129-23j"} <= ids
