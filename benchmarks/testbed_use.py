"""What every engine benchmark needs: the test engine and registry (``tests/testbed``),
a fresh launcher home, an engine left as the tests expect it, and a count of the
requests a process sends to the engine."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.helpers.images import remove_all_images  # noqa: E402
from tests.testbed.config import locations  # noqa: E402
from tests.testbed.lock import exclusive_use  # noqa: E402
from tests.testbed.testbed import TestbedState, read_state  # noqa: E402

DOCKER = "/usr/local/bin/docker"
PYTHON = sys.executable


def testbed_up() -> TestbedState:
    """The test engine and registry, started when they are not up."""
    state = read_state()
    if state is None:
        subprocess.run([PYTHON, "-m", "tests.testbed", "up"], cwd=ROOT, check=True)
        state = read_state()
    if state is None:
        raise SystemExit("the testbed did not come up")
    return state


@contextlib.contextmanager
def engine_to_ourselves() -> Iterator[TestbedState]:
    """The testbed, held against test runs (they wait), left as the tests expect it:
    no containers, no volumes, no images (the registry keeps them)."""
    state = testbed_up()
    with exclusive_use(locations().run, log=lambda text: print(text, file=sys.stderr)):
        state = read_state() or state
        client = state.client()
        try:
            empty_engine(client)
            yield state
        finally:
            empty_engine(client)
            client.close()


def empty_engine(client: docker.DockerClient) -> None:
    remove_all_images(client)  # containers first, then images
    client.volumes.prune()
    for volume in client.volumes.list():
        volume.remove(force=True)


def launcher_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment for a launcher process of its own: its folders under ``home``,
    secrets in a file, no engine found by accident, and its bytecode cached (beside
    ``home``) as an installed app has it, not compiled again in every run."""
    dropped = ("DOCKER_HOST", "DOCKER_CONTEXT", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(
        PYTHONPYCACHEPREFIX=str(home.parent / "pycache"),
        COURSE_LAUNCHER_HOME=str(home),
        COURSE_LAUNCHER_SECRETS="file",
        DOCKER_CONFIG=str(home / "docker-config"),
        DOCKER_HOST=f"unix://{home}/no-engine.sock",
    )
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_free(port: int, timeout: float = 10.0) -> None:
    """A removed container's port can stay taken for a moment; wait for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
                return
            except OSError:
                time.sleep(0.05)
    raise RuntimeError(f"port {port} stayed in use")


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory_gb = 0.0
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = int(line.split()[1]) / 1024 / 1024
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(memory_gb, 1),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def read_json_line(text: str) -> dict[str, Any]:
    """The last line of a child's stdout that is a JSON object."""
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    raise RuntimeError(f"no result from the child process:\n{text[-2000:]}")
