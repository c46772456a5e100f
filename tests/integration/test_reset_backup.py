"""A tutor's repair kit, for real: back up, reset (with and without the databases),
restore — and the student's files never change."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import docker
import pytest

from launcher.core.engine import labels
from launcher.core.environments.backups import backup_databases, restore_database
from launcher.core.environments.reset import reset_environment
from launcher.core.errors import BackupFailed
from launcher.core.launcher import Launcher
from tests.helpers.folders import folder_hashes, make_student_folder
from tests.testbed.testbed import TestbedState


def psql(client: docker.DockerClient, sql: str) -> tuple[int, str]:
    container = client.containers.get(labels.container_name("test-db"))
    result = container.exec_run(["psql", "-X", "-A", "-t", "-c", sql], user="postgres")
    return result.exit_code, result.output.decode()


def test_backup_reset_restore_round_trip_keeps_every_file(
    launcher: Launcher, student_area: Path, clean_engine: docker.DockerClient
) -> None:
    folder = make_student_folder(student_area, "db")
    (folder / "notebook.ipynb").write_text('{"cells": []}')
    (folder / "data").mkdir()
    (folder / "data" / "rows.csv").write_bytes(b"a,b\n1,2\n" * 1000)
    launcher.start("test-db", folder)
    assert (
        psql(clean_engine, "CREATE TABLE marks (x int); INSERT INTO marks VALUES (7), (9);")[0] == 0
    )
    before = folder_hashes(folder)

    [saved] = backup_databases(
        launcher.engine.client, launcher.course("test-db"), folder / "backups"
    )
    assert saved.path.parent == folder / "backups" and saved.size > 0
    assert b"CREATE TABLE public.marks" in saved.path.read_bytes()

    kept = reset_environment(launcher, "test-db")  # databases are kept by default
    assert kept.backups == ()
    assert psql(clean_engine, "SELECT sum(x) FROM marks")[1].strip() == "16"
    assert folder_hashes(folder) == before

    fresh = reset_environment(launcher, "test-db", databases=True)
    assert len(fresh.backups) == 1 and fresh.backups[0].path.exists()  # a backup came first
    code, output = psql(clean_engine, "SELECT sum(x) FROM marks")
    assert code != 0 and "does not exist" in output
    assert folder_hashes(folder) == before

    restore_database(launcher.engine.client, launcher.course("test-db"), saved.path)
    assert psql(clean_engine, "SELECT sum(x) FROM marks")[1].strip() == "16"
    assert folder_hashes(folder) == before


def test_failed_backup_leaves_no_file_and_reset_changes_nothing(
    testbed: TestbedState, launcher: Launcher, student_area: Path,
    clean_engine: docker.DockerClient, tmp_path: Path,
) -> None:  # fmt: skip
    folder = make_student_folder(student_area, "db2")
    launcher.start("test-db", folder)
    psql(clean_engine, "CREATE TABLE keep (x int); INSERT INTO keep VALUES (1);")
    container_id = clean_engine.containers.get(labels.container_name("test-db")).id
    # A catalogue whose dump command fails: the backup must fail and keep nothing.
    broken = tmp_path / "broken.toml"
    text = Path(launcher.course("test-db").source).read_text()
    broken.write_text(
        text.replace('"pg_dumpall", "--clean", "--if-exists"', '"pg_dumpall", "--no-such-option"')
    )
    other = Launcher.open(catalogues=[str(broken)], engine=testbed.docker_host)
    try:
        with pytest.raises(BackupFailed) as caught:
            reset_environment(other, "test-db", databases=True)
    finally:
        other.close()
    assert "no file was kept" in caught.value.message
    assert not [p for p in (folder / "backups").glob("*") if p.is_file()]
    assert clean_engine.containers.get(labels.container_name("test-db")).id == container_id
    assert psql(clean_engine, "SELECT count(*) FROM keep")[1].strip() == "1"


def test_reset_from_the_command_line(
    testbed: TestbedState, course_catalogue: Path, launcher: Launcher, student_area: Path,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    launcher.start("test-jupyter", make_student_folder(student_area, "cli-reset"))
    before = clean_engine.containers.get(labels.container_name("test-jupyter")).id
    common = ["--catalogue", str(course_catalogue), "--engine", testbed.docker_host]
    done = subprocess.run(
        [sys.executable, "-m", "launcher", "reset", "test-jupyter", *common],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ready again" in done.stderr
    after = clean_engine.containers.get(labels.container_name("test-jupyter"))
    assert after.id != before and after.status == "running"
    logs = subprocess.run(
        [sys.executable, "-m", "launcher", "logs", "test-jupyter", "--tail", "50", *common],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    token = launcher.secrets.get("test-jupyter")
    assert logs.returncode == 0 and "NotebookApp" in logs.stdout
    assert token and token not in logs.stdout
    shell = subprocess.run(
        [sys.executable, "-m", "launcher", "shell", "test-jupyter", *common],
        input="id -u\nexit\n", capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.strip().splitlines()[-1] == "1000"
