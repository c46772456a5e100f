"""Who writes the folder, on images built the ways institutions build them.

For every test image, the command line runs as the student (uid 1500, and a student
whose uid equals the image's), as a student would run it: a notebook saved through
Jupyter's contents API lands in the folder, the student can edit it on the host, a
file the student made on the host can be changed from Jupyter, and reset, backup and
restore leave the folder byte-identical. The student's folder is in a home folder
of mode 0700, as on Debian, so no other account on this computer can reach it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import docker
import pytest
import requests

from launcher.core.engine import labels
from launcher.core.environments.sharing import (
    acl_with_users,
    decode_acl,
    encode_acl,
    needs_sharing,
)
from launcher.core.launcher import Launcher
from tests.helpers.course_images import IMAGES, Image, catalogue
from tests.helpers.folders import folder_hashes, make_student_folder
from tests.testbed.testbed import TestbedState

STUDENT = 1500  # neither root nor 1000 nor any image's user
_ACCESS = "system.posix_acl_access"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="runs the launcher as other uids")


_saved: list[tuple[Path, bytes | None, int]] = []  # path, its ACL and mode before


def open_engine(testbed: TestbedState, uid: int) -> None:
    """Let ``uid`` reach the test engine's socket: an ACL entry on it and on its
    folder, taken away again by ``close_engine``."""
    socket = Path(testbed.docker_host.removeprefix("unix://"))
    for path, perm in ((socket.parent, 0o1), (socket, 0o6)):
        try:
            before: bytes | None = os.getxattr(path, _ACCESS)
        except OSError:
            before = None
        _saved.append((path, before, path.stat().st_mode))
        entries = acl_with_users(decode_acl(before) if before else [], path.stat().st_mode,
                                 {uid: perm})  # fmt: skip
        os.setxattr(path, _ACCESS, encode_acl(entries))


def close_engine() -> None:
    while _saved:
        path, before, mode = _saved.pop()
        if before is None:
            os.removexattr(path, _ACCESS)
        else:
            os.setxattr(path, _ACCESS, before)
        path.chmod(mode)


@dataclass
class Student:
    uid: int
    home: Path
    folder: Path
    common: list[str]

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.home),
            "COURSE_LAUNCHER_HOME": str(self.home / "launcher-data"),
            "COURSE_LAUNCHER_SECRETS": "file",
            "LANG": "C.UTF-8",
        }
        return subprocess.run(
            [sys.executable, "-m", "launcher", *args, *self.common],
            user=self.uid, group=self.uid, extra_groups=[], env=env, cwd=self.home,
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip

    def shell(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["sh", "-c", command], user=self.uid, group=self.uid, extra_groups=[],
            cwd=self.home, capture_output=True, text=True, check=False,
        )  # fmt: skip


@pytest.fixture
def student_home() -> Iterator[Path]:
    """Where the test's students have their homes; the engine is closed to them again
    afterwards."""
    area = Path(tempfile.mkdtemp(prefix="cl-homes-", dir="/tmp"))
    area.chmod(0o755)
    yield area
    close_engine()
    shutil.rmtree(area, ignore_errors=True)


def make_student(testbed: TestbedState, area: Path, uid: int, image: Image) -> Student:
    home = area / f"home-{uid}"
    home.mkdir(mode=0o700)
    os.chown(home, uid, uid)
    folder = home / "course work"  # a space, as students have
    for path in (folder, home / "launcher-data"):
        path.mkdir()
        os.chown(path, uid, uid)
    cat = home / "catalogue.toml"
    cat.write_text(catalogue(testbed, image))
    open_engine(testbed, uid)
    return Student(uid, home, folder, ["--catalogue", str(cat), "--engine", testbed.docker_host])


def put(base: str, token: str, name: str, body: dict[str, object]) -> requests.Response:
    return requests.put(
        f"{base}/api/contents/{name}", json=body,
        headers={"Authorization": f"token {token}"}, timeout=20,
    )  # fmt: skip


NOTEBOOK = {
    "type": "notebook",
    "content": {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": "# Week 1"}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    },
}  # fmt: skip


def assert_ready_means_jupyter(base: str, token: str) -> None:
    """Started means Jupyter answers: with the token 200, without it refused."""
    status = requests.get(f"{base}/api/status", headers={"Authorization": f"token {token}"},
                          timeout=5)  # fmt: skip
    assert status.status_code == 200
    assert "started" in status.json()  # Jupyter's own answer, not the waiting page
    assert requests.get(f"{base}/api/status", timeout=5).status_code == 403


def round_trip(student: Student, image: Image, course: str) -> tuple[str, str]:
    """Start as the student; save through Jupyter, edit on the host, and back."""
    started = student.cli("start", course, "--folder", str(student.folder), "--no-browser",
                          "--json")  # fmt: skip
    assert started.returncode == 0, started.stderr
    assert "cannot be saved" not in started.stderr
    url = student.cli("url", course)
    assert url.returncode == 0, url.stderr
    parts = urlsplit(url.stdout.strip())
    token = parse_qs(parts.query)["token"][0]
    base = f"{parts.scheme}://{parts.netloc}"
    assert_ready_means_jupyter(base, token)  # at once: the OU's waiting page is not ready

    saved = put(base, token, f"{image.under}week1.ipynb", NOTEBOOK)
    assert saved.status_code == 201, saved.text
    notebook = student.folder / "week1.ipynb"
    assert "".join(json.loads(notebook.read_text())["cells"][0]["source"]) == "# Week 1"
    assert notebook.stat().st_uid == (image.uid if student.uid != image.uid else student.uid)
    edit = student.shell(f"echo ' ' >> '{notebook}' && echo ok")
    assert edit.returncode == 0 and edit.stdout == "ok\n", edit.stderr

    made = student.shell(
        f"mkdir '{student.folder}/notes' && echo mine > '{student.folder}/notes/a.txt'"
    )
    assert made.returncode == 0, made.stderr
    text = {"type": "file", "format": "text", "content": "changed in Jupyter\n"}
    changed = put(base, token, f"{image.under}notes/a.txt", text)
    assert changed.status_code == 200, changed.text
    assert (student.folder / "notes" / "a.txt").read_text() == "changed in Jupyter\n"
    assert (
        put(base, token, f"{image.under}notes/b.txt", text).status_code == 201
    )  # a new file in her folder
    assert student.shell(f"echo more >> '{student.folder}/notes/b.txt'").returncode == 0
    return base, token


RUNTIME = (".local", "share", "jupyter", "runtime")


def student_files(folder: Path, image: Image) -> dict[str, str]:
    """The folder's files and their hashes. Where the image's HOME is the workspace (the
    OU's images), Jupyter writes its runtime files (server info, a new one each start)
    into it: those are the server's, not the student's, and are left out."""
    hashes = folder_hashes(folder)
    if image.home_is_workspace:
        return {k: v for k, v in hashes.items() if tuple(Path(k).parts[:4]) != RUNTIME}
    return hashes


@pytest.mark.parametrize("image", IMAGES, ids=[i.recipe for i in IMAGES])
def test_folder_round_trip_reset_backup_restore_as_student_1500(
    image: Image, testbed: TestbedState, clean_engine: docker.DockerClient, student_home: Path
) -> None:
    student = make_student(testbed, student_home, STUDENT, image)
    course = f"c-{image.recipe}"
    base, token = round_trip(student, image, course)
    before = student_files(student.folder, image)

    reset = student.cli("reset", course)
    assert reset.returncode == 0, reset.stderr
    assert student_files(student.folder, image) == before
    if image.databases:
        backup = student.cli("backup", course)
        assert backup.returncode == 0, backup.stderr
        made = Path(backup.stdout.strip().splitlines()[0])
        assert made.stat().st_size > 0
        assert student_files(student.folder, image) == before
        restore = student.cli("restore", course, str(made))
        assert restore.returncode == 0, restore.stderr
        assert student_files(student.folder, image) == before
    # Jupyter still writes after the reset made the container anew.
    url = student.cli("url", course).stdout.strip()
    token = parse_qs(urlsplit(url).query)["token"][0]
    text = {"type": "file", "format": "text", "content": "x"}
    again = put(base, token, f"{image.under}after-reset.txt", text)
    assert again.status_code == 201, again.text
    assert (student.folder / "after-reset.txt").read_text() == "x"
    assert student.cli("remove", course).returncode == 0
    assert (student.folder / "week1.ipynb").is_file()


@pytest.mark.parametrize("image", IMAGES, ids=[i.recipe for i in IMAGES])
def test_folder_round_trip_as_student_with_the_images_uid(
    image: Image, testbed: TestbedState, clean_engine: docker.DockerClient, student_home: Path
) -> None:
    student = make_student(testbed, student_home, image.uid, image)
    round_trip(student, image, f"c-{image.recipe}")
    assert not os.listxattr(student.folder)  # same uid on both sides: nothing to share
    assert student.cli("remove", f"c-{image.recipe}").returncode == 0


def test_who_serves_corrects_what_the_image_said(
    testbed: TestbedState, clean_engine: docker.DockerClient, student_area: Path, tmp_path: Path
) -> None:
    """A course whose workspace is not in the image at all: the image tells nothing
    (its root would write), but the uid serving Jupyter (1234, after setpriv) is found
    once it runs, and the folder is shared with it before the start returns."""
    text = catalogue(testbed, Image("rootfirst", "/srv/course", 1234)).replace(
        'id = "c-rootfirst"', 'id = "c-elsewhere"'
    )
    (tmp_path / "elsewhere.toml").write_text(text)
    launcher = Launcher.open(catalogues=[str(tmp_path / "elsewhere.toml")],
                             engine=testbed.docker_host)  # fmt: skip
    try:
        folder = make_student_folder(student_area, "elsewhere")
        assert needs_sharing(folder, 1234)
        launcher.start("c-elsewhere", folder)
        assert not needs_sharing(folder, 1234)  # shared with who really serves
        container = clean_engine.containers.get(labels.container_name("c-elsewhere"))
        made = container.exec_run(["touch", "/srv/course/from-jupyter-user"], user="1234")
        assert made.exit_code == 0, made.output
        assert (folder / "from-jupyter-user").stat().st_uid == 1234
        launcher.remove("c-elsewhere")
    finally:
        launcher.close()


def test_stacks_image_honours_nb_uid_when_started_as_root(
    testbed: TestbedState, clean_engine: docker.DockerClient
) -> None:
    """The stacks' own way to run as the student's uid, which the launcher does not use
    (docs/how-it-works.md says why): as root with NB_UID/NB_GID, start.sh remakes
    jovyan with them and drops to it; as its USER (1000), it runs the command as is."""
    repository, tag = testbed.images["stacks"].rsplit(":", 1)
    clean_engine.images.pull(repository, tag=tag)
    command = ["sh", "-c", "id -u; id -g; id -un"]
    as_root = clean_engine.containers.run(
        testbed.images["stacks"], command, user="root", remove=True,
        environment={"NB_UID": str(STUDENT), "NB_GID": str(STUDENT)},
    )  # fmt: skip
    assert as_root.decode().split()[-3:] == [str(STUDENT), str(STUDENT), "jovyan"]
    as_image_user = clean_engine.containers.run(testbed.images["stacks"], command, remove=True)
    assert as_image_user.decode().split() == ["1000", "100", "jovyan"]
