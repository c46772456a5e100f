"""Watching Docker for the window: finding the engine, asking every few seconds what
the environments are doing, and asking the registry once for sizes and updates.

While Docker is missing it is looked for again by itself; once found, the
environments are polled while the engine answers. What arrives goes to the
window's state; why Docker cannot be used (an ``EngineDiagnosis``) is sent out for
the Docker page. After Start Docker Desktop it is looked for every second, until it
answers or a few minutes have passed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from launcher.core.catalogue.list_lines import RegistryFacts
from launcher.core.engine.diagnosis import (
    EngineCase,
    EngineDiagnosis,
    start_failed,
    start_timed_out,
    starting,
    stopped,
    unreachable,
)
from launcher.core.environments.state import EnvironmentState
from launcher.core.errors import HostKeyChanged, HostKeyUnknown, NoEngineFound
from launcher.core.launcher import Launcher
from launcher.ui.jobs import Job, JobRunner
from launcher.ui.window_forwards import WindowForwards
from launcher.ui.window_state import StatusSnapshot, WindowState

REFRESH_MS = 5000  # environments' state, when idle
ENGINE_RETRY_MS = 5000  # while Docker is missing, look again by itself
FULL_CHECK_EVERY = 12  # polls: services that answered are asked again once a minute
STARTING_RETRY_MS = 1000  # after Start Docker Desktop, look every second …
START_TIMEOUT_S = 180.0  # … for this long, then say it did not answer


class EngineWatch(QObject):
    engine_found = Signal()
    engine_missing = Signal(object)  # an EngineDiagnosis: what the Docker page says
    # another computer's SSH key is not the accepted one: the HostKeyUnknown or
    # HostKeyChanged, for the window to ask (or warn) with its fingerprint
    host_key_refused = Signal(object)

    def __init__(
        self,
        launcher: Launcher,
        runner: JobRunner,
        state: WindowState,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.launcher = launcher
        self.runner = runner
        self.state = state
        self.engine_ok = False
        self.engine_lost = False  # it answered once, then went away
        self.engine_problem = ""  # the last reason Docker could not be reached
        self.diagnosis: EngineDiagnosis | None = None  # the last one shown
        self.starting_since: float | None = None  # Start Docker Desktop was pressed
        self.start_timeout_s = START_TIMEOUT_S
        self.idle_retry_ms = ENGINE_RETRY_MS  # the look's interval before the start
        self.engine_check_pending = False  # a search was asked for while one ran
        self.facts_asked = False
        self.key_refused: HostKeyUnknown | HostKeyChanged | None = None  # the last refusal
        self.forwards = WindowForwards(launcher)
        self.polls = 0
        self.refresh_timer = self._timer(REFRESH_MS, self.refresh)
        self.engine_timer = self._timer(ENGINE_RETRY_MS, self.check_engine)

    def _timer(self, interval_ms: int, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setInterval(interval_ms)
        timer.timeout.connect(slot)
        return timer

    def stop(self) -> None:
        """The window closes: look no more (the window ends the forwards once the jobs,
        which may be making one, have finished)."""
        self.refresh_timer.stop()
        self.engine_timer.stop()

    # -- the engine ----------------------------------------------------------------
    def check_engine(self) -> None:
        if self.runner.busy("engine"):
            # Retry pressed while a search is ending (its answer shown, the job not yet
            # done): Docker may have come up since that search looked, so look again.
            self.engine_check_pending = True
            return
        self.engine_check_pending = False
        self.key_refused = None
        launcher = self.launcher

        def look() -> object:
            try:
                return launcher.connect()
            except NoEngineFound as exc:
                if exc.diagnosis is None:
                    raise
                return exc.diagnosis  # not a failure of the job: an answer for the page

        job = Job.call("engine", "Looking for Docker", look)
        job.refused.connect(self._engine_refused)
        job.succeeded.connect(self._engine_answered)
        job.failed.connect(self._engine_unreachable)
        # on the next turn of the loop, once the runner has let this job go
        job.done.connect(lambda: QTimer.singleShot(0, self._check_engine_if_asked))
        self.runner.submit(job)

    def _check_engine_if_asked(self) -> None:
        if self.engine_check_pending and not self.engine_ok:
            self.check_engine()

    def forget_engine(self) -> None:
        """Settings named another engine: nothing was lost, and nothing is known yet."""
        self.engine_ok = self.engine_lost = False
        self.refresh_timer.stop()
        # in a job: a status job may be making a forward to the old computer just now
        self.runner.submit(Job.call("forwards", "Ending the forwards", self.forwards.close_all))

    def _engine_answered(self, answer: object) -> None:
        if isinstance(answer, EngineDiagnosis):
            self._engine_missing(answer)
        else:
            self._engine_found(answer)

    def _engine_found(self, _engine: object) -> None:
        self.engine_ok = True
        self.engine_lost = False
        self.facts_asked = False  # another engine (Settings) may hold other images
        self.diagnosis = None
        self._stop_starting()
        self.engine_timer.stop()
        self.engine_found.emit()
        self.refresh_timer.start()
        self.refresh()

    def _engine_refused(self, error: object) -> None:
        if isinstance(error, HostKeyUnknown | HostKeyChanged):
            self.key_refused = error
            self.host_key_refused.emit(error)

    def _engine_unreachable(self, message: str, hint: str) -> None:
        """A search that failed for another reason (an engine over SSH …)."""
        if isinstance(self.key_refused, HostKeyUnknown):  # the window asks, not --accept…
            hint = "Check its fingerprint in the question shown and accept it; Retry asks again."
        self._engine_missing(unreachable(message, hint))

    def _environments_unreachable(self, message: str, hint: str) -> None:
        """The poll failed: Docker went away. Look at once to say why, and what to do."""
        answered_before = self.engine_ok
        self._engine_missing(unreachable(message, hint))
        if answered_before:
            self.check_engine()

    def _engine_missing(self, diagnosis: EngineDiagnosis) -> None:
        # Docker that answered before and then went away "stopped"; the search's own
        # words ("not installed") would mislead a student who used it.
        self.engine_lost = self.engine_lost or self.engine_ok
        self.engine_ok = False
        self.engine_problem = diagnosis.headline
        self.refresh_timer.stop()
        if self.key_refused is None:  # a key does not change by itself: not asked again
            self.engine_timer.start()
        if self.starting_since is not None:
            waited = time.monotonic() - self.starting_since
            if diagnosis.case == EngineCase.PERMISSION_DENIED:
                self._stop_starting()  # it started, and this is the next thing to fix
            elif waited < self.start_timeout_s:
                diagnosis = starting(diagnosis)
            else:
                self._stop_starting()
                diagnosis = start_timed_out(diagnosis, self.start_timeout_s)
        if self.engine_lost:
            diagnosis = stopped(diagnosis)
        self.diagnosis = diagnosis
        self.engine_missing.emit(diagnosis)

    # -- starting Docker Desktop ---------------------------------------------------
    def start_docker_desktop(self) -> None:
        if self.runner.busy("engine-start"):
            return
        job = Job.call(
            "engine-start", "Starting Docker Desktop", self.launcher.start_docker_desktop
        )
        job.succeeded.connect(self._desktop_launched)
        job.failed.connect(self._desktop_not_started)
        self.runner.submit(job)
        if self.starting_since is None:
            self.idle_retry_ms = self.engine_timer.interval()
        self.starting_since = time.monotonic()
        if self.diagnosis is not None:
            self.diagnosis = starting(self.diagnosis)
            self.engine_missing.emit(self.diagnosis)

    def _desktop_launched(self, _command: object) -> None:
        if self.starting_since is None or self.engine_ok:
            return
        self.engine_timer.setInterval(STARTING_RETRY_MS)
        self.engine_timer.start()
        self.check_engine()

    def _desktop_not_started(self, message: str, hint: str) -> None:
        self._stop_starting()
        last = self.diagnosis or unreachable(message, hint)
        self.diagnosis = start_failed(last, message, hint)
        self.engine_missing.emit(self.diagnosis)

    def _stop_starting(self) -> None:
        if self.starting_since is not None:
            self.starting_since = None
            self.engine_timer.setInterval(self.idle_retry_ms)

    # -- the environments ----------------------------------------------------------
    def refresh(self) -> None:
        if not self.engine_ok or self.runner.busy("status"):
            return
        launcher = self.launcher
        # Services known to answer in a container that has not changed are not asked
        # again on every poll; once a minute everything is asked afresh.
        self.polls += 1
        known = {} if self.polls % FULL_CHECK_EVERY == 0 else dict(self.state.ready)
        before = dict(self.state.statuses)
        forwards = self.forwards

        def snapshot() -> StatusSnapshot:
            statuses = {s.course_id: s for s in launcher.statuses()}
            running = [c for c, s in statuses.items() if s.state == EnvironmentState.RUNNING]
            forwards.keep_only(running)
            ready = {}
            for course_id in running:
                status = statuses[course_id]
                forwards.ensure(course_id)  # on another computer: reached through them
                everything = frozenset(s.name for s in launcher.course(course_id).services)
                if known.get(course_id) == everything and before.get(course_id) == status:
                    ready[course_id] = everything
                else:
                    ready[course_id] = frozenset(launcher.ready_services(course_id, status))
            installed = launcher.installed_courses()
            return StatusSnapshot(statuses, ready, installed)

        job = Job.call("status", "Checking your environments", snapshot)
        job.succeeded.connect(self._statuses_arrived)
        job.failed.connect(self._environments_unreachable)
        self.runner.submit(job)

    def _statuses_arrived(self, snapshot: StatusSnapshot) -> None:
        self.state.environments_seen(snapshot)
        if not self.facts_asked:
            self.facts_asked = True
            self._ask_registry(snapshot.installed)

    def _ask_registry(self, installed: frozenset[str]) -> None:
        """Download sizes and updates, once: offline, they simply stay unknown."""
        launcher = self.launcher
        courses = list(launcher.catalogue)

        def facts() -> dict[str, RegistryFacts]:
            return launcher.registry_facts(courses, installed)

        job = Job.call("registry", "Asking for download sizes and updates", facts)
        job.succeeded.connect(self.state.facts_arrived)
        self.runner.submit(job)
