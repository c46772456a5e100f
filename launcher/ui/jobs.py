"""Run core operations off the GUI thread, one at a time per environment.

A ``Job`` wraps a core operation (a plain function taking a progress callback and a
cancel token). Its latest progress is stored, not signalled: widgets read it on a
timer, so a chatty pull never floods the event loop. Outcomes arrive as signals,
which Qt queues onto the GUI thread; no widget is touched from a worker.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal

from launcher.core.errors import Cancelled, LauncherError
from launcher.core.operation import CancelToken

log = logging.getLogger(__name__)

Work = Callable[[Callable[[Any], None], CancelToken], Any]
# Jobs run niced: when the processors are busy (Docker unpacking a download, an
# environment booting, a chatty log, all at once) the GUI thread is served first.
WORKER_NICENESS = 10


def env_key(course_id: str) -> str:
    """The key of a course's environment jobs: one runs at a time per environment."""
    return f"env:{course_id}"


def plain(call: Callable[[], Any]) -> Work:
    """Work for an operation that takes neither a progress callback nor a cancel token."""
    return lambda _report, _cancel: call()


def lower_this_threads_priority() -> None:
    """Make the calling worker thread yield to the GUI thread; never raises its priority."""
    if sys.platform == "linux":  # niceness is per thread on Linux; Qt's priorities are not
        thread = threading.get_native_id()
        with contextlib.suppress(OSError):
            if os.getpriority(os.PRIO_PROCESS, thread) < WORKER_NICENESS:
                os.setpriority(os.PRIO_PROCESS, thread, WORKER_NICENESS)
    else:
        QThread.currentThread().setPriority(QThread.Priority.LowPriority)


class Job(QObject):
    succeeded = Signal(object)  # the operation's result
    failed = Signal(str, str)  # message, hint: written for the student
    # the typed error itself, just before ``failed``: for a window that needs more than
    # its words (an unknown SSH host key's fingerprint)
    refused = Signal(object)
    cancelled = Signal()
    done = Signal()  # after any of the three

    def __init__(self, key: str, title: str, work: Work, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.title = title
        self.work = work
        self.cancel_token = CancelToken()
        self._lock = threading.Lock()
        self._progress: Any = None
        self.running = False

    @classmethod
    def call(cls, key: str, title: str, call: Callable[[], Any]) -> Job:
        """A job for work that takes neither a progress callback nor a cancel token."""
        return cls(key, title, plain(call))

    def cancel(self) -> None:
        self.cancel_token.cancel()

    def report(self, progress: Any) -> None:
        """Called from the worker thread, as often as it likes."""
        with self._lock:
            self._progress = progress

    @property
    def progress(self) -> Any:
        with self._lock:
            return self._progress

    def run_here(self, log_file: Path) -> None:
        """Run the work in the calling (worker) thread and emit the outcome; an
        unexpected failure points the student at ``log_file``."""
        try:
            result = self.work(self.report, self.cancel_token)
        except Cancelled:
            self.cancelled.emit()
        except LauncherError as exc:
            log.info("%s failed: %s", self.title, exc.message, exc_info=True)
            self.refused.emit(exc)
            self.failed.emit(exc.message, exc.hint)
        except Exception as exc:
            log.exception("%s failed unexpectedly", self.title)
            self.failed.emit(
                f"Something went wrong while {self.title.lower()} ({type(exc).__name__}).",
                f"The details are in {log_file}; please send it to your tutor.",
            )
        else:
            self.succeeded.emit(result)
        finally:
            self.done.emit()


class _Runnable(QRunnable):
    def __init__(self, job: Job, log_file: Path) -> None:
        super().__init__()
        self.job = job
        self.log_file = log_file
        self.setAutoDelete(True)

    def run(self) -> None:
        lower_this_threads_priority()
        self.job.run_here(self.log_file)


class JobRunner(QObject):
    """Starts jobs on a thread pool; jobs with the same key run one after another."""

    job_started = Signal(object)
    job_finished = Signal(object)

    def __init__(self, parent: QObject | None = None, *, log_file: Path) -> None:
        super().__init__(parent)
        self.log_file = log_file  # the launcher's own, named when a job fails unexpectedly
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(8)
        self._queues: dict[str, deque[Job]] = {}
        self._active: dict[str, Job] = {}

    def submit(self, job: Job) -> Job:
        job.setParent(self)
        job.done.connect(lambda: self._finished(job))
        self._queues.setdefault(job.key, deque()).append(job)
        if job.key not in self._active:
            self._start_next(job.key)
        return job

    def active(self, key: str) -> Job | None:
        return self._active.get(key)

    def busy(self, key: str) -> bool:
        return key in self._active

    def any_active(self) -> bool:
        return bool(self._active)

    def _start_next(self, key: str) -> None:
        queue = self._queues.get(key)
        if not queue:
            self._queues.pop(key, None)
            return
        job = queue.popleft()
        self._active[key] = job
        job.running = True
        self.job_started.emit(job)
        self.pool.start(_Runnable(job, self.log_file))

    def _finished(self, job: Job) -> None:
        job.running = False
        if self._active.get(job.key) is job:
            del self._active[job.key]
        self.job_finished.emit(job)
        job.deleteLater()
        self._start_next(job.key)

    def cancel_all(self) -> None:
        for queue in self._queues.values():
            for job in queue:
                job.cancel()
            queue.clear()
        for job in self._active.values():
            job.cancel()

    def shut_down(self, timeout_ms: int = 30_000) -> bool:
        """Cancel everything and wait for the workers; True when all stopped in time."""
        self.cancel_all()
        return bool(self.pool.waitForDone(timeout_ms))
