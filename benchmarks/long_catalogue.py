"""An institution's whole list: a generated, valid catalogue of 500 courses (``--size
small``: 40), 20 of them with an environment on the engine (small: 4), 5 running
(small: 2).

- the window shown, against the window of a first launch (the bundled catalogue,
  nothing installed, no engine), interleaved;
- the course list refresh timed inside the window (engine queries in the job, then
  relabelling), and each key of a search typed into the course search, from the key
  press until the filtered list is painted;
- the requests the idle app sends the engine per minute, against the same app with
  the 10 courses of the ``scale`` benchmark (5 installed, 3 running), in the same run.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from benchmarks import scale
from benchmarks.course_setup import make_home
from benchmarks.figures import Row, Target, interleaved, median
from benchmarks.testbed_use import engine_to_ourselves, launcher_env
from benchmarks.window import IDLE_SECONDS, display, idle_app, probe, qt_env
from launcher.core.engine.labels import container_name
from launcher.ui.app import BENCH_VARIABLE

NAME = "catalogue"
SIZES = {"small": (40, 4, 2), "full": (500, 20, 5)}  # courses, environments, running
SEARCH = "course 17"  # "Benchmark course 17…": a few courses match at the end


def measure(runs: int, size: str = "full", idle_seconds: float = IDLE_SECONDS) -> list[Row]:
    courses, environments, running = SIZES[size]
    with (
        tempfile.TemporaryDirectory(prefix="cl-bench-") as tmp,
        engine_to_ourselves() as state,
        display() as screen,
    ):
        folder = Path(tmp)
        client = state.client()
        try:
            home = make_home(folder / "long", state, client, courses=courses,
                             installed=environments)  # fmt: skip
            for course in home.courses[:environments]:
                home.start(course.id)
            for course in home.courses[running:environments]:
                client.containers.get(container_name(course.id)).stop(timeout=5)
            ours_env = qt_env(home.env, screen)
            ours_env.update({"DOCKER_HOST": state.docker_host, BENCH_VARIABLE: "1"})
            shown: dict[str, list[float]] = {"ours": [], "baseline": []}
            for number, order in enumerate(interleaved(runs + 1)):
                for side in order:
                    if side == "ours":
                        sample = scale.window_shown(ours_env)
                    else:  # a first launch: the bundled catalogue, no engine
                        empty = folder / f"empty-{number}"
                        env = qt_env(launcher_env(empty), screen)
                        env[BENCH_VARIABLE] = "1"
                        sample = scale.window_shown(env)
                        shutil.rmtree(empty, ignore_errors=True)
                    if number > 0:  # the first launch of each warms the caches
                        shown[side].append(sample.shown)
            config = {"engine": state.docker_host, "search": SEARCH}
            refresh = probe("refresh", config, qt_env(home.env, screen), folder)
            idle = idle_app(home, state, screen, idle_seconds)
            for name in [c.name for c in client.containers.list(all=True)]:
                client.containers.get(name).remove(force=True)
            few = make_home(folder / "few", state, client, courses=scale.COURSES,
                            installed=scale.INSTALLED)  # fmt: skip
            for course in few.courses[: scale.RUNNING]:
                few.start(course.id)
            idle_few = idle_app(few, state, screen, idle_seconds)
        finally:
            client.close()
    if refresh["courses"] < courses or refresh["running"] != running:
        raise RuntimeError(
            f"the window saw {refresh['courses']} courses, {refresh['running']} running"
        )
    if refresh["shown"] == 0 or refresh["shown"] >= refresh["courses"]:
        raise RuntimeError(f"the search {SEARCH!r} left {refresh['shown']} courses shown")
    what = f"{courses} courses, {environments} environments, {running} running"
    keys = [s * 1000 for s in refresh["keystroke_s"]]
    per_minute = 60 / idle["seconds"]
    few_per_minute = 60 / idle_few["seconds"]
    return [
        Row(NAME, f"window shown ({what})", "s", median(shown["ours"]),
            median(shown["baseline"]), "first launch: bundled catalogue", Target(1.1), shown,
            f"median of {runs}"),
        Row(NAME, f"course list refresh ({what})", "ms", median(refresh["refresh_s"]) * 1000,
            None, "", Target(100, "value"), {"ours": [s * 1000 for s in refresh["refresh_s"]]},
            f"max {max(refresh['refresh_s']) * 1000:.0f} ms; on the GUI thread: "
            f"max {max(refresh['drawing_s']) * 1000:.1f} ms"),
        Row(NAME, f"keystroke in the course search ({courses} courses)", "ms", max(keys), None,
            "", Target(16, "value"), {"ours": keys},
            f"the slowest of {len(keys)} keys ({SEARCH!r}), key press to painted list; "
            f"{refresh['shown']} shown at the end"),
        Row(NAME, f"engine requests per minute, idle ({courses} courses)", "",
            idle["requests"] * per_minute, idle_few["requests"] * few_per_minute,
            f"{scale.COURSES + 4} courses, {scale.RUNNING} running", Target(1.05),
            note=f"{idle['requests']} and {idle_few['requests']} requests in "
            f"{idle['seconds']:.0f} s"),
    ]  # fmt: skip
