"""Courses for the window benchmarks: a launcher home whose catalogue has many courses,
some installed (their image present), some running; and a chatty course whose
container writes thousands of log lines a second next to its Jupyter."""

from __future__ import annotations

import io
import subprocess
import tarfile
from dataclasses import dataclass, replace
from pathlib import Path

import docker

from benchmarks.testbed_use import PYTHON, ROOT, free_port, launcher_env
from launcher.core.local.paths import app_paths
from launcher.core.local.settings import with_course
from launcher.core.local.settings_file import load_settings, save_settings
from tests.testbed.testbed import TestbedState

CHATTER = """\
import itertools, subprocess, sys, time
subprocess.Popen([sys.executable, "-m", "notebook", "--ip=0.0.0.0", "--port=8888",
                  "--no-browser"])
for i in itertools.count():
    print(f"chatty line {i}: the quick brown fox jumps over the lazy dog {i % 97}")
    if i % 50 == 0:
        sys.stdout.flush()
        time.sleep(0.01)  # about 5000 lines a second
"""

DOCKERFILE = """\
FROM {base}
COPY chatter.py /opt/chatter.py
CMD ["python3", "-u", "/opt/chatter.py"]
"""

COURSE = """
[[course]]
id = "{id}"
code = "{code}"
presentation = "24J"
title = "Benchmark course {number}"
image = "{image}"
workspace = "/home/ou/TM351-24J"
preferred_port = {port}
[course.token]
env = "JUPYTER_TOKEN"
[[course.services]]
name = "Jupyter"
port = 8888
path = "/tree"
ready = "/api/status"
auth = "token"
"""


@dataclass(frozen=True)
class Course:
    id: str
    image: str
    installed: bool


@dataclass
class Home:
    """A launcher home with its catalogue of benchmark courses."""

    folder: Path
    catalogue: Path
    courses: list[Course]
    engine: str

    @property
    def env(self) -> dict[str, str]:
        return launcher_env(self.folder / "home")

    def course_folder(self, course_id: str) -> Path:
        folder = self.folder / "courses" / course_id
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def start(self, course_id: str) -> None:
        """Start a course's environment through the command line, as a student would."""
        finished = subprocess.run(
            [
                PYTHON, "-m", "launcher", "start", course_id, "--engine", self.engine,
                "--folder", str(self.course_folder(course_id)), "--no-browser",
            ],
            env=self.env, cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
        if finished.returncode != 0:
            raise RuntimeError(f"start {course_id} failed:\n{finished.stderr[-2000:]}")


def chatty_image(client: docker.DockerClient, base: str, tag: str) -> str:
    """An image from ``base`` (present) whose container logs ~5000 lines a second."""
    context = io.BytesIO()
    with tarfile.open(fileobj=context, mode="w") as tar:
        for name, text in (
            ("Dockerfile", DOCKERFILE.format(base=base)),
            ("chatter.py", CHATTER),
        ):  # fmt: skip
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    context.seek(0)
    client.images.build(fileobj=context, custom_context=True, tag=tag, rm=True, pull=False)
    return tag


def make_home(
    folder: Path,
    state: TestbedState,
    client: docker.DockerClient,
    *,
    courses: int,
    installed: int,
    extra: str = "",
) -> Home:
    """A launcher home (settings name the catalogue) with ``courses`` courses of the
    Jupyter test image, the first ``installed`` of them present in the engine."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    base = state.images["jupyter"]
    client.images.pull(base)
    listed: list[Course] = []
    text = "schema = 1\n" + extra
    for number in range(1, courses + 1):
        image = f"{state.registry}/bench/course-{number}:1"
        if number <= installed:
            client.images.get(base).tag(image)
        course = Course(f"bench-{number}", image, number <= installed)
        listed.append(course)
        text += COURSE.format(
            id=course.id, code=f"BEN{number}", number=number, image=image, port=free_port()
        )
    catalogue = folder / "catalogue.toml"
    catalogue.write_text(text)
    home = Home(folder, catalogue, listed, state.docker_host)
    paths = app_paths(home.env)
    settings = load_settings(paths).settings
    settings = replace(settings, catalogue_sources=(str(catalogue),), open_browser=False)
    for course in listed:  # a folder chosen for each, as after a first start
        settings = with_course(settings, course.id, folder=home.course_folder(course.id))
    save_settings(paths, settings)
    return home


def chatty_course(state: TestbedState, client: docker.DockerClient) -> tuple[str, str]:
    """The catalogue entry of the chatty course (its image built now) and its id."""
    client.images.pull(state.images["jupyter"])
    image = chatty_image(client, state.images["jupyter"], f"{state.registry}/bench/chatty:1")
    text = COURSE.format(id="bench-chatty", code="CHAT", number=0, image=image, port=free_port())
    return text, "bench-chatty"
