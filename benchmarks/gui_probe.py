"""Measurements taken inside the real main window's process (run by the window and
scale benchmarks as ``python -m benchmarks.gui_probe MODE CONFIG``; prints one JSON line).

``stall``: a 5 ms timer on the GUI thread records the gaps between its ticks, first
while the window idles, then while the window installs one course, starts another
and follows a chatty course's log, all at once. The longest gap is the longest
time the event loop could not run.

``start``: times Start in the window until every service answers.

``refresh``: times the course list refresh (the window asks the engine for every
environment's state in a job, then relabels the list and redraws) several times; with
``search`` in the config, each key of it typed in the course search, until painted.
"""

from __future__ import annotations

import json
import signal
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from launcher.core.launcher import Launcher
from launcher.ui.main_window import MainWindow

TICK_MS = 5


class GapMeter:
    """The gaps between ticks of a precise 5 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.timer = QTimer(interval=TICK_MS, timerType=Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self._last = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def start(self) -> None:
        self.gaps = []
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> dict[str, float]:
        self.timer.stop()
        gaps = sorted(self.gaps) or [0.0]
        return {
            "max_ms": gaps[-1] * 1000,
            "p99_ms": gaps[int(len(gaps) * 0.99) - 1 if len(gaps) > 1 else 0] * 1000,
            "median_ms": statistics.median(gaps) * 1000,
            "over_50ms": sum(1 for g in gaps if g > 0.050),
            "ticks": len(self.gaps),
        }


def time_calls(target: Any, name: str) -> list[float]:
    """Note how long each call of ``target.name`` takes (an instance attribute wraps it)."""
    calls: list[float] = []
    original = getattr(target, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            calls.append(time.perf_counter() - started)

    setattr(target, name, timed)
    return calls


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Run the event loop (no sleeping on the GUI thread) until ``condition`` holds."""
    if condition():
        return
    loop = QEventLoop()
    deadline = time.monotonic() + timeout
    check = QTimer(interval=20)

    def poll() -> None:
        if condition() or time.monotonic() > deadline:
            loop.quit()

    check.timeout.connect(poll)
    check.start()
    loop.exec()
    check.stop()
    if not condition():
        raise TimeoutError(f"gave up waiting for {what}")


def run_for(seconds: float) -> None:
    end = time.monotonic() + seconds
    wait_until(lambda: time.monotonic() >= end, seconds + 5, "time to pass")


def open_window(config: dict[str, Any]) -> MainWindow:
    named = [config["catalogue"]] if config.get("catalogue") else []
    launcher = Launcher.open(catalogues=named, engine=config["engine"], offline=True)
    launcher.settings = replace(launcher.settings, open_browser=False)
    window = MainWindow(launcher, opener=lambda _url: None, use_tray=False)
    window.resize(1000, 700)
    window.show()
    wait_until(lambda: window.watch.engine_ok and bool(window.state.statuses), 60, "the engine")
    return window


def stall(config: dict[str, Any]) -> dict[str, Any]:
    window = open_window(config)
    meter = GapMeter()
    drawn = [0]
    take_lines = window.log.take_lines

    def counted() -> list[str]:
        lines = take_lines()
        drawn[0] += len(lines)
        return lines

    window.log.take_lines = counted  # type: ignore[method-assign]
    spent = {"append_log": time_calls(window.page, "append_log"),
             "render": time_calls(window.page, "show_state")}  # fmt: skip
    meter.start()
    run_for(config.get("idle_seconds", 5))
    idle = meter.stop()

    pull, start, chatty = config["pull"], config["start"], config["chatty"]
    meter.start()
    began = time.monotonic()
    drawn[0] = 0
    for calls in spent.values():
        calls.clear()
    parts = config.get("parts", ["pull", "start", "log"])  # all three unless told
    if "pull" in parts:
        window.select_course(pull)
        window.course_actions.install_selected()
    if "start" in parts:
        window.select_course(start)
        window.course_actions.start_selected()
    if "log" in parts:
        window.select_course(chatty)  # running: the window follows its log
    wait_until(
        lambda: (
            not window.runner.busy(f"env:{pull}")
            and not window.runner.busy(f"env:{start}")
            and time.monotonic() - began >= config.get("min_seconds", 5)
        ),
        300,
        "the install and the start",
    )
    seconds = time.monotonic() - began
    busy = meter.stop()
    busy_window = (began, time.monotonic())
    window.close()
    return {
        "idle": idle,
        "busy": busy,
        "busy_seconds": seconds,
        "busy_window": busy_window,
        "log_lines_drawn": drawn[0],
        "gui_calls": {
            name: {
                "count": len(calls),
                "max_ms": max(calls, default=0) * 1000,
                "total_ms": sum(calls) * 1000,
            }
            for name, calls in spent.items()
        },
        "errors": {k: list(v) for k, v in window.state.errors.items()},
        "following_log": window.log.following,
    }


def refresh(config: dict[str, Any]) -> dict[str, Any]:
    window = open_window(config)
    window.watch.refresh_timer.stop()  # only the refreshes asked for here
    arrived: list[float] = []
    drawing: list[float] = []
    original = window.watch._statuses_arrived

    def timed_arrival(result: Any) -> None:
        started = time.perf_counter()
        original(result)
        drawing.append(time.perf_counter() - started)
        arrived.append(time.perf_counter())

    window.watch._statuses_arrived = timed_arrival  # type: ignore[method-assign]
    totals: list[float] = []
    windows: list[tuple[float, float]] = []  # monotonic, to match the engine requests
    run_for(1)
    for _ in range(config.get("refreshes", 10)):
        count = len(arrived)
        started, mono = time.perf_counter(), time.monotonic()
        window.refresh()
        wait_until(lambda n=count: len(arrived) > n, 30, "the refresh")  # type: ignore[misc]
        totals.append(arrived[-1] - started)
        windows.append((mono, time.monotonic()))
        run_for(0.3)
    courses = len(window.launcher.catalogue)
    running = len(window.state.running_ids())
    keystrokes = type_in_search(window, config.get("search", ""))
    window.close()
    return {
        "refresh_s": totals,
        "drawing_s": drawing,
        "windows": windows,
        "courses": courses,
        "running": running,
        **keystrokes,
    }


def type_in_search(window: MainWindow, text: str) -> dict[str, Any]:
    """Each key of ``text`` pressed in the course search, timed from the key press until
    the filtered list is painted; then the courses still shown."""
    search, listed = window.courses.search, window.courses.list
    search.setFocus()
    times: list[float] = []
    for key in text:
        started = time.perf_counter()
        QTest.keyClicks(search, key)
        listed.viewport().repaint()  # the frame the student sees
        times.append(time.perf_counter() - started)
        run_for(0.05)
    shown = sum(not listed.item(row).isHidden() for row in range(listed.count()))
    return {"keystroke_s": times, "shown": shown}


def start(config: dict[str, Any]) -> dict[str, Any]:
    """Start a course from the open window (Start pressed) until the job is done, which
    is when every service answers. Between runs the container is removed, or with
    ``restart`` only stopped, so each Start starts the same container again."""
    window = open_window(config)
    course = config["course"]
    restart = bool(config.get("restart"))
    window.select_course(course)

    def press_start() -> float:
        began = time.perf_counter()
        window.course_actions.start_selected()
        wait_until(lambda: not window.runner.busy(f"env:{course}"), 120, "the start")
        if window.state.errors:
            raise RuntimeError(f"the start failed: {window.state.errors}")
        return time.perf_counter() - began

    times: list[float] = []
    if restart:
        press_start()  # makes the container; not counted
        window.launcher.stop(course)
        run_for(1)
    for _ in range(config["runs"]):
        times.append(press_start())
        if restart:  # off the clock
            window.launcher.stop(course)
        else:
            window.launcher.remove(course)
        run_for(1)  # the port is free again
    window.launcher.remove(course)
    window.close()
    return {"start_s": times}


def ticker(_config: dict[str, Any]) -> dict[str, Any]:
    """A bare Qt event loop with the same 5 ms timer, in a process of its own, until
    SIGTERM: what the machine alone does to an event loop (the baseline)."""
    app = QCoreApplication.instance()
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    ticks: list[tuple[float, float]] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        ticks.append((time.monotonic(), now - last[0]))
        last[0] = now

    timer = QTimer(interval=TICK_MS, timerType=Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)
    timer.start()
    print("ticking", flush=True)
    app.exec()
    return {"ticks": ticks}


def gaps_within(ticks: list[list[float]], start: float, end: float) -> dict[str, float]:
    gaps = sorted(gap for moment, gap in ticks if start <= moment <= end) or [0.0]
    return {"max_ms": gaps[-1] * 1000, "over_50ms": sum(1 for g in gaps if g > 0.050)}


def main() -> int:
    mode, config_file = sys.argv[1], sys.argv[2]
    config = json.loads(Path(config_file).read_text())
    QApplication(sys.argv[:1])
    result = {"stall": stall, "refresh": refresh, "start": start, "ticker": ticker}[mode](config)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
