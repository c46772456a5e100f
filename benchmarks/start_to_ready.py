"""Start-to-ready and restart-to-ready: `course-launcher start` against what a student
types by hand, `docker run` (or `docker start`) and a curl loop polling the same
readiness URL every 50 ms.

Both sides use the same image (present), the same published ports, variables and
mounts; each run is timed from process start until every service answers (ours exits
then). Runs are interleaved, one warm-up run of each is not counted.
"""

from __future__ import annotations

import contextlib
import secrets
import shlex
import subprocess
import tempfile
import time
from pathlib import Path

import docker
import docker.errors

from benchmarks.figures import Row, Target, interleaved, median
from benchmarks.testbed_use import (
    DOCKER,
    PYTHON,
    ROOT,
    engine_to_ourselves,
    free_port,
    launcher_env,
    wait_until_free,
)
from benchmarks.window import probe
from launcher.core.catalogue.catalogue_file import load_catalogue_file
from launcher.core.catalogue.model import Course
from launcher.core.engine.labels import container_name
from launcher.core.environments.containers import published_ports
from tests.helpers.catalogue import catalogue_text

NAME = "start"
BASELINE_CONTAINER = "cl-bench-baseline"
POLL = "0.05"


def timed(argv: list[str], env: dict[str, str], log: Path) -> float:
    """Seconds from starting the process to its exit; it must succeed."""
    with log.open("w") as out:
        started = time.perf_counter()
        finished = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        wall = time.perf_counter() - started
    if finished.returncode != 0:
        raise RuntimeError(f"{argv[:4]} failed:\n{log.read_text()[-2000:]}")
    return wall


def baseline_script(
    course: Course, ports: dict[int, int], folder: Path, host: str, *, restart: bool
) -> str:
    """The shell a student would run: docker run (or start), then curl until each
    readiness URL answers below 400, every 50 ms."""
    q = shlex.quote
    if restart:
        run = f"{q(DOCKER)} -H {q(host)} start {BASELINE_CONTAINER} >/dev/null"
    else:
        publish = " ".join(
            f"-p 127.0.0.1:{ports[s.port]}:{s.port}" for s in course.services if s.port in ports
        )
        volumes = " ".join(f"-v cl-bench-{v.name}:{q(v.path)}" for v in course.volumes)
        token = f"-e {q(course.token.env)}" if course.token else ""  # value from the environment
        run = (
            f"{q(DOCKER)} -H {q(host)} run -d --name {BASELINE_CONTAINER} {publish} "
            f"-v {q(str(folder))}:{q(course.workspace)} {volumes} {token} {q(course.image)}"
            " >/dev/null"
        )
    urls = dict.fromkeys(
        f"http://127.0.0.1:{ports[s.port]}{s.ready}" for s in course.services if s.port in ports
    )
    polls = "\n".join(
        f'until curl -sf -o /dev/null -H @"$HEADER" {q(url)}; do sleep {POLL}; done' for url in urls
    )
    return f"set -e\n{run}\n{polls}\n"


def _remove(client: docker.DockerClient, name: str) -> None:
    with contextlib.suppress(docker.errors.NotFound):
        client.containers.get(name).remove(force=True)


def _stop(client: docker.DockerClient, name: str) -> None:
    container = client.containers.get(name)
    container.kill()
    container.wait()


def measure(runs: int, course_id: str = "test-jupyter") -> list[Row]:
    with engine_to_ourselves() as state, tempfile.TemporaryDirectory(prefix="cl-bench-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)
        catalogue = work / "catalogue.toml"
        catalogue.write_text(catalogue_text(state, free_port(), free_port()))
        course = load_catalogue_file(catalogue).get(course_id)
        folder = work / "folder"
        folder.mkdir()
        header = work / "header"
        token = secrets.token_urlsafe(32)
        header.write_text(f"Authorization: token {token}\n")
        header.chmod(0o600)
        env = launcher_env(work / "home")
        baseline_env = {**env, "HEADER": str(header)}
        if course.token:
            baseline_env[course.token.env] = token
        ours = [
            PYTHON, "-m", "launcher", "start", course_id, "--folder", str(folder),
            "--engine", state.docker_host, "--catalogue", str(catalogue), "--no-browser",
        ]  # fmt: skip
        ours_container = container_name(course_id)
        client = state.client()
        try:
            client.images.pull(course.image)  # present: neither side downloads
            timed(ours, env, work / "ours.log")  # warm-up; it also chooses the ports
            ports = published_ports(client.containers.get(ours_container))
            script = {
                restart: baseline_script(course, ports, folder, state.docker_host, restart=restart)
                for restart in (False, True)
            }

            def wait_ports() -> None:
                for port in ports.values():
                    wait_until_free(port)

            def cold(side: str) -> float:
                if side == "ours":
                    wall = timed(ours, env, work / "ours.log")
                    _remove(client, ours_container)
                else:
                    command = ["bash", "-c", script[False]]
                    wall = timed(command, baseline_env, work / "baseline.log")
                    _remove(client, BASELINE_CONTAINER)
                wait_ports()
                return wall

            def warm(side: str) -> float:
                if side == "ours":
                    before = client.containers.get(ours_container).id
                    wall = timed(ours, env, work / "ours.log")
                    if client.containers.get(ours_container).id != before:
                        raise RuntimeError("the launcher made its container again on restart")
                    _stop(client, ours_container)
                else:
                    command = ["bash", "-c", script[True]]
                    wall = timed(command, baseline_env, work / "baseline.log")
                    _stop(client, BASELINE_CONTAINER)
                wait_ports()
                return wall

            _remove(client, ours_container)
            wait_ports()
            cold("baseline")  # warm-up
            samples: dict[str, dict[str, list[float]]] = {
                "cold": {"ours": [], "baseline": []},
                "warm": {"ours": [], "baseline": []},
            }
            for number, order in enumerate(interleaved(runs), 1):
                for side in order:
                    samples["cold"][side].append(cold(side))
                print(f"start-to-ready run {number}: {_last(samples['cold'])}", flush=True)

            # the same start from the open window: no process to start, nothing to import
            config = {"engine": state.docker_host, "catalogue": str(catalogue),
                      "course": course_id, "runs": runs}  # fmt: skip
            window_env = env | {"QT_QPA_PLATFORM": "offscreen"}
            in_window = probe("start", config, window_env, work)
            wait_ports()
            again_in_window = probe("start", config | {"restart": True}, window_env, work)
            wait_ports()

            # restart: both containers exist, stopped
            timed(ours, env, work / "ours.log")
            _stop(client, ours_container)
            wait_ports()
            timed(["bash", "-c", script[False]], baseline_env, work / "baseline.log")
            _stop(client, BASELINE_CONTAINER)
            wait_ports()
            warm("ours")  # warm-up
            warm("baseline")
            for number, order in enumerate(interleaved(runs), 1):
                for side in order:
                    samples["warm"][side].append(warm(side))
                print(f"restart-to-ready run {number}: {_last(samples['warm'])}", flush=True)
        finally:
            for name in (ours_container, BASELINE_CONTAINER):
                _remove(client, name)
            client.close()
    what = f"{course_id}, {len(ports)} port(s), median of {runs}"
    return [
        Row(
            NAME, "start-to-ready, container absent", "s",
            median(samples["cold"]["ours"]), median(samples["cold"]["baseline"]),
            "docker run + curl every 50 ms", Target(1.05), samples["cold"], what,
        ),
        _window_row(
            "start-to-ready from the open window", in_window["start_s"],
            samples["cold"]["baseline"], "docker run + curl every 50 ms",
            f"{what}; Start pressed until the job ends; the baseline runs above",
        ),
        Row(
            NAME, "restart-to-ready, container stopped", "s",
            median(samples["warm"]["ours"]), median(samples["warm"]["baseline"]),
            "docker start + curl every 50 ms", Target(1.05), samples["warm"], what,
        ),
        _window_row(
            "restart-to-ready from the open window", again_in_window["start_s"],
            samples["warm"]["baseline"], "docker start + curl every 50 ms",
            f"{what}; Start pressed on a stopped environment until the job ends; "
            "the baseline runs above",
        ),
    ]  # fmt: skip


def _window_row(
    figure: str, ours: list[float], baseline: list[float], baseline_name: str, note: str
) -> Row:
    """A start timed inside the open window, against the command-line runs' baseline."""
    samples = {"ours": ours, "baseline": baseline}
    return Row(
        NAME, figure, "s", median(ours), median(baseline), baseline_name, Target(1.05),
        samples, note,
    )  # fmt: skip


def _last(samples: dict[str, list[float]]) -> str:
    return ", ".join(f"{side} {values[-1]:.2f} s" for side, values in samples.items())
