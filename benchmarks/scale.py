"""Scale: ten courses in the catalogue (the four bundled ones and six of the test
image), five installed and three running. Does the window still show in time, how
long does the course list take to refresh, and how often is the engine asked when
nothing happens?"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from benchmarks import window_startup
from benchmarks.course_setup import make_home
from benchmarks.figures import Row, Target, interleaved, median
from benchmarks.testbed_use import PYTHON, engine_to_ourselves, launcher_env
from benchmarks.window import IDLE_SECONDS, display, idle_app, probe, qt_env
from launcher.ui.app import BENCH_VARIABLE
from launcher.ui.single_instance import server_name

NAME = "scale"
COURSES, INSTALLED, RUNNING = 6, 5, 3  # plus the 4 bundled courses, not installed


def window_shown(env: dict[str, str]) -> window_startup.Sample:
    try:
        return window_startup.measure([PYTHON, "-m", "launcher"], env, idle=3.0)
    finally:
        (Path(tempfile.gettempdir()) / server_name(env)).unlink(missing_ok=True)


def measure(runs: int, idle_seconds: float = IDLE_SECONDS) -> list[Row]:
    with (
        tempfile.TemporaryDirectory(prefix="cl-bench-") as tmp,
        engine_to_ourselves() as state,
        display() as screen,
    ):
        folder = Path(tmp)
        client = state.client()
        try:
            home = make_home(folder / "scale", state, client, courses=COURSES, installed=INSTALLED)
            for course in home.courses[:RUNNING]:
                home.start(course.id)
            ours_env = qt_env(home.env, screen)
            ours_env.update({"DOCKER_HOST": state.docker_host, BENCH_VARIABLE: "1"})
            shown: dict[str, list[float]] = {"ours": [], "baseline": []}
            for number, order in enumerate(interleaved(runs + 1)):
                for side in order:
                    if side == "ours":
                        sample = window_shown(ours_env)
                    else:  # a first launch: nothing installed, no engine
                        empty = folder / f"empty-{number}"
                        env = qt_env(launcher_env(empty), screen)
                        env[BENCH_VARIABLE] = "1"
                        sample = window_shown(env)
                        shutil.rmtree(empty, ignore_errors=True)
                    if number > 0:  # the first launch of each warms the caches
                        shown[side].append(sample.shown)
            refresh = probe(
                "refresh", {"engine": state.docker_host}, qt_env(home.env, screen), folder
            )
            idle = idle_app(home, state, screen, idle_seconds)
        finally:
            client.close()
    if refresh["courses"] != COURSES + 4 or refresh["running"] != RUNNING:
        raise RuntimeError(
            f"the window saw {refresh['courses']} courses, {refresh['running']} running"
        )
    per_minute = 60 / idle["seconds"]
    paths = ", ".join(f"{n} {p}" for p, n in list(idle["by_path"].items())[:4])
    what = f"{COURSES + 4} courses, {INSTALLED} installed, {RUNNING} running"
    return [
        Row(NAME, f"window shown ({what})", "s", median(shown["ours"]),
            median(shown["baseline"]), "first launch: no engine, nothing installed",
            Target(1.05), shown, f"median of {runs}"),
        Row(NAME, "course list refresh (engine + list)", "ms",
            median(refresh["refresh_s"]) * 1000, None, "", Target(100, "value"),
            {"ours": [s * 1000 for s in refresh["refresh_s"]]},
            f"max {max(refresh['refresh_s']) * 1000:.0f} ms; on the GUI thread: "
            f"max {max(refresh['drawing_s']) * 1000:.1f} ms"),
        Row(NAME, "engine polls per minute, idle", "", idle["rounds"] * per_minute, None, "",
            Target(20, "value"), note=f"{idle['requests']} requests in {idle['seconds']:.0f} s"),
        Row(NAME, "engine requests per minute, idle", "", idle["requests"] * per_minute, None,
            "", None, note=paths),
        Row(NAME, "idle CPU (% of one core), window open, 3 running", "%",
            idle["cpu_percent"], idle["bare_cpu_percent"], "bare PySide6 window",
            Target(1.0, "value")),
    ]  # fmt: skip
