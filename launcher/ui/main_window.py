"""The main window: courses on the left, the chosen course's page on the right.

All Docker work runs as jobs (launcher/ui/jobs.py). A timer redraws progress
and drains the log a few times a second; another asks the engine for the
environments' state every few seconds when nothing else is happening.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from launcher import APP_NAME
from launcher.core.environment import EnvironmentState, EnvironmentStatus
from launcher.core.launcher import Launcher
from launcher.core.log_stream import follow_logs
from launcher.core.operation import CancelToken
from launcher.core.start import StartResult
from launcher.core.workspace import default_folder
from launcher.ui.about import show_about
from launcher.ui.course_page import CoursePage, PageState
from launcher.ui.engine_banner import EngineBanner
from launcher.ui.jobs import Job, JobRunner

Opener = Callable[[str], None]
# environments by course id, their answering services, the course selected when asked
StatusSnapshot = tuple[dict[str, EnvironmentStatus], dict[str, frozenset[str]], str | None]
DRAW_MS = 125  # progress and log are redrawn 8 times a second, not per event
REFRESH_MS = 5000  # environments' state, when idle
ENGINE_RETRY_MS = 5000  # while Docker is missing, look again by itself


class MainWindow(QMainWindow):
    def __init__(self, launcher: Launcher, opener: Opener, runner: JobRunner | None = None) -> None:
        super().__init__()
        self.launcher = launcher
        self.opener = opener
        self.runner = runner or JobRunner(self)
        self.setWindowTitle(APP_NAME)
        self.resize(960, 640)
        self.engine_ok = False
        self.statuses: dict[str, EnvironmentStatus] = {}
        self.ready: dict[str, frozenset[str]] = {}
        self.errors: dict[str, tuple[str, str]] = {}
        self.notices: dict[str, str] = {}
        self._log_lines: deque[str] = deque(maxlen=2000)
        self._log_lock = threading.Lock()
        self._log_job: Job | None = None

        self.banner = EngineBanner(self)
        self.banner.retry_requested.connect(self.check_engine)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search courses")
        self.search.setAccessibleName("Search courses")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.course_list = QListWidget(self)
        self.course_list.setAccessibleName("Courses")
        self.course_list.setWordWrap(True)
        self.course_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.course_list.setSpacing(2)
        self.page = CoursePage(self)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.course_list, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self.page)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([320, 640])
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self._build_menus()
        self._fill_courses()

        self.page.start_requested.connect(self.start_selected)
        self.page.stop_requested.connect(self.stop_selected)
        self.page.install_requested.connect(self.install_selected)
        self.page.cancel_requested.connect(self.cancel_selected)
        self.page.open_requested.connect(self.open_service)
        self.page.copy_requested.connect(self.copy_service)
        self.course_list.currentRowChanged.connect(lambda _row: self._selection_changed())

        self.draw_timer = QTimer(self, interval=DRAW_MS, timeout=self.redraw)
        self.refresh_timer = QTimer(self, interval=REFRESH_MS, timeout=self.refresh)
        self.engine_timer = QTimer(self, interval=ENGINE_RETRY_MS, timeout=self.check_engine)
        self.draw_timer.start()
        self.runner.job_finished.connect(lambda _job: self.redraw())
        self.course_list.setCurrentRow(0)
        self.banner.show_checking()
        QTimer.singleShot(0, self.check_engine)  # after the window is shown

    # -- building ------------------------------------------------------------------
    def _build_menus(self) -> None:
        course = self.menuBar().addMenu("&Course")
        for text, shortcut, slot in (
            ("&Start", "Ctrl+R", self.start_selected),
            ("S&top", "Ctrl+T", self.stop_selected),
            ("&Remove environment…", None, self.remove_selected),
        ):
            action = QAction(text, self)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(slot)
            course.addAction(action)
        course.addSeparator()
        quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        course.addAction(quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About", self)
        about.triggered.connect(lambda: show_about(self, self.launcher))
        help_menu.addAction(about)

    def _fill_courses(self) -> None:
        self.course_list.clear()
        for course in self.launcher.catalogue:
            item = QListWidgetItem(course.display_name, self.course_list)
            item.setData(Qt.ItemDataRole.UserRole, course.id)
        self._relabel_courses()

    def _relabel_courses(self) -> None:
        for row in range(self.course_list.count()):
            item = self.course_list.item(row)
            course = self.launcher.course(item.data(Qt.ItemDataRole.UserRole))
            status = self.statuses.get(course.id)
            state = _STATE_WORDS.get(status.state if status else None, "")
            item.setText(f"{course.code} {course.presentation} — {course.title}\n{state}")

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for row in range(self.course_list.count()):
            item = self.course_list.item(row)
            item.setHidden(bool(needle) and needle not in item.text().lower())

    # -- what is selected ------------------------------------------------------------
    def selected_id(self) -> str | None:
        item = self.course_list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    def select_course(self, course_id: str) -> None:
        for row in range(self.course_list.count()):
            if self.course_list.item(row).data(Qt.ItemDataRole.UserRole) == course_id:
                self.course_list.setCurrentRow(row)
                return

    def folder_for(self, course_id: str) -> Path:
        course = self.launcher.course(course_id)
        return self.launcher.folder_for(course_id) or default_folder(
            course.code, course.presentation
        )

    def _selection_changed(self) -> None:
        self._stop_following_log()
        self.redraw()
        self._follow_log_if_running()

    # -- jobs ------------------------------------------------------------------------
    def _env_job(self, course_id: str, title: str, work: Callable[..., Any]) -> Job:
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
            return
        job = Job("engine", "Looking for Docker", lambda _report, _cancel: self.launcher.connect())
        job.succeeded.connect(self._engine_found)
        job.failed.connect(self._engine_missing)
        self.runner.submit(job)

    def _engine_found(self, _engine: object) -> None:
        self.engine_ok = True
        self.engine_timer.stop()
        self.banner.hide()
        self.refresh_timer.start()
        self.refresh()

    def _engine_missing(self, message: str, hint: str) -> None:
        self.engine_ok = False
        self.banner.show_problem(message, hint)
        self.refresh_timer.stop()
        self.engine_timer.start()
        self.redraw()

    def refresh(self) -> None:
        if not self.engine_ok or self.runner.busy("status"):
            return
        selected = self.selected_id()

        def work(_report: Callable[[Any], None], _cancel: CancelToken) -> Any:
            statuses = {s.course_id: s for s in self.launcher.statuses()}
            ready = {}
            for course_id, status in statuses.items():
                if status.state == EnvironmentState.RUNNING:
                    ready[course_id] = frozenset(self.launcher.ready_services(course_id))
            return statuses, ready, selected

        job = Job("status", "Checking your environments", work)
        job.succeeded.connect(self._statuses_arrived)
        job.failed.connect(self._engine_missing)
        self.runner.submit(job)

    def _statuses_arrived(self, result: StatusSnapshot) -> None:
        self.statuses, self.ready, _ = result
        self._relabel_courses()
        self.redraw()
        self._follow_log_if_running()

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

        job = self._env_job(course_id, f"Starting {self.launcher.course(course_id).code}", work)
        job.succeeded.connect(lambda result: self._started(course_id, result))

    def _started(self, course_id: str, result: StartResult) -> None:
        self.statuses[course_id] = result.status
        self.ready[course_id] = frozenset(e.name for e in result.endpoints)
        self.notices[course_id] = " ".join(result.notices)
        self._relabel_courses()
        self.redraw()
        self._follow_log_if_running()
        if self.launcher.settings.open_browser and result.endpoints:
            self.open_service(result.endpoints[0].name)

    def stop_selected(self) -> None:
        course_id = self.selected_id()
        if course_id is None:
            return
        self._stop_following_log()
        self._env_job(course_id, "Stopping", lambda _r, _c: self.launcher.stop(course_id))

    def install_selected(self) -> None:
        course_id = self.selected_id()
        if course_id is None:
            return
        title = f"Installing {self.launcher.course(course_id).code}"
        self._env_job(course_id, title, lambda r, c: self.launcher.install(course_id, r, c))

    def remove_selected(self) -> None:
        course_id = self.selected_id()
        if course_id is None:
            return
        course = self.launcher.course(course_id)
        answer = QMessageBox.question(
            self,
            "Remove environment",
            f"Remove the environment of {course.display_name}?\n\nYour folder and its files "
            "are kept, and so are the downloaded image and the databases.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._stop_following_log()
            self._env_job(course_id, "Removing", lambda _r, _c: self.launcher.remove(course_id))

    def cancel_selected(self) -> None:
        course_id = self.selected_id()
        job = self.runner.active(f"env:{course_id}") if course_id else None
        if job is not None:
            job.cancel()

    # -- services ------------------------------------------------------------------
    def _service_url(self, name: str) -> str | None:
        course_id = self.selected_id()
        return None if course_id is None else self.launcher.service_url(course_id, name)

    def open_service(self, name: str) -> None:
        url = self._service_url(name)
        if not url:
            return
        try:
            self.opener(url)
        except OSError:
            self.statusBar().showMessage(
                "No web browser could be opened. Use Copy address and paste it into a browser."
            )

    def copy_service(self, name: str) -> None:
        url = self._service_url(name)
        if url:
            QGuiApplication.clipboard().setText(url)
            self.statusBar().showMessage("Address copied.", 4000)

    # -- the log -------------------------------------------------------------------
    def _follow_log_if_running(self) -> None:
        course_id = self.selected_id()
        status = self.statuses.get(course_id or "")
        if course_id is None or status is None or status.state != EnvironmentState.RUNNING:
            return
        if self._log_job is not None:
            return
        course = self.launcher.course(course_id)
        secrets = [t for t in (self.launcher.token(course_id),) if t]

        def sink(line: str) -> None:
            with self._log_lock:
                self._log_lines.append(line)

        def work(_report: Callable[[Any], None], cancel: CancelToken) -> None:
            follow_logs(self.launcher.engine.client, course, sink, cancel, secrets=secrets)

        job = Job(f"logs:{course_id}", "Reading the log", work)
        job.done.connect(lambda: self._log_job_done(job))
        self._log_job = job
        self.runner.submit(job)

    def _log_job_done(self, job: Job) -> None:
        if self._log_job is job:
            self._log_job = None

    def _stop_following_log(self) -> None:
        if self._log_job is not None:
            self._log_job.cancel()
            self._log_job = None
        with self._log_lock:
            self._log_lines.clear()

    # -- drawing -------------------------------------------------------------------
    def redraw(self) -> None:
        course_id = self.selected_id()
        if course_id is None:
            return
        with self._log_lock:
            lines = list(self._log_lines)
            self._log_lines.clear()
        job = self.runner.active(f"env:{course_id}")
        progress = job.progress if job is not None else None
        text, fraction = _progress_parts(progress)
        self.page.render(
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

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.draw_timer.stop()
        self.refresh_timer.stop()
        self.engine_timer.stop()
        self.runner.shut_down()
        super().closeEvent(event)


_STATE_WORDS: dict[EnvironmentState | None, str] = {
    EnvironmentState.RUNNING: "Running",
    EnvironmentState.STOPPED: "Stopped",
    EnvironmentState.CREATED: "Stopped",
    EnvironmentState.ABSENT: "Not set up",
    None: "",
}


def _progress_parts(progress: object) -> tuple[str, float | None]:
    """Text and fraction of a job's latest progress (a sentence or a PullProgress)."""
    if progress is None:
        return "", None
    if isinstance(progress, str):
        return progress, None
    describe = getattr(progress, "describe", None)
    fraction = getattr(progress, "fraction", None)
    text = describe() if callable(describe) else str(progress)
    return str(text), fraction if isinstance(fraction, float) else None
