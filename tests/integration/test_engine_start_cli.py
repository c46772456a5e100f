"""The command line when Docker is not usable: the page's words as lines (headline, next
step, command, details), and ``engine --start`` starting Docker Desktop and waiting for
it, with the start command replaced by one that brings up a socket to the test engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from launcher.cli.main import run_cli
from tests.helpers.desktop_stand_in import stand_in_for_docker_desktop
from tests.testbed.testbed import TestbedState

MARKUP = set("`*<>#[]|~\\{}")


def test_engine_start_starts_docker_desktop_and_waits_for_it(
    tmp_path: Path, testbed: TestbedState, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    path = tmp_path / "desktop.sock"
    upstream = testbed.docker_host.removeprefix("unix://")
    with stand_in_for_docker_desktop(path, upstream, monkeypatch):
        assert run_cli(["--engine", f"unix://{path}", "engine"]) == 3
        said = capsys.readouterr().err.splitlines()
        assert said[:2] == [
            "course-launcher: Docker Desktop is installed but not running.",
            "Start Docker Desktop from your applications menu, wait until it says it is "
            "running, then run the command again.",
        ]
        assert f"  unix://{path}: no such socket (is it running?)" in said
        assert [line for line in said if MARKUP & set(line)] == []

        assert run_cli(["--engine", f"unix://{path}", "engine", "--start"]) == 0
        out = capsys.readouterr()
        assert out.err.startswith(
            "Docker Desktop is installed but not running. Starting Docker Desktop, and "
            "waiting until it answers…"
        )
        assert f"at unix://{path}, found by setting" in out.out


def test_the_command_line_prints_the_command_to_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing at the default socket, with Debian's engine installed (this computer)."""
    monkeypatch.delenv("DOCKER_HOST")
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert run_cli(["engine", "--start"]) == 3  # no Docker Desktop: nothing to start
    assert capsys.readouterr().err.splitlines()[:3] == [
        "course-launcher: Docker is installed but not running.",
        "Start the Docker service with the command below (it asks for your password), "
        "then run the command again.",
        "  sudo systemctl start docker",
    ]
