"""The main window: courses on the left, the chosen course's page on the right.

The window lays out its parts and draws them; what it knows lives in
``WindowState``, the engine is watched by ``EngineWatch`` and what its buttons and
menus do is in ``launcher/ui/actions/``. All Docker work runs as jobs
(launcher/ui/jobs.py); a timer redraws progress and drains the log a few times a
second while there is something to draw.

With a system tray, closing the window while an environment runs keeps the app
in the tray (said once); Quit asks whether to stop what runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from launcher import APP_NAME
from launcher.core.catalogue.list_lines import list_lines
from launcher.core.catalogue.model import Catalogue
from launcher.core.engine.diagnosis import EngineDiagnosis
from launcher.core.environments.state import EnvironmentState
from launcher.core.errors import HostKeyChanged, HostKeyUnknown
from launcher.core.launcher import Launcher
from launcher.ui.actions.courses import CourseActions, Opener
from launcher.ui.actions.images import ImageActions
from launcher.ui.actions.quitting import QuitFlow
from launcher.ui.actions.reset import TutorActions
from launcher.ui.course_icons import CourseIcons
from launcher.ui.engine_watch import EngineWatch
from launcher.ui.jobs import JobRunner, env_key
from launcher.ui.log_follower import LogFollower
from launcher.ui.menus import build_menus
from launcher.ui.widgets.course_list import CourseList
from launcher.ui.widgets.course_page import CoursePage, PageState, progress_parts
from launcher.ui.widgets.engine_page import EnginePage
from launcher.ui.widgets.tray import Tray, tray_entries
from launcher.ui.widgets.welcome import WelcomePage, is_first_run, used_on_engine
from launcher.ui.window_forwards import WindowForwards
from launcher.ui.window_state import WindowState

# Dialogs that load the Docker SDK are imported when first opened, so the window
# appears before them (see docs/how-it-works.md, "Start-up").
if TYPE_CHECKING:
    from launcher.ui.dialogs.diagnostics import DiagnosticsDialog
    from launcher.ui.dialogs.host_key import HostKeyDialog
    from launcher.ui.dialogs.settings import SettingsDialog

DRAW_MS = 125  # progress and log are redrawn 8 times a second, not per event
LOOKING = "Looking for Docker…"


class MainWindow(QMainWindow):
    closed = Signal()  # the window closed for good (not hidden in the tray): the app may quit

    def __init__(
        self,
        launcher: Launcher,
        opener: Opener,
        runner: JobRunner | None = None,
        *,
        use_tray: bool | None = None,
        first_run: bool | None = None,
    ) -> None:
        super().__init__()
        self.launcher = launcher
        self.runner = runner or JobRunner(self, log_file=launcher.paths.log_file)
        self.state = WindowState(self)
        self.watch = EngineWatch(launcher, self.runner, self.state, self)
        self.course_actions = CourseActions(self, opener, self)
        self.tray = Tray(self, use_tray=use_tray)
        self.tray.open_requested.connect(
            lambda course, service: self.course_actions.open_service(service, course)
        )
        self.tray.stop_requested.connect(self.course_actions.stop_course)
        self.tray.show_requested.connect(self.bring_forward)
        self.tray.quit_requested.connect(self.quit_app)
        self.leaving = QuitFlow(self, self, self.tray, self.course_actions)
        self.settings_dialog: SettingsDialog | None = None
        self.diagnostics_dialog: DiagnosticsDialog | None = None
        self.host_key_dialog: HostKeyDialog | None = None
        self.setWindowTitle(APP_NAME)
        self.resize(960, 640)
        self.log = LogFollower(launcher, self.runner, self)

        # While Docker cannot be used, its page takes the courses' place.
        self.engine_page = EnginePage(self)
        self.engine_page.retry_requested.connect(self.retry_engine)
        self.engine_page.start_requested.connect(self.watch.start_docker_desktop)
        self.engine_page.link_requested.connect(lambda url: self.course_actions.opener(url))
        self.engine_page.copy_requested.connect(self._copy_command)
        self.courses = CourseList(self)
        self.course_list = self.courses.list
        self.page = CoursePage(self)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.courses)
        splitter.addWidget(self.page)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([320, 640])
        # The usual view or the first run's page; while Docker cannot be used, the Docker
        # page takes the place of either.
        self.views = QStackedWidget(self)
        self.views.addWidget(splitter)
        self.courses_area = self.views
        self.area = QStackedWidget(self)
        self.area.addWidget(self.views)
        self.area.addWidget(self.engine_page)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addWidget(self.area, 1)
        self.setCentralWidget(central)
        self.image_actions = ImageActions(self, self)
        self.tutor_actions = TutorActions(self, self)
        self.settings_action = build_menus(self, self)
        self._set_up_welcome(first_run)
        self.icons = CourseIcons(launcher, self.runner, self)
        self.icons.changed.connect(self._show_icons)
        self.catalogue_changed()

        actions = self.course_actions
        self.page.start_requested.connect(actions.start_selected)
        self.page.stop_requested.connect(actions.stop_selected)
        self.page.install_requested.connect(actions.install_selected)
        self.page.cancel_requested.connect(actions.cancel_selected)
        self.page.open_requested.connect(actions.open_service)
        self.page.copy_requested.connect(actions.copy_service)
        self.courses.selection_changed.connect(self._selection_changed)
        self.state.environments_changed.connect(self._environments_changed)
        self.state.facts_changed.connect(self.relabel_courses)
        self.state.errors_changed.connect(self.redraw)
        self.watch.engine_found.connect(self._engine_found)
        self.watch.engine_missing.connect(self._engine_missing)
        self.watch.host_key_refused.connect(self.ask_about_host_key)

        self.draw_timer = QTimer(self)
        self.draw_timer.setInterval(DRAW_MS)
        self.draw_timer.timeout.connect(self.redraw)
        # Drawing runs while there is something to draw (a job's progress, log lines) and
        # sleeps otherwise: an idle window with environments running costs no CPU.
        self.draw_timer.start()
        self.runner.job_started.connect(lambda _job: self.draw_timer.start())
        self.log.lines_waiting.connect(self.draw_timer.start)
        self.runner.job_finished.connect(lambda _job: self.redraw())
        self.redraw()  # the first course's page, before the window is shown
        self.say(LOOKING)  # the courses stay in view: Docker usually answers at once
        QTimer.singleShot(0, self.watch.check_engine)  # after the window is shown

    # -- what the state and the engine watch say -------------------------------------
    def _list_lines(self) -> dict[str, str]:
        state = self.state
        return list_lines(self.launcher.catalogue, state.statuses, state.installed, state.facts)

    def relabel_courses(self) -> None:
        self.courses.relabel(self.launcher.catalogue, self._list_lines())
        self.tray.update(
            tray_entries(self.launcher.catalogue, self.state.statuses, self.state.ready)
        )

    def catalogue_changed(self) -> None:
        """The catalogue has new courses (Settings, Import): list them again."""
        self.courses.fill(self.launcher.catalogue, self._list_lines())
        if self.welcome is not None:
            self.welcome.fill(self.launcher.catalogue, self.state.installed or (), self.state.facts)
        self._show_icons()
        self.icons.load()  # in a job; a new catalogue may bring new logos

    def _environments_changed(self) -> None:
        self.relabel_courses()
        self.redraw()
        self.follow_log_if_running()

    def _engine_found(self) -> None:
        if self.statusBar().currentMessage() == LOOKING:
            self.statusBar().clearMessage()
        self.area.setCurrentWidget(self.courses_area)

    def _engine_missing(self, diagnosis: EngineDiagnosis) -> None:
        if self.statusBar().currentMessage() == LOOKING:
            self.statusBar().clearMessage()
        self.engine_page.show_diagnosis(diagnosis)
        if self.area.currentWidget() is not self.engine_page:
            self.area.setCurrentWidget(self.engine_page)
            self.engine_page.focus_primary()
        self.redraw()

    def retry_engine(self) -> None:
        """Retry on the Docker page: look for Docker again now."""
        self.engine_page.show_checking()
        self.watch.check_engine()

    def _copy_command(self, command: str) -> None:
        QGuiApplication.clipboard().setText(command)
        self.say("Command copied: paste it into a terminal and press Enter.", 8000)

    def ask_about_host_key(self, error: HostKeyUnknown | HostKeyChanged) -> None:
        """Another computer's key: asked about when new, warned about when changed."""
        from launcher.ui.dialogs.host_key import HostKeyDialog

        if self.host_key_dialog is not None:
            self.host_key_dialog.deleteLater()
        dialog = HostKeyDialog(error, self)
        dialog.accepted_key.connect(self._host_key_accepted)
        self.host_key_dialog = dialog
        dialog.open()

    def _host_key_accepted(self, fingerprint: str) -> None:
        self.launcher.trust_host_key(fingerprint)
        self.retry_engine()  # connects, and remembers the key

    def refresh(self) -> None:
        """Ask the engine for every environment's state now (after a job, an import)."""
        self.watch.refresh()

    @property
    def forwards(self) -> WindowForwards:
        return self.watch.forwards

    # -- what is selected ------------------------------------------------------------
    def selected_id(self) -> str | None:
        return self.courses.selected_id()

    def select_course(self, course_id: str) -> None:
        self.courses.select(course_id)
        self.leave_welcome()

    def folder_for(self, course_id: str) -> Path:
        return self.launcher.suggested_folder(course_id)

    def chosen_folder(self) -> Path:
        return Path(self.page.folder.text()).expanduser()

    def _selection_changed(self) -> None:
        self.stop_following_log()
        self.redraw()
        self.follow_log_if_running()

    def say(self, text: str, timeout_ms: int = 0) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    # -- the first run ---------------------------------------------------------------
    def _set_up_welcome(self, first_run: bool | None) -> None:
        """No course used yet: open on "Which course are you studying?" (None: ask the
        settings), and leave it when a course is chosen or the engine shows one in use."""
        self.welcome: WelcomePage | None = None
        if not (is_first_run(self.launcher.settings) if first_run is None else first_run):
            return
        self.welcome = WelcomePage(self.views)
        self.views.addWidget(self.welcome)
        self.views.setCurrentWidget(self.welcome)
        self.welcome.chosen.connect(self.select_course)
        self.welcome.add_catalogue_requested.connect(
            lambda: self.show_settings().new_source.setFocus()
        )
        self.state.facts_changed.connect(self._welcome_sizes)
        self.state.environments_changed.connect(self._welcome_sizes)
        self.welcome.setFocus()

    def _show_icons(self) -> None:
        self.courses.set_icons(self.icons.icons)
        if self.welcome is not None:
            self.welcome.set_icons(self.icons.icons)

    def _welcome_sizes(self) -> None:
        state = self.state
        if self.welcome is None:
            return
        if used_on_engine(state.statuses, state.installed or ()):
            self.leave_welcome()  # used before, by this launcher or with this data
        else:
            self.welcome.show_sizes(state.installed or (), state.facts)

    def leave_welcome(self) -> None:
        """The usual view, with the selected course's page (after the first choice)."""
        if self.welcome is None:
            return
        welcome, self.welcome = self.welcome, None
        self.views.setCurrentIndex(0)
        self.views.removeWidget(welcome)
        welcome.deleteLater()
        self.course_list.setFocus()

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
        dialog.save_failed.connect(lambda message, hint: self.say(f"{message} {hint}"))
        dialog.saved.connect(lambda _new: self.say("Settings saved.", 4000))
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def _catalogue_added(self, _catalogue: Catalogue) -> None:
        self.catalogue_changed()  # the launcher's catalogue has its courses already

    def _engine_address_changed(self) -> None:
        self.watch.forget_engine()
        self.engine_page.show_checking()
        self.area.setCurrentWidget(self.engine_page)
        self.redraw()
        self.watch.check_engine()

    def show_diagnostics(self) -> DiagnosticsDialog:
        from launcher.ui.dialogs.diagnostics import DiagnosticsDialog, diagnostics_text

        problem = "" if self.watch.engine_ok else self.watch.engine_problem
        state = self.state
        text = diagnostics_text(self.launcher, state.statuses, state.ready, engine_problem=problem)
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

    def quit_app(self) -> None:
        """Quit (menu or tray): asks first what to do with running environments."""
        self.leaving.quit()

    # -- the log -------------------------------------------------------------------
    def follow_log_if_running(self) -> None:
        course_id = self.selected_id()
        status = self.state.statuses.get(course_id or "")
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
        job = self.runner.active(env_key(course_id))
        progress = job.progress if job is not None else None
        text, fraction = progress_parts(progress)
        state, engine_ok = self.state, self.watch.engine_ok
        self.page.show_state(
            PageState(
                course=self.launcher.course(course_id),
                folder=self.folder_for(course_id),
                status=state.statuses.get(course_id) if engine_ok else None,
                busy=job.title if job is not None else None,
                progress_text=text,
                progress_fraction=fraction,
                error=state.errors.get(course_id),
                notice=state.notices.get(course_id, ""),
                ready_services=state.ready.get(course_id, frozenset()),
                engine_ok=engine_ok,
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
        self.watch.stop()
        self.runner.shut_down()
        self.forwards.close_all()  # courses on another computer: no longer reached here
        self.tray.close()
        super().closeEvent(event)
        self.closed.emit()
