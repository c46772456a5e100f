"""``doctor --json`` run as a tutor runs it, against the real test engine: every check id
validated, and checks driven to warning and error for real (an engine that does not
answer, a folder mounted read-only, a port held by another program, a proxy)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import docker
import pytest

from launcher.core.launcher import Launcher
from tests.helpers.folders import make_student_folder
from tests.testbed.testbed import TestbedState

STATUSES = {"ok", "warning", "error"}
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def doctor(
    *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, dict[str, str]]]:
    """Run ``doctor --json``; the checks by id, each validated."""
    environ = {
        k: v for k, v in os.environ.items() if k.upper() not in PROXY_VARIABLES
    }  # fmt: skip
    environ.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "launcher", "doctor", "--json", *args],
        capture_output=True, text=True, timeout=120, check=False, env=environ,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    checks: list[dict[str, Any]] = json.loads(result.stdout)
    by_id: dict[str, dict[str, str]] = {}
    for check in checks:
        assert set(check) == {"id", "status", "summary", "fix"}, check
        assert check["status"] in STATUSES, check
        assert isinstance(check["summary"], str) and check["summary"].strip(), check
        if check["status"] != "ok":
            assert check["fix"].strip(), f"{check['id']} has no fix"
        assert check["id"] not in by_id, f"duplicate id {check['id']}"
        by_id[check["id"]] = check
    has_error = any(c["status"] == "error" for c in checks)
    assert result.returncode == (1 if has_error else 0), (result.returncode, checks)
    return result, by_id


def engine_args(testbed: TestbedState, catalogue: Path) -> list[str]:
    return ["--engine", testbed.docker_host, "--catalogue", str(catalogue)]


def enough_disk(client: docker.DockerClient) -> bool:
    return shutil.disk_usage(client.info()["DockerRootDir"]).free >= 10 * 10**9


def test_every_check_on_a_healthy_computer(
    testbed: TestbedState, launcher: Launcher, course_catalogue: Path, student_area: Path,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    folder = make_student_folder(student_area, "healthy")
    started = launcher.start("test-jupyter", folder)
    port = started.ports[8888]

    result, checks = doctor(*engine_args(testbed, course_catalogue))

    assert checks["engine.reachable"]["status"] == "ok"
    assert testbed.docker_host in checks["engine.reachable"]["summary"]
    version = clean_engine.version()
    assert checks["engine.version"]["status"] == "ok"
    assert version["Version"] in checks["engine.version"]["summary"]
    assert checks["course.test-jupyter.architecture"]["status"] == "ok"
    assert "course.test-multi.architecture" not in checks or (
        checks["course.test-multi.architecture"]["status"] == "ok"
    )
    disk = checks["disk.engine-free"]
    assert clean_engine.info()["DockerRootDir"] in disk["summary"]
    assert disk["status"] == ("ok" if enough_disk(clean_engine) else disk["status"])
    ports = checks["course.test-jupyter.ports"]
    assert ports["status"] == "ok" and str(port) in ports["summary"]
    assert "running environment" in ports["summary"]
    assert checks["course.test-jupyter.folder"]["status"] == "ok"
    assert str(folder) in checks["course.test-jupyter.folder"]["summary"]
    assert checks["secrets.backend"]["status"] == "ok"
    assert "secrets.json" in checks["secrets.backend"]["summary"]
    assert checks["catalogue.0.source"]["status"] == "ok"
    assert checks["catalogue.1.source"]["status"] == "ok"
    assert "test-jupyter" in checks["catalogue.1.source"]["summary"]
    clock = checks["clock.skew"]
    assert clock["status"] == "ok"
    assert testbed.registry in clock["summary"], "the test registry's Date header is used"
    assert "Docker's clock agrees" in clock["summary"]
    assert checks["network.proxy"]["status"] == "ok"
    expected = {
        "engine.reachable", "engine.version", "course.test-jupyter.architecture",
        "disk.engine-free", "course.test-jupyter.ports", "course.test-jupyter.folder",
        "secrets.backend", "catalogue.0.source", "catalogue.1.source", "clock.skew",
        "network.proxy",
    }  # fmt: skip
    assert expected <= set(checks)
    if enough_disk(clean_engine):
        assert result.returncode == 0

    # A text form for people, with the same ids.
    text = subprocess.run(
        [sys.executable, "-m", "launcher", "doctor", *engine_args(testbed, course_catalogue)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "engine.reachable: Docker answers" in text.stdout
    assert "error" in text.stderr and "warning" in text.stderr


def test_a_proxy_without_this_computer_in_no_proxy_is_a_warning(
    testbed: TestbedState, launcher: Launcher, course_catalogue: Path
) -> None:
    proxy = {"HTTPS_PROXY": "http://alice:s3cret-pw@proxy.invalid:3128", "NO_PROXY": "example.org"}
    result, checks = doctor(*engine_args(testbed, course_catalogue), env=proxy)
    check = checks["network.proxy"]
    assert check["status"] == "warning"
    assert "proxy.invalid" in check["summary"] and "127.0.0.1" in check["summary"]
    assert "s3cret-pw" not in result.stdout + result.stderr
    fixed = {**proxy, "NO_PROXY": "localhost,127.0.0.1,example.org"}
    assert (
        doctor(*engine_args(testbed, course_catalogue), env=fixed)[1]["network.proxy"]["status"]
        == "ok"
    )


@pytest.fixture
def silent_socket(tmp_path: Path) -> Iterator[Path]:
    """A unix socket file where nothing accepts connections: a stopped engine."""
    path = Path(f"/tmp/cl-doctor-{os.getpid()}-{tmp_path.name[-12:]}.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))  # bound, never listening: connecting is refused
    try:
        yield path
    finally:
        sock.close()
        path.unlink(missing_ok=True)


def test_a_stopped_engine_is_an_error_and_exit_1(silent_socket: Path) -> None:
    result, checks = doctor("--engine", f"unix://{silent_socket}")
    assert result.returncode == 1
    reachable = checks["engine.reachable"]
    assert reachable["status"] == "error"
    assert "Docker" in reachable["summary"]
    assert str(silent_socket) in reachable["fix"] and "refused" in reachable["fix"]
    assert checks["engine.version"]["status"] == "warning"
    assert checks["disk.engine-free"]["status"] == "warning"
    # What does not need the engine is still checked.
    for check_id in ("secrets.backend", "catalogue.0.source", "clock.skew", "network.proxy"):
        assert checks[check_id]["status"] == "ok", checks[check_id]


def test_a_port_held_by_another_program_is_a_warning(
    testbed: TestbedState, launcher: Launcher, course_catalogue: Path, student_area: Path,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    folder = make_student_folder(student_area, "ports")
    port = launcher.start("test-jupyter", folder).ports[8888]
    launcher.stop("test-jupyter")
    assert (
        doctor(*engine_args(testbed, course_catalogue))[1]["course.test-jupyter.ports"]["status"]
        == "ok"
    )
    with socket.socket() as other_program:
        other_program.bind(("127.0.0.1", port))
        other_program.listen()
        result, checks = doctor(*engine_args(testbed, course_catalogue))
    ports = checks["course.test-jupyter.ports"]
    assert ports["status"] == "warning"
    assert str(port) in ports["summary"] and "another program" in ports["summary"]
    assert "move" in ports["summary"]
    if enough_disk(clean_engine):
        assert result.returncode == 0, "a warning alone does not fail the doctor"


@contextmanager
def mounted_read_only(folder: Path) -> Iterator[None]:
    """``folder`` bind-mounted over itself, read-only: writes fail with EROFS, even as root."""
    try:
        subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True,
                       capture_output=True)  # fmt: skip
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"a read-only bind mount is not possible here: {exc}")
    try:
        subprocess.run(
            ["mount", "-o", "remount,bind,ro", str(folder)], check=True, capture_output=True
        )
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True, capture_output=True)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="mounting needs root")
def test_a_read_only_folder_is_an_error(
    testbed: TestbedState, launcher: Launcher, course_catalogue: Path, student_area: Path,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    folder = make_student_folder(student_area, "read-only")
    (folder / "notebook.ipynb").write_text("{}")
    launcher.start("test-jupyter", folder)
    launcher.stop("test-jupyter")
    with mounted_read_only(folder):
        with pytest.raises(OSError):
            (folder / "probe").write_text("x")
        result, checks = doctor(*engine_args(testbed, course_catalogue))
    assert result.returncode == 1
    check = checks["course.test-jupyter.folder"]
    assert check["status"] == "error"
    assert str(folder) in check["summary"] and "cannot write" in check["summary"]
    assert check["fix"]
    assert sorted(p.name for p in folder.iterdir()) == ["notebook.ipynb"], "folder untouched"
    # Once it is writable again, the doctor says so.
    assert (
        doctor(*engine_args(testbed, course_catalogue))[1]["course.test-jupyter.folder"]["status"]
        == "ok"
    )


def test_the_doctor_on_the_command_line_leaves_tokens_out(
    testbed: TestbedState, launcher: Launcher, course_catalogue: Path, student_area: Path
) -> None:
    """As in the window: a token that shows up in a check (here in the folder's name)
    is blanked, in the JSON and in the text for people."""
    token = launcher.ensure_token("test-jupyter")
    assert token
    folder = make_student_folder(student_area, f"work-{token}")
    launcher.start("test-jupyter", folder)

    result, checks = doctor(*engine_args(testbed, course_catalogue))
    assert token not in result.stdout + result.stderr
    summary = checks["course.test-jupyter.folder"]["summary"]
    assert "work-********" in summary, summary

    text = subprocess.run(
        [sys.executable, "-m", "launcher", "doctor", *engine_args(testbed, course_catalogue)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert token not in text.stdout + text.stderr
    assert "work-********" in text.stdout
