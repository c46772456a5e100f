"""``export --with-work`` on the real engine: the databases and the student's folder
travel with the image, and come back on an engine that never had the course."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import docker

from launcher.core.engine import labels
from launcher.core.launcher import Launcher
from tests.helpers.folders import folder_hashes, make_student_folder
from tests.testbed.testbed import TestbedState


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        capture_output=True, text=True, timeout=300, check=False, env=env,
    )  # fmt: skip


def psql(client: docker.DockerClient, sql: str) -> tuple[int, str]:
    container = client.containers.get(labels.container_name("test-db"))
    result = container.exec_run(["psql", "-X", "-A", "-t", "-c", sql], user="postgres")
    return result.exit_code, result.output.decode()


def test_export_with_work_brings_back_database_and_folder_on_a_new_engine(
    launcher: Launcher, course_catalogue: Path, testbed: TestbedState,
    clean_engine: docker.DockerClient, student_area: Path, tmp_path: Path,
) -> None:  # fmt: skip
    engine = ["--engine", testbed.docker_host]
    folder = make_student_folder(student_area, "work")
    launcher.start("test-db", folder)
    (folder / "notebook.ipynb").write_text('{"cells": [1]}')
    (folder / "data").mkdir()
    (folder / "data" / "rows.csv").write_bytes(b"a,b\n1,2\n" * 5000)
    (folder / "data" / "secret-elsewhere").symlink_to("/etc/passwd")  # never carried
    code, _ = psql(clean_engine, "CREATE TABLE marks (x int); INSERT INTO marks VALUES (7), (35);")
    assert code == 0
    before = folder_hashes(folder)
    del before["data/secret-elsewhere"]  # the link, which folder_hashes follows
    assert len(before) == 2

    target = tmp_path / "db.course.tar"
    exported = cli(
        "export", "test-db", str(target), "--with-work", "--json",
        "--catalogue", str(course_catalogue), *engine,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert f"your folder {folder} (2 files" in exported.stderr  # sizes said before it starts
    assert "databases postgres" in exported.stderr
    assert "secret-elsewhere" in exported.stderr  # the link is named as left out

    # "Another computer": no container, no volumes, no image, a launcher home that never
    # saw the course.
    image = launcher.course("test-db").image
    launcher.remove("test-db", volumes=True)
    clean_engine.images.remove(image, force=True)
    assert not clean_engine.volumes.list(filters={"label": labels.COURSE})
    other = {**os.environ, "COURSE_LAUNCHER_HOME": str(tmp_path / "other-computer")}

    occupied = make_student_folder(student_area, "occupied")
    (occupied / "mine.txt").write_text("keep me")
    refused = cli("import", str(target), "--folder", str(occupied), *engine, env=other)
    assert refused.returncode != 0 and "not empty" in refused.stderr
    assert [p.name for p in occupied.iterdir()] == ["mine.txt"]
    assert "Traceback" not in refused.stderr
    no_folder = cli("import", str(target), *engine, env=other)
    assert no_folder.returncode != 0 and "--folder" in no_folder.stderr

    restored = student_area / "restored"
    imported = cli("import", str(target), "--folder", str(restored), "--json", *engine, env=other)
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["folder"] == str(restored)
    assert folder_hashes(restored) == before
    assert not (restored / "data" / "secret-elsewhere").exists()
    assert psql(clean_engine, "SELECT sum(x) FROM marks")[1].strip() == "42"
