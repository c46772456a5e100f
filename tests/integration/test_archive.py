"""Take-away files on the real engine: export, carry to a computer with no network, import,
start; a file cut short or changed is refused and leaves nothing loaded."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from launcher.core.archive.transfer import export_course
from launcher.core.errors import Cancelled
from launcher.core.launcher import Launcher
from launcher.core.operation import CancelToken
from tests.helpers.folders import make_student_folder
from tests.testbed.testbed import TestbedState


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        capture_output=True, text=True, timeout=300, check=False, env=env,
    )  # fmt: skip


def image_ids(client: docker.DockerClient) -> set[str]:
    return {image.id for image in client.images.list(all=True)}


@pytest.fixture
def exported(
    launcher: Launcher, course_catalogue: Path, testbed: TestbedState, tmp_path: Path
) -> Iterator[Path]:
    """test-jupyter exported with the command line into an empty folder."""
    launcher.install("test-jupyter")
    folder = tmp_path / "take-away"
    folder.mkdir()
    result = cli(
        "export", "test-jupyter", str(folder), "--json",
        "--catalogue", str(course_catalogue), "--engine", testbed.docker_host,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    path = Path(json.loads(result.stdout)["path"])
    assert path == folder / "test-jupyter.course.tar"
    assert [p.name for p in folder.iterdir()] == [path.name]  # no temporary file left
    assert "Exported" in result.stderr
    yield path


def test_export_remove_stop_registry_import_start(
    exported: Path, launcher: Launcher, testbed: TestbedState, clean_engine: docker.DockerClient,
    student_area: Path, tmp_path: Path,
) -> None:  # fmt: skip
    """The Done-when flow, on "another computer": a fresh launcher home that has never
    seen the test catalogue, and a registry that answers nothing."""
    ref = launcher.course("test-jupyter").image
    image_id = clean_engine.images.get(ref).id
    clean_engine.images.remove(image_id, force=True)
    other = {**os.environ, "COURSE_LAUNCHER_HOME": str(tmp_path / "other-computer")}
    engine = ["--engine", testbed.docker_host]
    os.kill(testbed.registry_pid, signal.SIGSTOP)
    try:
        assert cli("courses", *engine, env=other).stdout.count("test-jupyter") == 0
        imported = cli("import", str(exported), "--json", *engine, env=other)
        assert imported.returncode == 0, imported.stderr
        data = json.loads(imported.stdout)
        assert data["course"] == "test-jupyter"
        assert data["image_id"] == image_id  # the very image that was exported
        assert clean_engine.images.get(ref).id == image_id
        assert "added to your courses" in imported.stderr
        assert Path(data["catalogue_file"]).is_file()
        assert "test-jupyter" in cli("courses", *engine, env=other).stdout

        folder = make_student_folder(student_area, "imported")
        started = cli(
            "start", "test-jupyter", "--folder", str(folder), "--no-browser", "--json", *engine,
            env=other,
        )  # fmt: skip
        assert started.returncode == 0, started.stderr
        assert json.loads(started.stdout)["state"] == "running"

        again = cli("import", str(exported), *engine, env=other)  # a second import is harmless
        assert again.returncode == 0, again.stderr
        assert "added to your courses" not in again.stderr
    finally:
        os.kill(testbed.registry_pid, signal.SIGCONT)


def test_cut_changed_or_foreign_files_are_refused_and_nothing_is_loaded(
    exported: Path, launcher: Launcher, testbed: TestbedState, clean_engine: docker.DockerClient,
    course_catalogue: Path, tmp_path: Path,
) -> None:  # fmt: skip
    clean_engine.images.remove(launcher.course("test-jupyter").image, force=True)
    before = image_ids(clean_engine)
    size = exported.stat().st_size
    bad = tmp_path / "bad.course.tar"
    cases: list[tuple[str, int | None, str]] = [
        ("cut in the image", size // 2, "incomplete or damaged"),
        ("cut at the very end", size - 10, "incomplete or damaged"),
        ("one byte changed in the image", None, "checksum of its part image.tar"),
    ]
    for what, cut, expected in cases:
        shutil.copyfile(exported, bad)
        if cut is not None:
            os.truncate(bad, cut)
        else:
            with bad.open("r+b") as handle:
                handle.seek(size // 2)
                byte = handle.read(1)
                handle.seek(size // 2)
                handle.write(bytes([byte[0] ^ 0xFF]))
        result = cli(
            "import", str(bad), "--engine", testbed.docker_host,
            "--catalogue", str(course_catalogue),
        )  # fmt: skip
        assert result.returncode == 1, what
        assert expected in result.stderr, (what, result.stderr)
        assert "Traceback" not in result.stderr
        assert image_ids(clean_engine) == before, what

    bad.write_text("not an export\n" * 100)
    result = cli("import", str(bad), "--engine", testbed.docker_host)
    assert result.returncode == 1
    assert "not a course environment exported by Course Launcher" in result.stderr
    assert image_ids(clean_engine) == before


def test_a_cancelled_or_killed_export_leaves_no_file_under_its_name(
    launcher: Launcher, testbed: TestbedState, clean_engine: docker.DockerClient, tmp_path: Path,
    course_catalogue: Path,
) -> None:  # fmt: skip
    launcher.install("test-jupyter")
    course = launcher.course("test-jupyter")
    target = tmp_path / "out" / "course.tar"
    target.parent.mkdir()
    cancel = CancelToken()

    def cancel_after_some(progress: object) -> None:
        if getattr(progress, "bytes_done", 0) > 10_000_000:
            cancel.cancel()

    with pytest.raises(Cancelled):
        export_course(clean_engine, course, target, progress=cancel_after_some, cancel=cancel)
    assert list(target.parent.iterdir()) == []

    # Killed outright (power cut, Task Manager): a hidden temporary file may stay, never
    # a file under the name asked for.
    script = (
        "import os, signal, sys, docker\n"
        "from pathlib import Path\n"
        "from launcher.core.archive.transfer import export_course\n"
        "from launcher.core.catalogue.catalogue_file import load_catalogue_file\n"
        "course = load_catalogue_file(Path(sys.argv[1])).get('test-jupyter')\n"
        "def die(p):\n"
        "    if getattr(p, 'bytes_done', 0) > 10_000_000:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "export_course(docker.DockerClient(base_url=sys.argv[2]), course, Path(sys.argv[3]),"
        " progress=die)\n"
    )
    killed = subprocess.run(
        [sys.executable, "-c", script, str(course_catalogue), testbed.docker_host, str(target)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not target.exists()
    assert all(p.name.startswith(".course.tar.") for p in target.parent.iterdir())


def test_export_needs_the_image_and_never_overwrites_silently(
    launcher: Launcher, testbed: TestbedState, course_catalogue: Path, tmp_path: Path,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    common = ["--catalogue", str(course_catalogue), "--engine", testbed.docker_host]
    ref = launcher.course("test-multi").image
    with contextlib.suppress(docker.errors.ImageNotFound):
        clean_engine.images.remove(ref, force=True)
    missing = cli("export", "test-multi", str(tmp_path / "x.tar"), *common)
    assert missing.returncode == 1
    assert "not installed" in missing.stderr and "course-launcher install" in missing.stderr
    assert not (tmp_path / "x.tar").exists()

    existing = tmp_path / "mine.tar"
    existing.write_text("keep me")
    refused = cli("export", "test-jupyter", str(existing), *common)
    assert refused.returncode == 2
    assert "already exists" in refused.stderr
    assert existing.read_text() == "keep me"
