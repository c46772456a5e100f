"""A launcher folder that cannot be written, and a course folder that is a link, each give
a sentence, never a traceback (real files and the real command line, no engine)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from launcher.core.environments.folder import check_folder
from launcher.core.errors import LinkRefused


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COURSE_LAUNCHER_HOME": str(home), "COURSE_LAUNCHER_SECRETS": "file"}
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        capture_output=True, text=True, timeout=60, check=False, env=env,
    )  # fmt: skip


@pytest.fixture
def blocked_home(tmp_path: Path) -> Path:
    """A home below a file: nothing can be made there, not even by root."""
    (tmp_path / "a-file").write_text("")
    return tmp_path / "a-file" / "home"


def test_a_home_that_cannot_be_written_is_a_note(blocked_home: Path) -> None:
    done = cli(blocked_home, "paths")
    assert done.returncode == 0, done.stderr
    assert "Note: The launcher cannot write its log in" in done.stderr
    assert "COURSE_LAUNCHER_HOME" in done.stderr and "Traceback" not in done.stderr
    assert "Errno" not in done.stderr  # log records are not printed instead


def test_settings_that_cannot_be_saved_are_a_sentence(blocked_home: Path, tmp_path: Path) -> None:
    catalogue = Path(__file__).parents[2] / "resources" / "catalogue.toml"
    done = cli(blocked_home, "catalogues", "--add", str(catalogue))
    assert done.returncode == 1, done.stderr
    assert "Your settings could not be saved in" in done.stderr, done.stderr
    assert "something went wrong" not in done.stderr and "Traceback" not in done.stderr
    assert "[Errno" not in done.stderr


def test_a_course_folder_that_is_a_link_names_the_real_one(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(LinkRefused) as refused:
        check_folder(tmp_path / "link")
    assert f"Choose {tmp_path / 'real'} as the course folder" in refused.value.hint
    assert check_folder(tmp_path / "real") == tmp_path / "real"
