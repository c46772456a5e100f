"""Follow one running environment's log in a job, into a bounded buffer the window
drains on its redraw timer (a chatty container never floods the event loop); after
a failure, read its last lines afresh for the page's details."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from launcher.core.launcher import Launcher
from launcher.core.operation import CancelToken
from launcher.ui.jobs import Job, JobRunner

# Between two redraws only the newest lines are kept: a chatty log that writes
# thousands of lines a second is drawn as its tail, and the GUI thread never lays
# out text nobody can read. How many were dropped is said in the panel.
KEEP_LINES = 200
TAIL_LINES = 200  # what a failure shows of the environment's log


class LogFollower(QObject):
    lines_waiting = Signal()  # lines arrived while none were waiting

    def __init__(self, launcher: Launcher, runner: JobRunner, parent: QObject | None = None):
        super().__init__(parent)
        self.launcher = launcher
        self.runner = runner
        self._lines: deque[str] = deque(maxlen=KEEP_LINES)
        self._dropped = 0
        self._lock = threading.Lock()
        self._job: Job | None = None
        self._tail: list[str] | None = None  # read after a failure, not drawn yet

    @property
    def following(self) -> bool:
        return self._job is not None

    def follow(self, course_id: str) -> None:
        """Start following the course's log (nothing happens if one is followed already)."""
        if self._job is not None:
            return
        launcher = self.launcher

        def sink(line: str) -> None:
            with self._lock:
                waiting = bool(self._lines)
                if len(self._lines) == KEEP_LINES:
                    self._dropped += 1
                self._lines.append(line)
            if not waiting:
                self.lines_waiting.emit()  # queued to the GUI thread: wake the redraw

        def work(_report: Callable[[Any], None], cancel: CancelToken) -> None:
            # the Docker SDK and the keyring: off the GUI thread
            launcher.follow_logs(course_id, sink, cancel)

        job = Job(f"logs:{course_id}", "Reading the log", work)
        job.done.connect(lambda: self._done(job))
        self._job = job
        self.runner.submit(job)

    def _done(self, job: Job) -> None:
        if self._job is job:
            self._job = None

    def read_tail(self, course_id: str) -> None:
        """Read the environment's last lines in a job (it may have stopped already);
        the window takes them with ``take_tail``. No environment: nothing to show."""
        launcher = self.launcher
        job = Job.call(
            f"logs-tail:{course_id}",
            "Reading the last messages",
            lambda: launcher.logs(course_id, tail=TAIL_LINES),
        )
        job.succeeded.connect(self._tail_arrived)
        self.runner.submit(job)

    def _tail_arrived(self, text: object) -> None:
        self._tail = str(text).splitlines()
        self.lines_waiting.emit()

    def take_tail(self) -> list[str] | None:
        """The last lines read by ``read_tail``, once (None: none arrived since)."""
        tail, self._tail = self._tail, None
        return tail

    def stop(self) -> None:
        """Stop following and forget lines not drawn yet."""
        if self._job is not None:
            self._job.cancel()
            self._job = None
        with self._lock:
            self._lines.clear()
            self._dropped = 0
        self._tail = None

    def take_lines(self) -> list[str]:
        """The lines that arrived since the last call (the newest ones, after a line
        saying how many were skipped)."""
        with self._lock:
            lines = list(self._lines)
            dropped, self._dropped = self._dropped, 0
            self._lines.clear()
        if dropped:
            lines.insert(0, f"[… {dropped} lines skipped: the log is written faster than shown]")
        return lines
