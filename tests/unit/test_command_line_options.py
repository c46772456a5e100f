"""The command line's global options and wording, run as a person runs them (no engine
needed: an engine address where nothing listens is enough to see which one is used)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from launcher.cli.main import GlobalOptions, window_options
from launcher.core.engine.address import engine_address_problem

COURSE = """
schema = 1

[[course]]
id = "{id}"
code = "OPT1"
presentation = "24J"
title = "A course named on the command line"
image = "registry.invalid/opt/course:1"
workspace = "/home/ou/OPT1-24J"
[[course.services]]
name = "Jupyter"
port = 8888
path = "/tree"
"""


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def catalogue_file(folder: Path, course_id: str) -> Path:
    path = folder / f"{course_id}.toml"
    path.write_text(COURSE.format(id=course_id), encoding="utf-8")
    return path


def test_catalogues_given_before_and_after_the_command_both_count(tmp_path: Path) -> None:
    before, after = catalogue_file(tmp_path, "opt-before"), catalogue_file(tmp_path, "opt-after")
    listed = cli("--catalogue", str(before), "courses", "--json", "--catalogue", str(after))
    assert listed.returncode == 0, listed.stderr
    ids = [row["id"] for row in json.loads(listed.stdout)]
    assert "opt-before" in ids and "opt-after" in ids
    assert ids.index("opt-before") < ids.index("opt-after")  # in the order given


def test_the_engine_given_before_the_command_is_the_one_used(tmp_path: Path) -> None:
    nowhere = f"unix://{tmp_path}/nothing.sock"
    result = cli("--engine", nowhere, "status")
    assert result.returncode == 3, result.stderr
    assert nowhere in result.stderr  # that engine, and no other, was tried
    after = cli("--engine", "unix:///nonexistent/before.sock", "status", "--engine", nowhere)
    assert after.returncode == 3 and nowhere in after.stderr
    assert "before.sock" not in after.stderr  # after the command wins, as in git -C


def test_a_bad_engine_address_gets_the_settings_dialogs_sentence() -> None:
    sentence = engine_address_problem("localhost:2375")
    assert sentence is not None
    for args in (
        ("status", "--engine", "localhost:2375"),
        ("--engine", "localhost:2375", "status"),
    ):
        result = cli(*args)
        assert result.returncode == 2, result.stderr
        assert sentence in result.stderr
        assert "Traceback" not in result.stderr


def test_the_command_line_is_never_told_to_press_a_button(tmp_path: Path) -> None:
    result = cli("status", "--engine", f"unix://{tmp_path}/nothing.sock")
    assert result.returncode == 3
    assert "Retry" not in result.stderr
    assert "run the command again" in result.stderr


def test_global_options_alone_open_the_window_with_them() -> None:
    assert window_options(["--catalogue", "a.toml", "--catalogue=b.toml"]) == GlobalOptions(
        ("a.toml", "b.toml"), None
    )
    assert window_options(["--engine", "tcp://127.0.0.1:2375"]) == GlobalOptions(
        (), "tcp://127.0.0.1:2375"
    )
    assert window_options(["--catalogue", "a.toml", "courses"]) is None  # a command
    assert window_options(["courses"]) is None
    assert window_options(["--catalogue"]) is None  # a usage error: the command line says so
    assert window_options([]) is None
