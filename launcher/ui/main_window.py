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
from launcher.core.environments.state import EnvironmentState
from launcher.core.launcher import Launcher
from launcher.ui.actions.courses import CourseActions, Opener
from launcher.ui.actions.images import ImageActions
from launcher.ui.actions.quitting import QuitFlow
from launcher.ui.actions.reset import TutorActions
from launcher.ui.course_icons import CourseIcons
from launcher.ui.engine_view import EngineView
from launcher.ui.engine_watch import EngineWatch
from launcher.ui.first_run import FirstRun
from launcher.ui.jobs import JobRunner, env_key
from launcher.ui.log_follower import LogFollower
from launcher.ui.menus import build_menus
from launcher.ui.widgets.course_list import CourseList
from launcher.ui.widgets.course_page import CoursePage, PageState, is_download, progress_parts
from launcher.ui.widgets.details_panel import tutor_text
from launcher.ui.widgets.tray import Tray, tray_entries
from launcher.ui.widgets.welcome import WelcomePage, is_first_run
from launcher.ui.window_forwards import WindowForwards
from launcher.ui.window_state import WindowState

# Dialogs that load the Docker SDK are imported when first opened, so the window
# appears before them (see docs/how-it-works.md, "Start-up").
if TYPE_CHECKING:
    from launcher.ui.dialogs.diagnostics import DiagnosticsDialog
    from launcher.ui.dialogs.host_key import HostKeyDialog
    from launcher.ui.dialogs.settings import SettingsDialog

DRAW_MS = 125  # progress and log are redrawn 8 times a second, not per event


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
        self.setWindowTitle(APP_NAME)
        self.resize(960, 640)
        self.log = LogFollower(launcher, self.runner, self)

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
        self.engine_view = EngineView(
            launcher, self.watch, self.area, self.views, self.statusBar(),
            lambda url: self.course_actions.opener(url), self,
        )  # fmt: skip
        self.engine_view.redrawn = self.redraw
        self.engine_page = self.engine_view.page
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

        self._connect_page()
        self.courses.selection_changed.connect(self._selection_changed)
        self.state.environments_changed.connect(self._environments_changed)
        self.state.facts_changed.connect(self.relabel_courses)
        self.state.errors_changed.connect(self.redraw)

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
        self.engine_view.looking()
        QTimer.singleShot(0, self.watch.check_engine)  # after the window is shown

    def _connect_page(self) -> None:
        page, actions, tutor, images = (
            self.page,
            self.course_actions,
            self.tutor_actions,
            self.image_actions,
        )
        page.start_requested.connect(actions.start_selected)
        page.download_requested.connect(actions.install_selected)
        page.stop_requested.connect(actions.stop_selected)
        page.cancel_requested.connect(actions.cancel_selected)
        page.open_requested.connect(actions.open_service)
        page.copy_requested.connect(actions.copy_service)
        page.terminal_requested.connect(actions.open_terminal)
        page.reset_requested.connect(tutor.reset_selected)
        page.remove_requested.connect(tutor.remove_selected)
        page.update_requested.connect(images.update_selected)
        page.export_requested.connect(lambda: images.export_selected())
        page.copy_for_tutor_requested.connect(self.copy_for_tutor)
        page.details_opened.connect(self._details_opened)
        actions.became_ready.connect(self._became_ready)

    def _became_ready(self, course_id: str) -> None:
        """A long download can be left: say so when the course is ready and the student
        is elsewhere (the window hidden in the tray, or not the active one)."""
        if not self.isVisible() or not self.isActiveWindow():
            self.tray.tell(APP_NAME, f"{self.launcher.course(course_id).code} is ready")

    def _details_opened(self) -> None:
        """The log is wanted (asked for, or a failure opened it): a running environment's
        is followed already; else its last lines are read (it may have stopped)."""
        course_id = self.selected_id()
        if course_id is not None and not self.log.following:
            self.log.read_tail(course_id)

    def copy_for_tutor(self) -> None:
        """The error and the log, redacted, on the clipboard for a message to a tutor."""
        course_id = self.selected_id()
        if course_id is None:
            return
        status = self.state.statuses.get(course_id)
        text = tutor_text(
            self.launcher.course(course_id).display_name,
            status.state.value if status is not None else "not known",
            self.state.errors.get(course_id),
            self.page.details.text(),
        )
        QGuiApplication.clipboard().setText(text)
        self.say("Copied. Paste it into your message to your tutor.", 8000)

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
        if self.first_run is not None:
            self.first_run.fill(self.launcher.catalogue)
        self._show_icons()
        self.icons.load()  # in a job; a new catalogue may bring new logos

    def _environments_changed(self) -> None:
        self.relabel_courses()
        self.redraw()
        self.follow_log_if_running()

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
        if self.first_run is not None:
            self.first_run.leave()

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
        settings)."""
        self.first_run: FirstRun | None = None
        if not (is_first_run(self.launcher.settings) if first_run is None else first_run):
            return
        self.first_run = FirstRun(self.views, self.state, self)
        self.first_run.chosen.connect(self.select_course)
        self.first_run.add_catalogue_requested.connect(
            lambda: self.show_settings().new_source.setFocus()
        )
        self.first_run.left.connect(self.course_list.setFocus)

    @property
    def welcome(self) -> WelcomePage | None:
        """The first run's page while it shows."""
        return self.first_run.page if self.first_run is not None else None

    @property
    def host_key_dialog(self) -> HostKeyDialog | None:
        return self.engine_view.host_key_dialog

    def _show_icons(self) -> None:
        self.courses.set_icons(self.icons.icons)
        if self.first_run is not None:
            self.first_run.set_icons(self.icons.icons)

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
        self.engine_view.engine_changed()

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
        tail = self.log.take_tail()
        lines = self.log.take_lines()
        job = self.runner.active(env_key(course_id))
        progress = job.progress if job is not None else None
        text, fraction = progress_parts(progress)
        state, engine_ok = self.state, self.watch.engine_ok
        facts = state.facts.get(course_id)
        journey = self.course_actions.journey(course_id, job)
        # A start waiting for its services says which answer already: ticked off now,
        # not at the next poll of the engine.
        answered = frozenset(getattr(progress, "answered", ()))
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
                ready_services=state.ready.get(course_id, frozenset()) | answered,
                engine_ok=engine_ok,
                installed=None if state.installed is None else course_id in state.installed,
                download_size=facts.download_size if facts is not None else None,
                journey=journey,
                downloading=is_download(progress),
                cancellable=self.course_actions.cancellable(course_id, job),
            )
        )
        if tail is not None:
            self.page.replace_log(tail)
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
