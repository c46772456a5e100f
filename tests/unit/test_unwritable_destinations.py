"""A destination the student cannot write (export FILE, support-bundle FILE, backup --to
DIR) is refused with a clear message before any work starts: before Docker is asked,
before anything is collected. Three real ways a place cannot be written: a path under
a file, a read-only disk (which root respects too), and another user's folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from launcher.core.errors import DestinationNotWritable
from launcher.core.local.destinations import HINT, check_can_write_file, check_can_write_in

needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="mounts a read-only disk and acts as a second uid"
)
STUDENT_UID = 2000


def cli(*args: str, uid: int | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "launcher", *args]
    if uid is not None:
        command = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def commands(place: Path) -> dict[str, tuple[list[str], str, str]]:
    """Each command, the folder its message names, and what it says when work starts."""
    return {
        "export": (["export", "tm351-24j", str(place / "tm351.course.tar")],
                   f"The export cannot be saved in {place}", "Exporting"),
        "support-bundle": (["support-bundle", str(place / "support.txt")],
                           f"The support bundle cannot be saved in {place}", "Collecting"),
        "backup": (["backup", "tm351-24j", "--to", str(place / "backups")],
                   f"The backups cannot be saved in {place / 'backups'}", "Backing up"),
    }  # fmt: skip


def assert_refused_first(done: subprocess.CompletedProcess[str], says: str, started: str) -> None:
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0].startswith(f"course-launcher: {says}: "), done.stderr
    assert lines[1] == HINT
    assert started not in done.stderr and "something went wrong" not in done.stderr
    assert done.stdout == ""


@pytest.fixture
def read_only_disk() -> Iterator[Path]:
    """A folder on a disk mounted read-only: even root cannot write there."""
    folder = Path(tempfile.mkdtemp(prefix="cl-read-only-", dir="/tmp"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)
        folder.rmdir()


@pytest.mark.parametrize("command", ["export", "support-bundle", "backup"])
def test_a_destination_under_a_file_is_refused_first(command: str, tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    args, says, started = commands(a_file)[command]
    done = cli(*args)
    assert_refused_first(done, says, started)
    assert done.stderr.splitlines()[0].endswith(f"{a_file} is a file, not a folder.")
    assert a_file.read_text() == "not a folder"


@needs_root
@pytest.mark.parametrize("command", ["export", "support-bundle", "backup"])
def test_a_destination_on_a_read_only_disk_is_refused_first(
    command: str, read_only_disk: Path
) -> None:
    args, says, started = commands(read_only_disk)[command]
    done = cli(*args)
    assert_refused_first(done, says, started)
    assert done.stderr.splitlines()[0].endswith(": that disk is read-only (write-protected).")
    assert list(read_only_disk.iterdir()) == []


@needs_root
def test_another_users_folder_is_refused_first(monkeypatch: pytest.MonkeyPatch) -> None:
    area = Path(tempfile.mkdtemp(prefix="cl-student-", dir="/tmp"))
    try:
        area.chmod(0o755)
        home = area / "launcher-home"
        home.mkdir()
        os.chown(home, STUDENT_UID, STUDENT_UID)
        monkeypatch.setenv("COURSE_LAUNCHER_HOME", str(home))
        theirs = area / "root-only"
        theirs.mkdir(mode=0o755)  # root's, readable by all, writable by root alone
        for command in ("export", "support-bundle", "backup"):
            args, says, started = commands(theirs)[command]
            done = cli(*args, uid=STUDENT_UID)
            assert_refused_first(done, says, started)
            assert done.stderr.splitlines()[0].endswith(
                ": you do not have permission to write there."
            )
        assert list(theirs.iterdir()) == []
    finally:
        shutil.rmtree(area)


def test_the_checks_leave_nothing_behind_where_they_may_write(tmp_path: Path) -> None:
    check_can_write_in(tmp_path / "new" / "backups", "The backups")
    check_can_write_file(tmp_path / "bundle.txt", "The support bundle")
    assert list(tmp_path.iterdir()) == []  # nothing made, no probe file left
    with pytest.raises(DestinationNotWritable, match="that is a folder"):
        check_can_write_file(tmp_path, "The support bundle")
