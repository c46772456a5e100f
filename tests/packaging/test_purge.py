"""``purge``: everything the launcher made goes, course folders stay (real engine and CLI)."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import docker
import pytest

from launcher.core.engine import labels
from launcher.core.launcher import Launcher
from launcher.core.local import autostart
from launcher.core.local.paths import app_paths
from launcher.core.local.purge import purge
from launcher.core.local.secrets import open_secret_store, token_for
from launcher.core.local.settings import with_course
from launcher.core.local.settings_file import load_settings, save_settings
from tests.helpers.catalogue import catalogue_text
from tests.helpers.folders import folder_hashes
from tests.testbed.services import free_port
from tests.testbed.testbed import TestbedState


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        capture_output=True, text=True, timeout=240, check=False, input=stdin,
    )  # fmt: skip


def _remember_folder(course_id: str, folder: Path) -> None:
    paths = app_paths()
    settings = load_settings(paths).settings
    save_settings(paths, with_course(settings, course_id, folder=folder))


def test_purge_without_engine_removes_folders_and_tokens(
    launcher_home: Path, tmp_path: Path
) -> None:
    student = tmp_path / "student"
    student.mkdir()
    (student / "work.ipynb").write_text("{}")
    paths = app_paths()
    store = open_secret_store(paths)
    token_for(store, "tm351-24j")
    _remember_folder("tm351-24j", student)
    (paths.cache / "catalogues").mkdir(parents=True)
    autostart.set_enabled(True)  # Settings: start at login
    login_entry = autostart.this_system().entry
    assert launcher_home.exists() and login_entry is not None and login_entry.is_file()

    done = cli("purge", "--yes", "--json")

    assert done.returncode == 3, done.stderr  # Docker was not there: said, files still gone
    report = json.loads(done.stdout)
    assert report["tokens"] == ["tm351-24j"]
    assert report["engine_checked"] is False
    assert "not its Docker environments" in done.stderr
    assert not launcher_home.exists()
    assert report["login_entry"] is True and not login_entry.exists()
    assert (student / "work.ipynb").read_text() == "{}"


def test_purge_asks_first_and_needs_yes_without_a_terminal(launcher_home: Path) -> None:
    paths = app_paths()
    token_for(open_secret_store(paths), "tm351-24j")

    refused = cli("purge", stdin="")

    assert refused.returncode == 2
    assert "--yes" in refused.stderr
    assert (paths.data / "secrets.json").exists()


def test_purge_asks_on_a_terminal_and_no_keeps_everything(launcher_home: Path) -> None:
    paths = app_paths()
    token_for(open_secret_store(paths), "tm351-24j")
    controller, terminal = pty.openpty()
    app = subprocess.Popen(
        [sys.executable, "-m", "launcher", "purge"],
        stdin=terminal, stdout=terminal, stderr=terminal, close_fds=True,
    )  # fmt: skip
    os.close(terminal)
    said = b""
    try:
        while b"[y/N]" not in said:
            said += os.read(controller, 4096)
        os.write(controller, b"n\n")
        with contextlib.suppress(OSError):  # EIO once the app has closed the terminal
            while chunk := os.read(controller, 4096):
                said += chunk
        assert app.wait(timeout=60) == 0
    finally:
        os.close(controller)
        if app.poll() is None:
            app.kill()
            app.wait()
    assert str(paths.config) in said.decode()
    assert "Your course folders and the files in them are kept." in said.decode()
    assert "Nothing was removed." in said.decode()
    assert (paths.data / "secrets.json").exists()


def test_a_launcher_folder_holding_a_course_folder_is_kept(launcher_home: Path) -> None:
    paths = app_paths()
    inside = paths.data / "my-course"  # a student who chose a folder inside the launcher's
    inside.mkdir(parents=True)
    (inside / "essay.md").write_text("mine")
    _remember_folder("tm351-24j", inside)
    launcher = Launcher.open(paths=paths, offline=True)

    report = purge(paths, launcher.settings, launcher.catalogue, launcher.secrets, None)

    assert (inside / "essay.md").read_text() == "mine"
    assert paths.data not in report.folders
    assert paths.config in report.folders
    assert any("holds your course folder" in sentence for sentence in report.kept)
    assert not report.complete


def test_purge_removes_containers_volumes_images_tokens_and_folders(
    testbed: TestbedState, clean_engine: docker.DockerClient, launcher_home: Path,
    tmp_path: Path,
) -> None:  # fmt: skip
    catalogue = tmp_path / "catalogue.toml"
    catalogue.write_text(catalogue_text(testbed, free_port(), free_port()))
    common = ["--catalogue", str(catalogue), "--engine", testbed.docker_host]
    student = tmp_path / "student"
    student.mkdir()
    (student / "notes.txt").write_text("kept")
    # Someone else's container and volume on the same engine: never touched.
    other_volume = clean_engine.volumes.create("not-the-launchers")
    image = testbed.images["multi"]
    with contextlib.suppress(docker.errors.ImageNotFound):  # so that this start pulls it:
        clean_engine.images.remove(image, force=True)  # only what the launcher pulled goes
    started = cli("start", "test-multi", "--folder", str(student), "--no-browser", *common)
    assert started.returncode == 0, started.stderr
    before = folder_hashes(student)
    assert clean_engine.containers.list(all=True, filters=labels.managed_filter())
    assert clean_engine.volumes.list(filters=labels.managed_filter())
    clean_engine.images.get(image)

    done = cli("purge", "--yes", "--images", "--json", *common)

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["containers"] == ["course-launcher-test-multi"]
    assert report["volumes"] == ["course-launcher-test-multi-data"]
    assert report["tokens"] == ["test-multi"]
    assert report["complete"] is True, report["kept"]
    assert any(r["removed"] for r in report["images"])
    assert clean_engine.containers.list(all=True, filters=labels.managed_filter()) == []
    assert clean_engine.volumes.list(filters=labels.managed_filter()) == []
    with pytest.raises(docker.errors.ImageNotFound):
        clean_engine.images.get(image)
    assert not launcher_home.exists()
    assert folder_hashes(student) == before
    assert clean_engine.volumes.get(other_volume.name).name == "not-the-launchers"
    other_volume.remove()
