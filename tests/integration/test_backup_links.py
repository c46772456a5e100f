"""A container cannot make a backup or a restore reach outside the student's folder.

The folder is mounted read-write in the course's container, and a link made in there
resolves on the host. Each test plants links from inside the real container, then runs
the launcher's own backup, reset and restore, and checks the files outside the folder.
"""

from __future__ import annotations

import hashlib
import shlex
import subprocess
import sys
import time
from pathlib import Path

import docker
import pytest

from launcher.core.engine import labels
from launcher.core.environments.backups import backup_databases, restore_database
from launcher.core.environments.reset import reset_environment
from launcher.core.errors import LinkRefused
from launcher.core.launcher import Launcher
from tests.helpers.folders import make_student_folder
from tests.testbed.testbed import TestbedState

WORKSPACE = "/home/ou/TM351-24J"  # where the test catalogue mounts the folder


def in_container(client: docker.DockerClient, script: str) -> None:
    """Run ``script`` as root in the course's container, in the mounted folder."""
    container = client.containers.get(labels.container_name("test-db"))
    result = container.exec_run(["sh", "-c", f"cd {WORKSPACE} && {script}"], user="root")
    assert result.exit_code == 0, result.output.decode()


def psql(client: docker.DockerClient, sql: str) -> tuple[int, str]:
    container = client.containers.get(labels.container_name("test-db"))
    result = container.exec_run(["psql", "-X", "-A", "-t", "-c", sql], user="postgres")
    return result.exit_code, result.output.decode()


def tree_hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def outside_area(student_area: Path) -> Path:
    """Files of the student's that are not in the course folder, as a dotfile would be."""
    outside = student_area / "outside"
    (outside / "docs").mkdir(parents=True)
    (outside / ".bashrc").write_text("# the student's shell start-up file\nalias ll='ls -l'\n")
    (outside / "docs" / "essay.txt").write_text("my essay\n")
    (outside / "secret.sql").write_text("CREATE TABLE leaked (x int);\n")
    return outside


def names_of_the_next_minutes(course_id: str, backup: str, seconds: int) -> list[str]:
    """Every name the launcher's backups could have, now and for the next ``seconds``."""
    now = int(time.time())
    stamps = {
        time.strftime("%Y%m%d-%H%M%S", time.localtime(t)) for t in range(now - 2, now + seconds)
    }
    finals = [f"{course_id}-{backup}-{stamp}.backup" for stamp in sorted(stamps)]
    return finals + [f".{name}.part" for name in finals]


@pytest.mark.timeout(600)
def test_links_planted_for_every_backup_name_reach_nothing_outside(
    launcher: Launcher, student_area: Path, clean_engine: docker.DockerClient
) -> None:
    folder = make_student_folder(student_area, "db-links")
    outside = outside_area(student_area)
    launcher.start("test-db", folder)
    assert psql(clean_engine, "CREATE TABLE marks (x int); INSERT INTO marks VALUES (7);")[0] == 0
    names = names_of_the_next_minutes("test-db", "postgres", 300)
    links = " && ".join(f"ln -s ../../outside/.bashrc {shlex.quote(name)}" for name in names)
    in_container(clean_engine, f"mkdir -p backups && cd backups && {links}")
    assert (folder / "backups" / names[0]).is_symlink()  # the links are really there
    before = tree_hashes(outside)

    [saved] = backup_databases(
        launcher.engine.client, launcher.course("test-db"), folder / "backups"
    )
    fresh = reset_environment(launcher, "test-db", databases=True)

    assert tree_hashes(outside) == before
    for made in (saved, *fresh.backups):
        assert made.path.parent == folder / "backups"
        assert not made.path.is_symlink() and made.path.is_file()
        assert b"CREATE TABLE public.marks" in made.path.read_bytes()
    assert len(fresh.backups) == 1 and fresh.backups[0].path != saved.path
    assert not [
        p for p in (folder / "backups").iterdir() if p.name.endswith(".part") and not p.is_symlink()
    ]


@pytest.mark.timeout(600)
def test_a_backups_link_out_of_the_folder_is_refused_and_changes_nothing(
    testbed: TestbedState, course_catalogue: Path, launcher: Launcher, student_area: Path,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    folder = make_student_folder(student_area, "db-link-out")
    outside = outside_area(student_area)
    launcher.start("test-db", folder)
    psql(clean_engine, "CREATE TABLE keep (x int); INSERT INTO keep VALUES (1);")
    in_container(
        clean_engine, "ln -s ../outside/docs backups && ln -s ../outside/secret.sql old.backup"
    )
    container_id = clean_engine.containers.get(labels.container_name("test-db")).id
    before = tree_hashes(outside)
    course = launcher.course("test-db")

    with pytest.raises(LinkRefused) as backup_refused:
        backup_databases(launcher.engine.client, course, folder / "backups")
    assert "is a link" in backup_refused.value.message
    with pytest.raises(LinkRefused):
        reset_environment(launcher, "test-db", databases=True)
    # A backup file that is a link to a file outside is not sent into the container.
    with pytest.raises(LinkRefused):
        restore_database(launcher.engine.client, course, folder / "old.backup")
    # Nor is one reached through the linked folder.
    with pytest.raises(LinkRefused):
        restore_database(launcher.engine.client, course, folder / "backups" / "essay.txt")

    common = ["--catalogue", str(course_catalogue), "--engine", testbed.docker_host]
    done = subprocess.run(
        [sys.executable, "-m", "launcher", "backup", "test-db", *common],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1 and "is a link" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr

    assert tree_hashes(outside) == before
    assert sorted(p.name for p in (outside / "docs").iterdir()) == ["essay.txt"]
    assert clean_engine.containers.get(labels.container_name("test-db")).id == container_id
    assert psql(clean_engine, "SELECT count(*) FROM keep")[1].strip() == "1"
    assert "does not exist" in psql(clean_engine, "SELECT count(*) FROM leaked")[1]
