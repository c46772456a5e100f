"""The main window: courses on the left, the chosen course's page on the right.

All Docker work runs as jobs (launcher/ui/jobs.py). A timer redraws progress
and drains the log a few times a second; another asks the engine for the
environments' state every few seconds when nothing else is happening.

With a system tray, closing the window while an environment runs keeps the app
in the tray (said once); Quit asks whether to stop what runs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from launcher import APP_NAME
from launcher.core.catalogue.list_lines import RegistryFacts, list_lines
from launcher.core.catalogue.model import Catalogue
from launcher.core.environments.state import EnvironmentState, EnvironmentStatus
from launcher.core.launcher import Launcher
from launcher.core.operation import CancelToken
from launcher.ui.actions.images import ImageActions
from launcher.ui.actions.quitting import QuitFlow
from launcher.ui.actions.reset import TutorActions
from launcher.ui.jobs import Job, JobRunner
from launcher.ui.log_follower import LogFollower
from launcher.ui.menus import build_menus
from launcher.ui.widgets.course_list import CourseList
from launcher.ui.widgets.course_page import CoursePage, PageState, progress_parts
from launcher.ui.widgets.engine_banner import EngineBanner
from launcher.ui.widgets.tray import Tray, tray_entries

# Dialogs and operations that load the Docker SDK are imported when first used, so
# the window appears before them (see docs/how-it-works.md, "Start-up").
if TYPE_CHECKING:
    from launcher.core.launcher import StartResult
    from launcher.ui.dialogs.diagnostics import DiagnosticsDialog
    from launcher.ui.dialogs.settings import SettingsDialog

Opener = Callable[[str], None]
# environments by course id, their answering services, the course selected when asked
StatusSnapshot = tuple[
    dict[str, EnvironmentStatus], dict[str, frozenset[str]], str | None, frozenset[str]
]
DRAW_MS = 125  # progress and log are redrawn 8 times a second, not per event
REFRESH_MS = 5000  # environments' state, when idle
ENGINE_RETRY_MS = 5000  # while Docker is missing, look again by itself
FULL_CHECK_EVERY = 12  # polls: services that answered are asked again once a minute


class MainWindow(QMainWindow):
    closed = Signal()  # the window closed for good (not hidden in the tray): the app may quit

    def __init__(
        self,
        launcher: Launcher,
        opener: Opener,
        runner: JobRunner | None = None,
        *,
        use_tray: bool | None = None,
    ) -> None:
        super().__init__()
        self.launcher = launcher
        self.opener = opener
        self.runner = runner or JobRunner(self)
        self.tray = Tray(self, use_tray=use_tray)
        self.tray.open_requested.connect(lambda course, service: self.open_service(service, course))
        self.tray.stop_requested.connect(self.stop_course)
        self.tray.show_requested.connect(self.bring_forward)
        self.tray.quit_requested.connect(self.quit_app)
        self.leaving = QuitFlow(self, self.tray)
        self.settings_dialog: SettingsDialog | None = None
        self.diagnostics_dialog: DiagnosticsDialog | None = None
        self.setWindowTitle(APP_NAME)
        self.resize(960, 640)
        self.engine_ok = False
        self.engine_lost = False  # it answered once, then went away
        self.engine_problem = ""  # the last reason Docker could not be reached
        self.statuses: dict[str, EnvironmentStatus] = {}
        self.ready: dict[str, frozenset[str]] = {}
        self.errors: dict[str, tuple[str, str]] = {}
        self.notices: dict[str, str] = {}
        self.installed: frozenset[str] | None = None  # None: not asked yet
        self.facts: dict[str, RegistryFacts] = {}  # asked of the registry once per engine
        self.facts_asked = False
        self.polls = 0
        self.engine_check_pending = False  # a search was asked for while one ran
        self.log = LogFollower(launcher, self.runner, self)

        self.banner = EngineBanner(self)
        self.banner.retry_requested.connect(self.check_engine)
        self.courses = CourseList(self)
        self.search = self.courses.search
        self.course_list = self.courses.list
        self.page = CoursePage(self)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.courses)
        splitter.addWidget(self.page)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([320, 640])
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.image_actions = ImageActions(self)
        self.tutor_actions = TutorActions(self)
        self.settings_action = build_menus(self)
        self.catalogue_changed()

        self.page.start_requested.connect(self.start_selected)
        self.page.stop_requested.connect(self.stop_selected)
        self.page.install_requested.connect(self.install_selected)
        self.page.cancel_requested.connect(self.cancel_selected)
        self.page.open_requested.connect(self.open_service)
        self.page.copy_requested.connect(self.copy_service)
        self.courses.selection_changed.connect(self._selection_changed)

        self.draw_timer = self._timer(DRAW_MS, self.redraw)
        self.refresh_timer = self._timer(REFRESH_MS, self.refresh)
        self.engine_timer = self._timer(ENGINE_RETRY_MS, self.check_engine)
        # Drawing runs while there is something to draw (a job's progress, log lines) and
        # sleeps otherwise: an idle window with environments running costs no CPU.
        self.draw_timer.start()
        self.runner.job_started.connect(lambda _job: self.draw_timer.start())
        self.log.lines_waiting.connect(self.draw_timer.start)
        self.runner.job_finished.connect(lambda _job: self.redraw())
        self.redraw()  # the first course's page, before the window is shown
        self.banner.show_checking()
        QTimer.singleShot(0, self.check_engine)  # after the window is shown

    # -- building ------------------------------------------------------------------
    def _timer(self, interval_ms: int, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setInterval(interval_ms)
        timer.timeout.connect(slot)
        return timer

    def _list_lines(self) -> dict[str, str]:
        return list_lines(self.launcher.catalogue, self.statuses, self.installed, self.facts)

    def relabel_courses(self) -> None:
        self.courses.relabel(self.launcher.catalogue, self._list_lines())
        self.tray.update(tray_entries(self.launcher.catalogue, self.statuses, self.ready))

    def catalogue_changed(self) -> None:
        """The catalogue has new courses (Settings, Import): list them again."""
        self.courses.fill(self.launcher.catalogue, self._list_lines())

    def forget_registry_facts(self, course_id: str) -> None:
        """After an install, update or import the registry's old answer is stale."""
        self.facts.pop(course_id, None)
        self.relabel_courses()

    # -- what is selected ------------------------------------------------------------
    def selected_id(self) -> str | None:
        return self.courses.selected_id()

    def select_course(self, course_id: str) -> None:
        self.courses.select(course_id)

    def folder_for(self, course_id: str) -> Path:
        return self.launcher.suggested_folder(course_id)

    def _selection_changed(self) -> None:
        self.stop_following_log()
        self.redraw()
        self.follow_log_if_running()

    # -- jobs ------------------------------------------------------------------------
    def env_job(self, course_id: str, title: str, work: Callable[..., Any]) -> Job:
        self.errors.pop(course_id, None)
        job = Job(f"env:{course_id}", title, work)
        job.failed.connect(lambda message, hint: self._failed(course_id, message, hint))
        job.cancelled.connect(
            lambda: self.statusBar().showMessage("Cancelled. What was done so far is kept.", 8000)
        )
        job.done.connect(self.refresh)
        self.runner.submit(job)
        self.redraw()
        return job

    def _failed(self, course_id: str, message: str, hint: str) -> None:
        self.errors[course_id] = (message, hint)
        self.redraw()

    def check_engine(self) -> None:
        if self.runner.busy("engine"):
            # Retry pressed while a search is ending (its answer shown, the job not yet
            # done): Docker may have come up since that search looked, so look again.
            self.engine_check_pending = True
            return
        self.engine_check_pending = False
        job = Job("engine", "Looking for Docker", lambda _report, _cancel: self.launcher.connect())
        job.succeeded.connect(self._engine_found)
        job.failed.connect(self._engine_missing)
        # on the next turn of the loop, once the runner has let this job go
        job.done.connect(lambda: QTimer.singleShot(0, self._check_engine_if_asked))
        self.runner.submit(job)

    def _check_engine_if_asked(self) -> None:
        if self.engine_check_pending and not self.engine_ok:
            self.check_engine()

    def _engine_found(self, _engine: object) -> None:
        self.engine_ok = True
        self.engine_lost = False
        self.facts_asked = False  # another engine (Settings) may hold other images
        self.engine_timer.stop()
        self.banner.hide()
        self.refresh_timer.start()
        self.refresh()

    def _engine_missing(self, message: str, hint: str) -> None:
        # Docker that answered before and then went away "stopped"; the search's own
        # words ("not running, or not installed") would mislead a student who used it.
        self.engine_lost = self.engine_lost or self.engine_ok
        self.engine_ok = False
        self.engine_problem = message
        if self.engine_lost:
            self.banner.show_problem(
                "Docker stopped.",
                f"{message} {hint} Your files are safe. Start Docker again: the launcher "
                "notices by itself and shows your environments as they are.",
            )
        else:
            self.banner.show_problem(message, hint)
        self.refresh_timer.stop()
        self.engine_timer.start()
        self.redraw()

    def refresh(self) -> None:
        if not self.engine_ok or self.runner.busy("status"):
            return
        selected = self.selected_id()
        launcher = self.launcher
        # Services known to answer in a container that has not changed are not asked
        # again on every poll; once a minute everything is asked afresh.
        self.polls += 1
        known = {} if self.polls % FULL_CHECK_EVERY == 0 else dict(self.ready)
        before = dict(self.statuses)

        def work(_report: Callable[[Any], None], _cancel: CancelToken) -> Any:
            statuses = {s.course_id: s for s in launcher.statuses()}
            ready = {}
            for course_id, status in statuses.items():
                if status.state != EnvironmentState.RUNNING:
                    continue
                everything = frozenset(s.name for s in launcher.course(course_id).services)
                if known.get(course_id) == everything and before.get(course_id) == status:
                    ready[course_id] = everything
                else:
                    ready[course_id] = frozenset(launcher.ready_services(course_id, status))
            installed = launcher.installed_courses()
            return statuses, ready, selected, installed

        job = Job("status", "Checking your environments", work)
        job.succeeded.connect(self._statuses_arrived)
        job.failed.connect(self._engine_missing)
        self.runner.submit(job)

    def _statuses_arrived(self, result: StatusSnapshot) -> None:
        self.statuses, self.ready, _, self.installed = result
        self.relabel_courses()
        self.redraw()
        self.follow_log_if_running()
        if not self.facts_asked:
            self.facts_asked = True
            self._ask_registry(self.installed)

    def _ask_registry(self, installed: frozenset[str]) -> None:
        """Download sizes and updates, once: offline, they simply stay unknown."""
        launcher = self.launcher
        courses = list(launcher.catalogue)

        def work(_report: Callable[[Any], None], _cancel: CancelToken) -> Any:
            return launcher.registry_facts(courses, installed)

        job = Job("registry", "Asking for download sizes and updates", work)
        job.succeeded.connect(self._facts_arrived)
        self.runner.submit(job)

    def _facts_arrived(self, facts: dict[str, RegistryFacts]) -> None:
        self.facts = {**facts, **{k: v for k, v in self.facts.items() if k not in facts}}
        self.relabel_courses()

    def start_selected(self) -> None:
        course_id = self.selected_id()
        if course_id is None or self.runner.busy(f"env:{course_id}"):
            return
        folder = Path(self.page.folder.text()).expanduser()
        is_default = (
            folder == self.folder_for(course_id) and self.launcher.folder_for(course_id) is None
        )

        def work(report: Callable[[Any], None], cancel: CancelToken) -> StartResult:
            return self.launcher.start(
                course_id, folder, create_folder=is_default, progress=report, cancel=cancel
            )

        job = self.env_job(course_id, f"Starting {self.launcher.course(course_id).code}", work)
        job.succeeded.connect(lambda result: self._started(course_id, result))

    def _started(self, course_id: str, result: StartResult) -> None:
        self.statuses[course_id] = result.status
        self.ready[course_id] = frozenset(e.name for e in result.endpoints)
        self.notices[course_id] = " ".join(result.notices)
        self.relabel_courses()
        self.redraw()
        self.follow_log_if_running()
        if self.launcher.settings.open_browser and result.endpoints:
            self.open_service(result.endpoints[0].name)

    def stop_selected(self) -> None:
        course_id = self.selected_id()
        if course_id is not None:
            self.stop_course(course_id)

    def stop_course(self, course_id: str) -> Job:
        if course_id == self.selected_id():
            self.stop_following_log()
        return self.env_job(course_id, "Stopping", lambda _r, _c: self.launcher.stop(course_id))

    def install_selected(self) -> None:
        course_id = self.selected_id()
        if course_id is None:
            return
        title = f"Installing {self.launcher.course(course_id).code}"
        self.env_job(course_id, title, lambda r, c: self.launcher.install(course_id, r, c))

    def cancel_selected(self) -> None:
        course_id = self.selected_id()
        job = self.runner.active(f"env:{course_id}") if course_id else None
        if job is not None:
            job.cancel()

    # -- services ------------------------------------------------------------------
    def _with_service_url(
        self, name: str, course_id: str | None, then: Callable[[str], None]
    ) -> None:
        """Ask the engine for the service's address in a job, then call ``then`` with it."""
        course_id = course_id or self.selected_id()
        if course_id is None:
            return
        job = Job(
            f"address:{course_id}",
            f"Finding the address of {name}",
            lambda _r, _c: self.launcher.service_url(course_id, name),
        )
        job.succeeded.connect(lambda url: then(str(url)) if url else None)
        job.failed.connect(lambda message, hint: self.statusBar().showMessage(f"{message} {hint}"))
        self.runner.submit(job)

    def open_terminal(self) -> None:
        """Jupyter's terminal in the browser (a platform terminal is not started yet)."""
        course_id = self.selected_id()
        if course_id is None:
            return
        job = Job(f"address:{course_id}", "Finding the terminal",
                  lambda _r, _c: self.launcher.terminal_url(course_id))  # fmt: skip
        job.succeeded.connect(lambda url: self._open_url(str(url)))
        job.failed.connect(lambda message, hint: self.statusBar().showMessage(f"{message} {hint}"))
        self.runner.submit(job)

    def open_service(self, name: str, course_id: str | None = None) -> None:
        self._with_service_url(name, course_id, self._open_url)

    def _open_url(self, url: str) -> None:
        try:
            self.opener(url)
        except OSError:
            self.statusBar().showMessage(
                "No web browser could be opened. Use Copy address and paste it into a browser."
            )

    def copy_service(self, name: str, course_id: str | None = None) -> None:
        self._with_service_url(name, course_id, self._copy_url)

    def _copy_url(self, url: str) -> None:
        QGuiApplication.clipboard().setText(url)
        self.statusBar().showMessage("Address copied.", 4000)

    # -- settings and diagnostics --------------------------------------------------
    def show_settings(self) -> SettingsDialog:
        if self.settings_dialog is not None and self.settings_dialog.isVisible():
            self.settings_dialog.raise_()
            self.settings_dialog.activateWindow()
            return self.settings_dialog
        from launcher.ui.dialogs.settings import SettingsDialog

        dialog = SettingsDialog(self.launcher, self.runner, self)
        dialog.catalogue_added.connect(self._catalogue_added)
        dialog.catalogue_reloaded.connect(self.catalogue_changed)
        dialog.engine_changed.connect(self._engine_address_changed)
        dialog.save_failed.connect(
            lambda message, hint: self.statusBar().showMessage(f"{message} {hint}")
        )
        dialog.saved.connect(lambda _new: self.statusBar().showMessage("Settings saved.", 4000))
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def _catalogue_added(self, _catalogue: Catalogue) -> None:
        self.catalogue_changed()  # the launcher's catalogue has its courses already

    def _engine_address_changed(self) -> None:
        self.engine_ok = self.engine_lost = False  # another engine: nothing was lost
        self.refresh_timer.stop()
        self.banner.show_checking()
        self.redraw()
        self.check_engine()

    def show_diagnostics(self) -> DiagnosticsDialog:
        from launcher.ui.dialogs.diagnostics import DiagnosticsDialog, diagnostics_text

        problem = "" if self.engine_ok else self.engine_problem
        text = diagnostics_text(self.launcher, self.statuses, self.ready, engine_problem=problem)
        if self.diagnostics_dialog is not None:
            self.diagnostics_dialog.deleteLater()
        self.diagnostics_dialog = DiagnosticsDialog(
            text, self, launcher=self.launcher, runner=self.runner
        )
        self.diagnostics_dialog.open()
        return self.diagnostics_dialog

    # -- the window, the tray and quitting -----------------------------------------
    def bring_forward(self) -> None:
        """Show the window in front (a second launch, or the tray icon asked)."""
        if self.isMinimized() or not self.isVisible():
            self.showNormal()
        self.raise_()
        self.activateWindow()

    def running_ids(self) -> list[str]:
        return [
            course_id
            for course_id, status in self.statuses.items()
            if status.state == EnvironmentState.RUNNING
        ]

    def quit_app(self) -> None:
        """Quit (menu or tray): asks first what to do with running environments."""
        self.leaving.quit()

    # -- the log -------------------------------------------------------------------
    def follow_log_if_running(self) -> None:
        course_id = self.selected_id()
        status = self.statuses.get(course_id or "")
        if (
            course_id is not None
            and status is not None
            and status.state == EnvironmentState.RUNNING
        ):
            self.log.follow(course_id)

    def stop_following_log(self) -> None:
        self.log.stop()

    # -- drawing -------------------------------------------------------------------
    def redraw(self) -> None:
        course_id = self.selected_id()
        if course_id is None:
            return
        lines = self.log.take_lines()
        job = self.runner.active(f"env:{course_id}")
        progress = job.progress if job is not None else None
        text, fraction = progress_parts(progress)
        self.page.show_state(
            PageState(
                course=self.launcher.course(course_id),
                folder=self.folder_for(course_id),
                status=self.statuses.get(course_id) if self.engine_ok else None,
                busy=job.title if job is not None else None,
                progress_text=text,
                progress_fraction=fraction,
                error=self.errors.get(course_id),
                notice=self.notices.get(course_id, ""),
                ready_services=self.ready.get(course_id, frozenset()),
                engine_ok=self.engine_ok,
            )
        )
        self.page.append_log(lines)
        self.image_actions.redraw()
        if not lines and not self.runner.any_active():
            self.draw_timer.stop()  # woken by the next job or log line

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.leaving.stay_in_tray():
            event.ignore()  # the environment runs on, and the app with it
            return
        self.draw_timer.stop()
        self.refresh_timer.stop()
        self.engine_timer.stop()
        self.runner.shut_down()
        self.tray.close()
        super().closeEvent(event)
        self.closed.emit()
