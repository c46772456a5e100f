"""Starting stays ahead: restart-to-ready from the command line, `course-launcher start`
on a stopped environment, against the peer docker-app-launcher's `--start` and against
`docker start`, each followed by the same readiness poll (curl every 50 ms), in the same
run, on the same engine and image.

The peer (PyPI ``docker-app-launcher``, a pinned version) is installed into a virtual
environment of its own under ``test-artifacts/`` (never a dependency of the project)
and given a config of its image mode: the same image, a published port on 127.0.0.1,
the same token variable. Its ``--start`` asks the registry for the image, then makes
the container anew; it mounts no student folder (it has no bind mounts). Runs are
interleaved in rotating order; one warm-up run of each is not counted.
"""

from __future__ import annotations

import json
import secrets
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.figures import Row, Target, median
from benchmarks.start_to_ready import (
    BASELINE_CONTAINER,
    POLL,
    _remove,
    _stop,
    baseline_script,
    timed,
)
from benchmarks.testbed_use import (
    PYTHON,
    ROOT,
    engine_to_ourselves,
    free_port,
    launcher_env,
    wait_until_free,
)
from launcher.core.catalogue.catalogue_file import load_catalogue_file
from launcher.core.engine.labels import container_name
from launcher.core.environments.containers import published_ports
from tests.helpers.catalogue import catalogue_text

NAME = "peer"
PEER = "docker-app-launcher==0.28.0"
PEER_VENV = ROOT / "test-artifacts" / "peer-venv"
PEER_CONTAINER = "cl-bench-peer"
COURSE_ID = "test-jupyter"


def peer_command() -> Path:
    """The peer's command, installed into its own virtual environment when missing."""
    command = PEER_VENV / "bin" / "docker-app-launcher"
    if not command.exists():
        subprocess.run(["python3", "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run(
            [str(PEER_VENV / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
             PEER],
            check=True,
        )  # fmt: skip
    return command


def peer_config(folder: Path, image: str, port: int, token_env: str, token: str) -> Path:
    """The peer's image-mode config: our image, port and token variable; no extras that
    would touch anything else on the engine (no clean-up, no update check)."""
    config = {
        "app_name": "Benchmark course",
        "app_slug": "cl-bench-peer",
        "container_name": PEER_CONTAINER,
        "deployment_mode": "image",
        "image_reference": image,
        "default_port": port,
        "container_port": 8888,
        "bind_address": "127.0.0.1",
        "container_env": {token_env: token},
        "restart_policy": "",
        "health_check_path": "/api/status",
        "config_dir": str(folder / "config"),
        "install_dir": str(folder / "install"),
        "cleanup_on_start": False,
        "update_check_enabled": False,
        "single_instance": False,
    }
    (folder / "install").mkdir(parents=True, exist_ok=True)
    path = folder / "launcher.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def measure(runs: int) -> list[Row]:
    command = peer_command()
    with engine_to_ourselves() as state, tempfile.TemporaryDirectory(prefix="cl-bench-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)
        catalogue = work / "catalogue.toml"
        catalogue.write_text(catalogue_text(state, free_port(), free_port()))
        course = load_catalogue_file(catalogue).get(COURSE_ID)
        assert course.token is not None
        folder = work / "folder"
        folder.mkdir()
        token = secrets.token_urlsafe(32)
        header = work / "header"
        header.write_text(f"Authorization: token {token}\n")
        header.chmod(0o600)
        env = launcher_env(work / "home")
        shell_env = {**env, "HEADER": str(header), course.token.env: token}
        peer_port = free_port()
        config = peer_config(work / "peer", course.image, peer_port, course.token.env, token)
        peer_env = {**shell_env, "DOCKER_HOST": state.docker_host, "HOME": str(work / "peer")}
        q = shlex.quote
        peer_script = (
            f"set -e\n{q(str(command))} --config {q(str(config))} --start >/dev/null\n"
            f'until curl -sf -o /dev/null -H @"$HEADER" '
            f"http://127.0.0.1:{peer_port}/api/status; do sleep {POLL}; done\n"
        )
        ours = [
            PYTHON, "-m", "launcher", "start", COURSE_ID, "--folder", str(folder),
            "--engine", state.docker_host, "--catalogue", str(catalogue), "--no-browser",
        ]  # fmt: skip
        ours_container = container_name(COURSE_ID)
        client = state.client()
        try:
            client.images.pull(course.image)
            timed(ours, env, work / "ours.log")  # made once; every run below restarts it
            ports = published_ports(client.containers.get(ours_container))
            docker_script = baseline_script(course, ports, folder, state.docker_host, restart=True)
            first_run = baseline_script(course, ports, folder, state.docker_host, restart=False)
            _stop(client, ours_container)
            timed(["bash", "-c", first_run], shell_env, work / "baseline.log")
            _stop(client, BASELINE_CONTAINER)

            def wait_ports() -> None:
                for port in [*ports.values(), peer_port]:
                    wait_until_free(port)

            def side(argv: list[str], side_env: dict[str, str], name: str) -> Callable[[], float]:
                def run() -> float:
                    wall = timed(argv, side_env, work / f"{name}.log")
                    _stop(client, {"ours": ours_container, "docker": BASELINE_CONTAINER,
                                   "peer": PEER_CONTAINER}[name])  # fmt: skip
                    wait_ports()
                    return wall

                return run

            sides = {
                "ours": side(ours, env, "ours"),
                "docker": side(["bash", "-c", docker_script], shell_env, "docker"),
                "peer": side(["bash", "-c", peer_script], peer_env, "peer"),
            }
            wait_ports()
            for run in sides.values():
                run()  # warm-up
            samples: dict[str, list[float]] = {name: [] for name in sides}
            names = list(sides)
            for number in range(runs):
                for name in names[number % 3 :] + names[: number % 3]:
                    samples[name].append(sides[name]())
                last = ", ".join(f"{k} {v[-1]:.2f} s" for k, v in samples.items())
                print(f"restart run {number + 1}: {last}", flush=True)
        finally:
            for name in (ours_container, BASELINE_CONTAINER, PEER_CONTAINER):
                _remove(client, name)
            client.close()
    what = f"{COURSE_ID}, container stopped, median of {runs}"
    return [
        Row(NAME, "restart-to-ready, command line, against the peer", "s",
            median(samples["ours"]), median(samples["peer"]),
            f"{PEER} --start + curl every 50 ms", Target(1.0),
            {"ours": samples["ours"], "baseline": samples["peer"]},
            f"{what}; the peer makes its container anew and mounts no folder"),
        Row(NAME, "restart-to-ready, command line, against docker start", "s",
            median(samples["ours"]), median(samples["docker"]),
            "docker start + curl every 50 ms", Target(1.05),
            {"ours": samples["ours"], "baseline": samples["docker"]}, what),
        Row(NAME, "restart-to-ready, the peer, against docker start", "s",
            median(samples["peer"]), median(samples["docker"]),
            "docker start + curl every 50 ms", None,
            {"ours": samples["peer"], "baseline": samples["docker"]}, "the peer's own ratio"),
    ]  # fmt: skip
