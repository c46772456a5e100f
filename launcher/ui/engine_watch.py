"""Watching Docker for the window: finding the engine, asking every few seconds what
the environments are doing, and asking the registry once for sizes and updates.

While Docker is missing it is looked for again by itself; once found, the
environments are polled while the engine answers. What arrives goes to the
window's state; the banner's words are sent out as signals.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from launcher.core.catalogue.list_lines import RegistryFacts
from launcher.core.environments.state import EnvironmentState
from launcher.core.errors import HostKeyChanged, HostKeyUnknown
from launcher.core.launcher import Launcher
from launcher.ui.jobs import Job, JobRunner
from launcher.ui.window_forwards import WindowForwards
from launcher.ui.window_state import StatusSnapshot, WindowState

REFRESH_MS = 5000  # environments' state, when idle
ENGINE_RETRY_MS = 5000  # while Docker is missing, look again by itself
FULL_CHECK_EVERY = 12  # polls: services that answered are asked again once a minute


class EngineWatch(QObject):
    engine_found = Signal()
    engine_missing = Signal(str, str)  # what the banner says: headline, what to do
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
        job = Job.call("engine", "Looking for Docker", self.launcher.connect)
        job.refused.connect(self._engine_refused)
        job.succeeded.connect(self._engine_found)
        job.failed.connect(self._engine_missing)
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

    def _engine_found(self, _engine: object) -> None:
        self.engine_ok = True
        self.engine_lost = False
        self.facts_asked = False  # another engine (Settings) may hold other images
        self.engine_timer.stop()
        self.engine_found.emit()
        self.refresh_timer.start()
        self.refresh()

    def _engine_refused(self, error: object) -> None:
        if isinstance(error, HostKeyUnknown | HostKeyChanged):
            self.key_refused = error
            self.host_key_refused.emit(error)

    def _engine_missing(self, message: str, hint: str) -> None:
        # Docker that answered before and then went away "stopped"; the search's own
        # words ("not running, or not installed") would mislead a student who used it.
        self.engine_lost = self.engine_lost or self.engine_ok
        self.engine_ok = False
        self.engine_problem = message
        self.refresh_timer.stop()
        if self.key_refused is None:  # a key does not change by itself: not asked again
            self.engine_timer.start()
        if isinstance(self.key_refused, HostKeyUnknown):  # the window asks, not --accept…
            hint = "Check its fingerprint in the question shown and accept it; Retry asks again."
        if self.engine_lost:
            self.engine_missing.emit(
                "Docker stopped.",
                f"{message} {hint} Your files are safe. Start Docker again: the launcher "
                "notices by itself and shows your environments as they are.",
            )
        else:
            self.engine_missing.emit(message, hint)

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
        job.failed.connect(self._engine_missing)
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
