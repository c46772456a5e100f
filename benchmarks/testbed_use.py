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
import threading
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
    testbed_up()
    with exclusive_use(locations().run, log=lambda text: print(text, file=sys.stderr)):
        state = testbed_up()  # a test run that held the lock meanwhile takes it down
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


def run_measured(
    argv: list[str],
    env: dict[str, str],
    log: Path,
    *,
    stdin: Path | None = None,
    stdout: Path | None = None,
) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of one command, which must succeed.
    Its output goes to ``log`` (stdout to ``stdout`` when given, as a shell's ``>``
    would). The peak is the process's own ``VmHWM``, read every 20 ms: its
    ``ru_maxrss`` would count the benchmark's own memory, which it had when forked."""
    with contextlib.ExitStack() as files:
        out_log = files.enter_context(log.open("w"))
        source = files.enter_context(stdin.open("rb")) if stdin else subprocess.DEVNULL
        sink = files.enter_context(stdout.open("wb")) if stdout else out_log
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, stdin=source, stdout=sink, stderr=out_log, env=env, cwd=ROOT
        )
        done = threading.Event()
        peak = [0]
        sampler = threading.Thread(target=_sample_peak, args=(process.pid, done, peak))
        sampler.start()
        _, status, _usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{argv[:4]} failed ({process.returncode}):\n{log.read_text()[-2000:]}")
    return wall, peak[0] / 1024  # kB


def _sample_peak(pid: int, done: threading.Event, peak: list[int]) -> None:
    status = Path(f"/proc/{pid}/status")
    while not done.is_set():
        try:
            text = status.read_text()
        except OSError:
            return
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                peak[0] = max(peak[0], int(line.split()[1]))
        done.wait(0.02)


def on_demand_image(state: TestbedState, client: docker.DockerClient, name: str) -> str:
    """A test image too big for every testbed (``tests/testbed/images.py``'s
    ``ON_DEMAND``): built once, then found in the registry by its recipe's hash."""
    from tests.testbed.images import ensure_on_demand

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    return ensure_on_demand(client, state.registry, locations(), name, log)
