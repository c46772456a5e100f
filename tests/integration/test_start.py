"""Start a course for real: folder, token, ports, restart, recreate — on the test engine."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import docker
import pytest
import requests

from launcher.core.engine import labels
from launcher.core.environments.sharing import needs_sharing
from launcher.core.errors import NameClash
from launcher.core.launcher import Launcher
from tests.helpers.folders import STUDENT_UID, make_student_folder
from tests.testbed.engine_proxy import counting_proxy
from tests.testbed.testbed import TestbedState

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="acts as a second uid with setpriv")


def as_student(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["setpriv", f"--reuid={STUDENT_UID}", f"--regid={STUDENT_UID}", "--clear-groups",
         "sh", "-c", command],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def put_file(base: str, token: str, name: str, text: str) -> requests.Response:
    return requests.put(
        f"{base}/api/contents/{name}",
        json={"type": "file", "format": "text", "content": text},
        headers={"Authorization": f"token {token}"},
        timeout=10,
    )


@needs_root
def test_start_token_files_restart_and_folder_change(
    launcher: Launcher, student_area: Path, clean_engine: docker.DockerClient
) -> None:
    folder = make_student_folder(student_area, "TM351 work")  # a space, as students have
    (folder / "notes.txt").write_text("mine\n")
    os.chown(folder / "notes.txt", STUDENT_UID, STUDENT_UID)
    result = launcher.start("test-jupyter", folder)
    port = result.ports[8888]
    token = launcher.ensure_token("test-jupyter")
    assert token and len(token) >= 22
    base = f"http://127.0.0.1:{port}"
    assert requests.get(f"{base}/api/status", headers={"Authorization": f"token {token}"},
                        timeout=5).status_code == 200  # fmt: skip
    assert requests.get(f"{base}/api/status", timeout=5).status_code == 403

    # A file written through Jupyter lands in the folder, usable by the student (uid 2000).
    assert put_file(base, token, "from-jupyter.txt", "hello\n").status_code in (200, 201)
    made = folder / "from-jupyter.txt"
    assert made.read_text() == "hello\n"
    assert made.stat().st_uid == 1000  # the image's user; never chowned
    edit = as_student(f"echo more >> '{made}' && cat '{made}'")
    assert edit.returncode == 0, edit.stderr
    # … and a file the student made on the host can be changed from Jupyter.
    assert as_student(f"echo host > '{folder}/from-host.txt'").returncode == 0
    assert put_file(base, token, "from-host.txt", "changed in Jupyter\n").status_code == 200
    assert (folder / "from-host.txt").read_text() == "changed in Jupyter\n"
    assert (folder / "notes.txt").stat().st_uid == STUDENT_UID  # owner untouched

    # Stop, start again: same container, port and token.
    container_id = clean_engine.containers.get(labels.container_name("test-jupyter")).id
    assert launcher.stop("test-jupyter")
    again = launcher.start("test-jupyter")  # the folder is remembered
    assert again.ports == result.ports
    assert launcher.ensure_token("test-jupyter") == token
    assert clean_engine.containers.get(labels.container_name("test-jupyter")).id == container_id

    # A new folder recreates the container; the old folder is left exactly as it was.
    before = sorted((p.name, p.read_bytes()) for p in folder.iterdir())
    other = make_student_folder(student_area, "TM351-b")
    moved = launcher.start("test-jupyter", other)
    recreated = clean_engine.containers.get(labels.container_name("test-jupyter"))
    assert recreated.id != container_id
    assert moved.status.folder == str(other)
    assert moved.ports == result.ports
    assert sorted((p.name, p.read_bytes()) for p in folder.iterdir()) == before
    assert put_file(f"http://127.0.0.1:{port}", token, "b.txt", "b\n").status_code == 201
    assert (other / "b.txt").exists() and not (folder / "b.txt").exists()


def test_image_user_is_asked_once_then_remembered(
    testbed: TestbedState, course_catalogue: Path, clean_engine: docker.DockerClient,
    student_area: Path, tmp_path: Path,
) -> None:  # fmt: skip
    """The image names its user (jovyan): its uid is read out of a container once, and
    a later launcher process shares a new folder with it without asking again."""
    container_uid = 1000

    def start_in(folder: Path, address: str) -> None:
        launcher = Launcher.open(catalogues=[str(course_catalogue)], engine=address)
        try:
            launcher.start("test-jupyter", folder)
            launcher.remove("test-jupyter")  # the next start makes the container again
        finally:
            launcher.close()

    def archive_reads(requests: list[tuple[float, str, str]]) -> int:
        return sum(1 for _t, _method, path in requests if path.endswith("/archive"))

    with counting_proxy(tmp_path, testbed.docker_host) as proxy:
        first = make_student_folder(student_area, "first")
        start_in(first, proxy.address)
        assert archive_reads(proxy.requests) == 1
        assert not needs_sharing(first, container_uid)

        second = make_student_folder(student_area, "second")
        assert needs_sharing(second, container_uid)
        moment = time.monotonic()
        start_in(second, proxy.address)
        assert archive_reads(proxy.since(moment)) == 0
        assert not needs_sharing(second, container_uid)  # shared all the same


def test_two_services_each_ready_with_its_url(
    launcher: Launcher, student_area: Path, clean_engine: docker.DockerClient
) -> None:
    result = launcher.start("test-multi", make_student_folder(student_area, "multi"))
    by_name = {e.name: e for e in result.endpoints}
    assert set(by_name) == {"Jupyter", "Database UI"}
    assert by_name["Jupyter"].url != by_name["Database UI"].url
    assert len(set(result.ports.values())) == 2
    ui = requests.get(by_name["Database UI"].url, timeout=5)
    assert ui.status_code == 200 and "Course database UI" in ui.text
    jupyter_url = launcher.service_url("test-multi", "jupyter")
    assert "token=" in jupyter_url
    assert requests.get(jupyter_url, timeout=5).status_code == 200
    volumes = clean_engine.volumes.list(filters=labels.course_filter("test-multi"))
    assert [v.name for v in volumes] == [labels.volume_name("test-multi", "data")]


def test_foreign_container_with_our_name_is_left_alone(
    launcher: Launcher,
    student_area: Path,
    clean_engine: docker.DockerClient,
    testbed: TestbedState,
) -> None:
    ref = testbed.images["jupyter"]
    repository, tag = ref.rsplit(":", 1)
    clean_engine.images.pull(repository, tag=tag)
    foreign = clean_engine.containers.create(ref, name=labels.container_name("test-jupyter"))
    with pytest.raises(NameClash) as caught:
        launcher.start("test-jupyter", make_student_folder(student_area, "f"))
    assert "did not make it" in caught.value.message
    assert "docker rm" in caught.value.hint
    foreign.reload()
    assert foreign.status == "created"
    assert labels.MANAGED not in foreign.labels
