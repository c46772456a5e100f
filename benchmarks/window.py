"""The window: shown and idle memory (next to a bare PySide6 window, through
``window_startup.py``), the GUI thread's longest stall while a pull, a start and a
chatty log run together, and the app's idle CPU with two environments running."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks import window_startup
from benchmarks.course_setup import COURSE, Home, chatty_course, make_home
from benchmarks.figures import Row, Target, median, polling_rounds
from benchmarks.gui_probe import gaps_within
from benchmarks.testbed_use import (
    PYTHON,
    ROOT,
    cpu_seconds,
    engine_to_ourselves,
    free_port,
    read_json_line,
)
from launcher.ui.app import BENCH_VARIABLE
from launcher.ui.single_instance import server_name
from tests.testbed.engine_proxy import counting_proxy
from tests.testbed.testbed import TestbedState

NAME = "window"
IDLE_SECONDS = 20.0


class _Options(argparse.Namespace):
    """window_startup's options; any it grows later take their default (None)."""

    def __getattr__(self, name: str) -> Any:
        return None


@contextlib.contextmanager
def display() -> Iterator[dict[str, str]]:
    """Qt's settings for a real X server (Xvfb) when there is one, else offscreen."""
    if shutil.which("Xvfb"):
        with window_startup.xvfb() as name:
            yield {"DISPLAY": name, "QT_QPA_PLATFORM": "xcb"}
    else:
        yield {"QT_QPA_PLATFORM": "offscreen"}


def qt_env(env: dict[str, str], screen: dict[str, str]) -> dict[str, str]:
    return {**{k: v for k, v in env.items() if not k.startswith("QT_")}, **screen}


def shown_and_memory(runs: int) -> list[Row]:
    caches = tempfile.mkdtemp(prefix="cl-bench-pycache-")
    base = {k: v for k, v in os.environ.items() if not k.startswith("QT_")}
    base.pop("PYTHONDONTWRITEBYTECODE", None)
    base["PYTHONPYCACHEPREFIX"] = caches
    options = _Options(runs=max(5, runs), idle=3.0, docker_host=None)
    try:
        if shutil.which("Xvfb"):
            with window_startup.xvfb() as name:
                rows = window_startup.run(options, name, base)
        else:
            rows = window_startup.run(options, None, base)
    finally:
        shutil.rmtree(caches, ignore_errors=True)
    samples = dict(rows)
    bare, ours = samples["bare PySide6 window"], samples["Course Launcher window"]
    note = f"process start → first paint, median of {options.runs}, no engine"
    return [
        Row(
            NAME, "window shown", "s",
            median(s.shown for s in ours), median(s.shown for s in bare), "bare PySide6 window",
            Target(0.30, "value"),
            {"ours": [s.shown for s in ours], "baseline": [s.shown for s in bare]}, note,
        ),
        Row(
            NAME, "resident memory, window idle", "MB",
            median(s.rss_mb for s in ours), median(s.rss_mb for s in bare),
            "bare PySide6 window", Target(80, "value"),
            {"ours": [s.rss_mb for s in ours], "baseline": [s.rss_mb for s in bare]},
            "after 3 s idle",
        ),
    ]  # fmt: skip


def probe(mode: str, config: dict[str, Any], env: dict[str, str], folder: Path) -> dict[str, Any]:
    """Run ``gui_probe`` in a process of its own and return what it measured."""
    config_file = folder / f"{mode}.json"
    config_file.write_text(json.dumps(config))
    finished = subprocess.run(
        [PYTHON, "-m", "benchmarks.gui_probe", mode, str(config_file)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if finished.returncode != 0:
        raise RuntimeError(f"gui_probe {mode} failed:\n{finished.stderr[-3000:]}")
    return read_json_line(finished.stdout)


def gui_stall(folder: Path, parts: tuple[str, ...] = ("pull", "start", "log")) -> list[Row]:
    """Install one course, start another and follow a chatty log in the real window
    (``parts`` picks some of the three, to see which one stalls it)."""
    with engine_to_ourselves() as state, display() as screen:
        client = state.client()
        try:
            chatty, chatty_id = chatty_course(state, client)
            pull = COURSE.format(
                id="bench-pull", code="PULL", number=99, image=state.images["db"],
                port=free_port(),
            )  # fmt: skip
            home = make_home(
                folder / "stall", state, client, courses=1, installed=1, extra=chatty + pull
            )
            home.start(chatty_id)
            config = {"engine": state.docker_host, "pull": "bench-pull", "start": "bench-1",
                      "chatty": chatty_id, "parts": list(parts)}  # fmt: skip
            (folder / "none.json").write_text("{}")
            ticker = subprocess.Popen(
                [PYTHON, "-m", "benchmarks.gui_probe", "ticker", str(folder / "none.json")],
                env=qt_env(home.env, {"QT_QPA_PLATFORM": "offscreen"}), cwd=ROOT,
                stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            try:
                result = probe("stall", config, qt_env(home.env, screen), folder)
            finally:
                ticker.send_signal(signal.SIGTERM)
                out, _ = ticker.communicate(timeout=30)
            bare = gaps_within(read_json_line(out)["ticks"], *result["busy_window"])
        finally:
            client.close()
    if result["errors"] or ("log" in parts and not result["log_lines_drawn"]):
        raise RuntimeError(f"the window did not do what was asked: {result}")
    print(f"GUI stall ({'+'.join(parts)}): {json.dumps(result)}", flush=True)
    busy, idle = result["busy"], result["idle"]
    note = (
        f"{result['busy_seconds']:.0f} s busy, {result['log_lines_drawn']} log lines drawn, "
        f"{busy['over_50ms']} gaps > 50 ms (bare loop: {bare['over_50ms']}), p99 "
        f"{busy['p99_ms']:.0f} ms; the window idle: {idle['max_ms']:.0f} ms; longest "
        f"append_log {result['gui_calls']['append_log']['max_ms']:.0f} ms"
    )
    return [
        Row(NAME, "GUI thread longest stall (pull + start + chatty log)", "ms",
            busy["max_ms"], bare["max_ms"], "bare Qt loop, other process, same time",
            Target(50, "value"), note=note),
    ]  # fmt: skip


def idle_app(
    home: Home, state: TestbedState, screen: dict[str, str], seconds: float
) -> dict[str, Any]:
    """The real app (``python -m launcher``) idle with its window open: its CPU time and
    the requests it sends to the engine (through a counting proxy) over ``seconds``."""
    with counting_proxy(home.folder, state.docker_host) as proxy:
        env = qt_env(home.env, screen)
        env.update({"DOCKER_HOST": proxy.address, BENCH_VARIABLE: "1"})
        bare = subprocess.Popen(
            [PYTHON, "-c", window_startup.BARE_WINDOW], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        app = subprocess.Popen(
            [PYTHON, "-m", "launcher"], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            window_startup.wait_for_marker(app, timeout=60)
            window_startup.wait_for_marker(bare, timeout=60)
            time.sleep(6)  # the first look at the engine and the environments is done
            began = time.monotonic()
            cpu = {name: cpu_seconds(p.pid) for name, p in (("app", app), ("bare", bare))}
            time.sleep(seconds)
            elapsed = time.monotonic() - began
            used = {
                name: cpu_seconds(p.pid) - cpu[name] for name, p in (("app", app), ("bare", bare))
            }
            requests = proxy.since(began)
            rss = window_startup.rss_mb(app.pid)
        finally:
            for process in (app, bare):
                process.send_signal(signal.SIGTERM)
            for process in (app, bare):
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            socket_file = Path(tempfile.gettempdir()) / server_name(env)
            socket_file.unlink(missing_ok=True)
    paths: dict[str, int] = {}
    for _, method, path in requests:
        key = f"{method} {_generic(path)}"
        paths[key] = paths.get(key, 0) + 1
    return {
        "seconds": elapsed,
        "cpu_percent": 100 * used["app"] / elapsed,
        "bare_cpu_percent": 100 * used["bare"] / elapsed,
        "requests": len(requests),
        "rounds": polling_rounds([r[0] for r in requests]),
        "by_path": dict(sorted(paths.items(), key=lambda kv: -kv[1])),
        "rss_mb": rss,
    }


def _generic(path: str) -> str:
    """An API path with container names and ids replaced by {name}."""
    parts = path.split("/")
    for index, part in enumerate(parts):
        if index > 0 and parts[index - 1] == "containers" and part != "json":
            parts[index] = "{name}"
    return "/".join(parts)


def idle_cpu(folder: Path, seconds: float) -> list[Row]:
    with engine_to_ourselves() as state, display() as screen:
        client = state.client()
        try:
            home = make_home(folder / "idle", state, client, courses=2, installed=2)
            for course in home.courses:
                home.start(course.id)
            result = idle_app(home, state, screen, seconds)
        finally:
            client.close()
    note = (
        f"{result['seconds']:.0f} s; {result['requests']} engine requests in "
        f"{result['rounds']} rounds; baseline: a bare PySide6 window"
    )
    return [
        Row(NAME, "idle CPU (% of one core), window open, 2 running", "%",
            result["cpu_percent"], result["bare_cpu_percent"], "bare PySide6 window",
            Target(1.0, "value"), note=note),
    ]  # fmt: skip


def measure(runs: int, idle_seconds: float = IDLE_SECONDS) -> list[Row]:
    rows = shown_and_memory(runs)
    with tempfile.TemporaryDirectory(prefix="cl-bench-") as tmp:
        rows += gui_stall(Path(tmp))
        rows += idle_cpu(Path(tmp), idle_seconds)
    return rows
