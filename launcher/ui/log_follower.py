"""Follow one running environment's log in a job, into a bounded buffer the window
drains on its redraw timer (a chatty container never floods the event loop)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from launcher.core.launcher import Launcher
from launcher.core.operation import CancelToken
from launcher.ui.jobs import Job, JobRunner

KEEP_LINES = 2000  # between two redraws; older lines are dropped


class LogFollower(QObject):
    def __init__(self, launcher: Launcher, runner: JobRunner, parent: QObject | None = None):
        super().__init__(parent)
        self.launcher = launcher
        self.runner = runner
        self._lines: deque[str] = deque(maxlen=KEEP_LINES)
        self._lock = threading.Lock()
        self._job: Job | None = None

    @property
    def following(self) -> bool:
        return self._job is not None

    def follow(self, course_id: str) -> None:
        """Start following the course's log (nothing happens if one is followed already)."""
        if self._job is not None:
            return
        launcher = self.launcher
        course = launcher.course(course_id)

        def sink(line: str) -> None:
            with self._lock:
                self._lines.append(line)

        def work(_report: Callable[[Any], None], cancel: CancelToken) -> None:
            from launcher.core.log_stream import follow_logs  # the Docker SDK: off the GUI thread

            secrets = [t for t in (launcher.token(course_id),) if t]  # the keyring: not here
            follow_logs(launcher.engine.client, course, sink, cancel, secrets=secrets)

        job = Job(f"logs:{course_id}", "Reading the log", work)
        job.done.connect(lambda: self._done(job))
        self._job = job
        self.runner.submit(job)

    def _done(self, job: Job) -> None:
        if self._job is job:
            self._job = None

    def stop(self) -> None:
        """Stop following and forget lines not drawn yet."""
        if self._job is not None:
            self._job.cancel()
            self._job = None
        with self._lock:
            self._lines.clear()

    def take_lines(self) -> list[str]:
        """The lines that arrived since the last call."""
        with self._lock:
            lines = list(self._lines)
            self._lines.clear()
        return lines
