"""Faults that really happen, on a real engine: the engine killed (SIGKILL of a dockerd)
during a pull, a start and while idle; the engine's disk filling during a pull.

The shared test engine is never killed: these tests use a private second dockerd
(:mod:`tests.testbed.fault_engine`) that pulls from the shared testbed registry.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
import requests

from launcher.core.engine import labels
from launcher.core.launcher import Launcher
from tests.helpers.catalogue import catalogue_text
from tests.helpers.checks import assert_contained
from tests.helpers.faults import downloaded_bytes, private_engine_for_test
from tests.helpers.folders import make_student_folder
from tests.testbed.fault_engine import FaultEngine
from tests.testbed.services import free_port
from tests.testbed.testbed import TestbedState


@pytest.fixture
def private_engine(testbed: TestbedState) -> Iterator[FaultEngine]:
    with private_engine_for_test() as engine:
        yield engine


@pytest.fixture
def catalogue(testbed: TestbedState, tmp_path: Path) -> Path:
    path = tmp_path / "catalogue.toml"
    path.write_text(catalogue_text(testbed, free_port(), free_port()))
    return path


class Cli:
    """``course-launcher`` run as a separate process, as a tutor's terminal runs it."""

    def __init__(self, engine: FaultEngine, catalogue: Path) -> None:
        self.engine = engine
        self.catalogue = catalogue

    def command(self, *args: str) -> list[str]:
        return [
            sys.executable, "-m", "launcher", *args,
            "--engine", self.engine.docker_host, "--catalogue", str(self.catalogue),
        ]  # fmt: skip

    def run(self, *args: str, timeout: float = 150) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args), capture_output=True, text=True, timeout=timeout, check=False
        )

    def run_and_kill_engine_when(
        self, args: tuple[str, ...], due: object, timeout: float = 120
    ) -> tuple[subprocess.CompletedProcess[str], float]:
        """Run the command; SIGKILL the engine once ``due()`` is true. Returns the result
        and how long the command took to end after the kill."""
        proc = subprocess.Popen(
            self.command(*args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(proc.stderr or []), daemon=True)
        reader.start()
        deadline = time.monotonic() + timeout
        while not due() and proc.poll() is None:  # type: ignore[operator]
            assert time.monotonic() < deadline, "the moment to kill the engine never came"
            time.sleep(0.05)
        assert proc.poll() is None, f"the command ended before the engine was killed: {lines}"
        self.engine.kill()
        killed_at = time.monotonic()
        proc.wait(timeout=timeout)
        took = time.monotonic() - killed_at
        reader.join(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()
        done = subprocess.CompletedProcess(proc.args, proc.returncode, "", "".join(lines))
        return done, took


def errors_of(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("course-launcher:")]


@pytest.mark.timeout(300)
def test_engine_killed_during_pull_and_start_then_back_adopts(
    testbed: TestbedState, private_engine: FaultEngine, catalogue: Path, student_area: Path
) -> None:
    cli = Cli(private_engine, catalogue)
    image = testbed.images["jupyter"]

    # 1. SIGKILL of dockerd while the image is downloading.
    before = downloaded_bytes(private_engine)
    pulled, took = cli.run_and_kill_engine_when(
        ("install", "test-jupyter"),
        lambda: downloaded_bytes(private_engine) > before + 30_000_000,
    )
    assert pulled.returncode == 3, pulled.stderr  # 3: Docker not available
    assert took < 15, f"the CLI took {took:.1f} s to notice the engine had gone"
    assert "Traceback" not in pulled.stderr
    errors = errors_of(pulled.stderr)
    assert len(errors) == 1 and "Docker stopped" in errors[0], pulled.stderr
    # While it is away, every command says so with exit 3, without hanging.
    status = cli.run("status", timeout=30)
    assert status.returncode == 3 and "Docker" in status.stderr, status.stderr

    # 2. The engine comes back on the same data: the install completes, nothing corrupt.
    private_engine.start()
    again = cli.run("install", "test-jupyter")
    assert again.returncode == 0, again.stderr
    client = docker.DockerClient(base_url=private_engine.docker_host, timeout=60)
    try:
        assert client.images.get(image).attrs["RepoTags"] == [image]
        ran = client.containers.run(image, ["python3", "-c", "print('ok')"], remove=True)
        assert ran.strip() == b"ok"

        # 3. SIGKILL of dockerd while the environment starts (created, not yet answering).
        folder = make_student_folder(student_area, "fault-start")
        made: list[str] = []

        def created() -> bool:
            made[:] = [
                c.id for c in client.containers.list(filters=labels.course_filter("test-jupyter"))
            ]
            return bool(made)

        started, took = cli.run_and_kill_engine_when(
            ("start", "test-jupyter", "--folder", str(folder), "--no-browser"), created
        )
        assert started.returncode == 3, started.stderr
        assert took < 15, f"the CLI took {took:.1f} s to notice the engine had gone"
        errors = errors_of(started.stderr)
        assert len(errors) == 1 and "Docker stopped" in errors[0], started.stderr
        assert "TEST1 24J" in errors[0]
        assert "Traceback" not in started.stderr

        # 4. Back again: the next start adopts the container it made, not a second one.
        private_engine.start()
        restarted = cli.run("start", "test-jupyter", "--folder", str(folder), "--no-browser")
        assert restarted.returncode == 0, restarted.stderr
        after = client.containers.list(all=True, filters=labels.course_filter("test-jupyter"))
        assert [c.id for c in after] == made
        assert_contained(after[0], folder, "test-jupyter")
        url = cli.run("url", "test-jupyter", timeout=30).stdout.strip()
        assert requests.get(url, timeout=10).status_code == 200
    finally:
        client.close()


# --- the launcher killed mid-write -----------------------------------------------


def partials_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


@pytest.mark.timeout(240)
def test_export_killed_leaves_no_half_file_after_the_next_export(
    testbed: TestbedState, launcher: Launcher, course_catalogue: Path, tmp_path: Path
) -> None:
    launcher.install("test-jupyter")
    out = tmp_path / "away"
    out.mkdir()
    target = out / "tm.course"
    # Not the launcher's, or not stale: never touched by the sweep.
    foreign = out / ".tm.course.mine.partial"
    foreign.write_text("someone else's")
    live = out / f".tm.course.{os.getpid()}.abcdefgh.partial"
    live.write_text("an export of a running launcher")
    command = [
        sys.executable, "-m", "launcher", "export", "test-jupyter", str(target),
        "--engine", testbed.docker_host, "--catalogue", str(course_catalogue),
    ]  # fmt: skip
    cli = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ours: list[Path] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and cli.poll() is None:
        ours = [p for p in out.glob(f".tm.course.{cli.pid}.*.partial") if p.stat().st_size > 2**20]
        if ours:
            break
        time.sleep(0.02)
    assert ours, "the export never started writing"
    cli.send_signal(signal.SIGKILL)
    cli.wait()
    half = ours[0].stat().st_size
    assert not target.exists()
    assert ours[0].exists()  # the debris a killed export leaves

    again = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert again.returncode == 0, again.stderr
    assert target.stat().st_size > half
    assert partials_in(out) == sorted([foreign.name, live.name])
    assert [p.name for p in out.iterdir() if not p.name.endswith(".partial")] == [target.name]


COURSES = 2000
HAMMER = """
import sys
from pathlib import Path
from launcher.core.local.paths import app_paths
from launcher.core.local.settings import CourseSettings, Settings
from launcher.core.local.settings_file import save_settings
paths = app_paths()
generation = int(sys.argv[1])
print("ready", flush=True)
while True:
    generation += 1
    courses = {  # a big file (about 200 kB): a write takes long enough to be cut
        f"course-{n}": CourseSettings(
            folder=Path(f"/home/s/{generation}/{n}"), ports={"8888": generation % 60000 + 1}
        )
        for n in range(COURSES)
    }
    sources = (f"/catalogues/{generation}.toml",)
    save_settings(paths, Settings(courses=courses, catalogue_sources=sources))
"""


def test_settings_write_killed_at_random_points_is_old_or_new(launcher_home: Path) -> None:
    from launcher.core.local.paths import app_paths
    from launcher.core.local.settings_file import load_settings

    paths = app_paths()
    paths.settings_file.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(8)  # noqa: S311 - timing, not secrets
    seen: set[int] = set()
    generation = 0
    cut_mid_write = 0  # kills that left a temporary file: a write really was cut
    for round_number in range(25):
        child = subprocess.Popen(
            [sys.executable, "-c", HAMMER.replace("COURSES", str(COURSES)), str(generation)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        if round_number % 2:  # at a random moment
            time.sleep(rng.uniform(0.0, 0.5))
        else:  # the moment its temporary file appears, or just after
            mine = f".{paths.settings_file.name}.{child.pid}."
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not any(
                n.name.startswith(mine) for n in paths.settings_file.parent.iterdir()
            ):
                pass
            time.sleep(rng.uniform(0.0, 0.002))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        folder = paths.settings_file.parent
        cut_mid_write += folder.is_dir() and any(p.suffix == ".tmp" for p in folder.iterdir())
        loaded = load_settings(paths)
        assert loaded.warning is None, loaded.warning
        settings = loaded.settings
        if not settings.courses:
            continue  # killed before its first write finished: the old (no) file
        assert len(settings.courses) == COURSES
        generation = int(settings.catalogue_sources[0].rsplit("/", 1)[1].removesuffix(".toml"))
        assert {c.ports["8888"] for c in settings.courses.values()} == {generation % 60000 + 1}
        assert {c.folder.parent.name for c in settings.courses.values() if c.folder} == {
            str(generation)
        }
        seen.add(generation)
    assert len(seen) >= 8, f"too few writes completed to prove anything: {sorted(seen)}"
    assert cut_mid_write >= 5, f"only {cut_mid_write} of 25 kills landed mid-write"
    print(f"{len(seen)} generations read back, {cut_mid_write} of 25 kills cut a write")
    assert not list(paths.settings_file.parent.glob("*.corrupt-*"))
    # At most the last killed writer's temporary file is left; the next write sweeps it.
    from launcher.core.local.settings_file import save_settings

    save_settings(paths, load_settings(paths).settings)
    debris = [p.name for p in paths.settings_file.parent.iterdir() if p.name.endswith(".tmp")]
    assert debris == []


# --- a damaged settings file, no keyring ------------------------------------------


def cli_run(
    testbed: TestbedState, catalogue: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args,
         "--engine", testbed.docker_host, "--catalogue", str(catalogue)],
        capture_output=True, text=True, timeout=150, check=False,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


@pytest.mark.parametrize("garbage", [b"\x00\xff garbage \xfe", b'{"courses": [1, 2', b"[]"])
def test_garbage_settings_file_is_set_aside_and_said(
    testbed: TestbedState, course_catalogue: Path, launcher_home: Path, garbage: bytes
) -> None:
    from launcher.core.local.paths import app_paths

    settings_file = app_paths().settings_file
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_bytes(garbage)
    done = cli_run(testbed, course_catalogue, "courses")
    assert done.returncode == 0, done.stderr
    assert "test-jupyter" in done.stdout
    notes = [line for line in done.stderr.splitlines() if line.startswith("Note:")]
    assert len(notes) == 1 and "settings file was damaged" in notes[0], done.stderr
    (aside,) = settings_file.parent.glob("settings.json.corrupt-*")
    assert str(aside) in notes[0]
    assert aside.read_bytes() == garbage  # kept as it was, for a tutor to look at
    again = cli_run(testbed, course_catalogue, "courses")
    assert "damaged" not in again.stderr  # said once, not on every run


LOCKED_KEYRING = """
import keyring.backend
import keyring.errors


class Locked(keyring.backend.KeyringBackend):
    priority = 10

    def get_password(self, service, username):
        raise keyring.errors.KeyringLocked("the keyring is locked")

    def set_password(self, service, username, password):
        raise keyring.errors.KeyringLocked("the keyring is locked")

    def delete_password(self, service, username):
        raise keyring.errors.KeyringLocked("the keyring is locked")
"""


@pytest.mark.parametrize("keyring_state", ["missing", "locked"])
def test_no_usable_keyring_still_starts_with_the_token_in_a_private_file(
    testbed: TestbedState, course_catalogue: Path, launcher_home: Path, tmp_path: Path,
    student_area: Path, clean_engine: docker.DockerClient, keyring_state: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.delenv("COURSE_LAUNCHER_SECRETS")
    if keyring_state == "missing":
        env = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    else:
        (tmp_path / "locked_keyring.py").write_text(LOCKED_KEYRING)
        env = {
            "PYTHON_KEYRING_BACKEND": "locked_keyring.Locked",
            "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path]),
        }
    folder = make_student_folder(student_area, f"keyring-{keyring_state}")
    started = cli_run(
        testbed, course_catalogue, "start", "test-jupyter", "--folder", str(folder),
        "--no-browser", env=env,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    url = cli_run(testbed, course_catalogue, "url", "test-jupyter", env=env).stdout.strip()
    assert requests.get(url, timeout=10).status_code == 200
    from launcher.core.local.paths import app_paths

    secrets_file = app_paths().data / "secrets.json"
    assert secrets_file.stat().st_mode & 0o777 == 0o600
    token = url.split("token=", 1)[1]
    container = clean_engine.containers.get(labels.container_name("test-jupyter"))
    assert_contained(container, folder, "test-jupyter")
    assert token in secrets_file.read_text()
    # The student can find out where the token is kept: the doctor says so.
    doctor = cli_run(testbed, course_catalogue, "doctor", "--json", env=env)
    checks = {c["id"]: c for c in json.loads(doctor.stdout)}
    assert "secrets.json" in checks["secrets.backend"]["summary"]
    assert checks["secrets.backend"]["status"] == "warning"


# --- the engine's disk fills during a pull ------------------------------------------

DISK_MB = 1100  # the data root's file system
BALLAST_MB = 420  # the student's other files; with them, the course image cannot fit


@pytest.mark.timeout(300)
def test_disk_full_during_pull_says_how_much_then_works_once_space_is_freed(
    testbed: TestbedState, catalogue: Path
) -> None:
    with private_engine_for_test(disk_mb=DISK_MB) as engine:
        cli = Cli(engine, catalogue)
        client = docker.DockerClient(base_url=engine.docker_host, timeout=120)
        try:
            info = client.info()  # the real storage driver, on the small ext4 disk
            assert info["Driver"] == "overlay2"
            assert ["Backing Filesystem", "extfs"] in info["DriverStatus"]
            other = testbed.images["base"]  # an image already here, that must keep working
            client.images.pull(*other.rsplit(":", 1))
            engine.fill(BALLAST_MB)
            free_before = engine.free_bytes()

            failed = cli.run("install", "test-jupyter")
            assert failed.returncode == 1, failed.stderr
            assert "Traceback" not in failed.stderr
            errors = errors_of(failed.stderr)
            assert len(errors) == 1, failed.stderr
            assert "not enough free disk space" in errors[0]
            # The size needed is said, as a number with a unit.
            said = re.search(r"needs (?:at least|about) ([0-9.]+) ([kMG])B", errors[0])
            assert said, errors[0]
            needed = float(said[1]) * {"k": 1e3, "M": 1e6, "G": 1e9}[said[2]]
            # Not less than what evidently was not enough.
            assert needed > free_before, (errors[0], free_before)
            assert "course-launcher images --prune" in failed.stderr
            print(f"free before the pull: {free_before / 1e6:.0f} MB; said: {errors[0]}")

            # Nothing corrupted: the other image still runs, the course image is not
            # half-registered, the engine answers.
            assert client.containers.run(other, ["echo", "ok"], remove=True) == b"ok\n"
            with pytest.raises(docker.errors.ImageNotFound):
                client.images.get(testbed.images["jupyter"])
            status = cli.run("status", "test-jupyter", timeout=30)
            assert status.returncode == 0 and "absent" in status.stdout, status.stderr

            engine.free()  # the student makes room
            again = cli.run("install", "test-jupyter")
            assert again.returncode == 0, again.stderr
            image = testbed.images["jupyter"]
            ran = client.containers.run(image, ["python3", "-c", "print('ok')"], remove=True)
            assert ran == b"ok\n"
            assert client.containers.run(other, ["echo", "ok"], remove=True) == b"ok\n"
        finally:
            client.close()
