"""How long `course-launcher install` takes next to `docker pull` of the same image.

    .venv/bin/python benchmarks/install_vs_pull.py [--runs 5] [--course test-multi]

Against the test engine and registry of ``tests/testbed`` (started with
``python -m tests.testbed up`` when they are not up; the testbed lock is held for the
whole run, so test runs wait). Runs are interleaved (ours, docker, docker, ours, ...),
and every image of the engine is removed before each run so all layers are downloaded
again. The table shows the medians of: wall time from process start to exit (the image
is present at exit), and the client process's CPU time. The same
figures and every run are written to ``install_vs_pull.json`` next to this script.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers.catalogue import catalogue_text  # noqa: E402
from tests.helpers.images import remove_all_images  # noqa: E402
from tests.testbed.config import locations  # noqa: E402
from tests.testbed.lock import exclusive_use  # noqa: E402
from tests.testbed.services import free_port  # noqa: E402
from tests.testbed.testbed import TestbedState, read_state  # noqa: E402

DOCKER = "/usr/local/bin/docker"
OUT = Path(__file__).with_suffix(".json")
RECIPE = {"test-jupyter": "jupyter", "test-multi": "multi", "test-db": "db"}


def testbed_up() -> TestbedState:
    state = read_state()
    if state is None:
        subprocess.run([sys.executable, "-m", "tests.testbed", "up"], cwd=ROOT, check=True)
        state = read_state()
    if state is None:
        raise SystemExit("the testbed did not come up")
    return state


def timed(argv: list[str], env: dict[str, str], log: Path) -> dict[str, float]:
    """Wall time and CPU time (user + system) of one command."""
    with log.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({process.returncode}):\n{log.read_text()[-2000:]}")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
    }


def measure_runs(runs: int, course: str = "test-multi") -> dict[str, Any]:
    """Every run of both sides, interleaved, each from an engine without images."""
    state = testbed_up()
    with exclusive_use(locations().run), tempfile.TemporaryDirectory(prefix="cl-bench-") as tmp:
        state = read_state() or state
        work = Path(tmp)
        catalogue = work / "catalogue.toml"
        catalogue.write_text(catalogue_text(state, free_port(), free_port()))
        ref = state.images[RECIPE[course]]
        base_env = {
            k: v for k, v in os.environ.items() if k not in ("DOCKER_HOST", "DOCKER_CONTEXT")
        }
        env = {
            **base_env,
            "COURSE_LAUNCHER_HOME": str(work / "home"),
            "COURSE_LAUNCHER_SECRETS": "file",
            "DOCKER_CONFIG": str(work / "docker-config"),
        }
        commands = {
            "ours": [
                sys.executable, "-m", "launcher", "install", course,
                "--engine", state.docker_host, "--catalogue", str(catalogue),
            ],
            "baseline": [DOCKER, "-H", state.docker_host, "pull", ref],
        }  # fmt: skip
        measured: dict[str, list[dict[str, float]]] = {"ours": [], "baseline": []}
        client = state.client()
        try:
            for index in range(runs):
                order = ["ours", "baseline"] if index % 2 == 0 else ["baseline", "ours"]
                for name in order:
                    remove_all_images(client)
                    figures = timed(commands[name], env, work / f"{name}.log")
                    client.images.get(ref)  # present at exit
                    measured[name].append(figures)
                    print(f"run {index + 1} {name:8} {figures['wall_s']:6.2f} s", file=sys.stderr)
            remove_all_images(client)
        finally:
            client.close()
    return {"course": course, "image": ref, "runs_each": runs, "runs": measured}


LABELS = {
    "wall_s": "wall time (s)",
    "cpu_s": "client CPU time (s)",
}


def summary(result: dict[str, Any]) -> list[dict[str, Any]]:
    table: list[dict[str, Any]] = []
    runs = result["runs"]
    for key, label in LABELS.items():
        ours = statistics.median(r[key] for r in runs["ours"])
        baseline = statistics.median(r[key] for r in runs["baseline"])
        table.append(
            {"figure": label, "ours": ours, "baseline": baseline, "ratio": ours / baseline}
        )
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--course", default="test-multi", choices=sorted(RECIPE))
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    result = measure_runs(args.runs, args.course)
    table = summary(result)
    print(f"{args.course} ({result['image']}), {args.runs} interleaved runs each, "
          "image removed between runs")  # fmt: skip
    print(f"{'figure':24} {'ours (median)':>14} {'baseline (median)':>18} {'ratio':>7}")
    for row in table:
        print(f"{row['figure']:24} {row['ours']:14.2f} {row['baseline']:18.2f} {row['ratio']:7.2f}")
    OUT.write_text(
        json.dumps(
            {
                "course": args.course,
                "image": result["image"],
                "runs_each": args.runs,
                "ours": "python -m launcher install",
                "baseline": "docker pull",
                "table": table,
                "runs": result["runs"],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written: {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
