"""One course: its folder, Install / Start / Stop, an Open button per service, the log.

The page renders state it is given (the course, the engine's view of its
environment, the job in progress, the last error) and emits intents; it never
talks to Docker itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from launcher.core.catalogue.model import Course
from launcher.core.environments.state import EnvironmentState, EnvironmentStatus
from launcher.ui.widgets.html import escape_lines

LOG_LINES = 1000  # the log panel keeps the newest lines only


@dataclass(frozen=True)
class PageState:
    course: Course
    folder: Path
    status: EnvironmentStatus | None  # None: not known yet (engine not answered)
    busy: str | None = None  # title of the job in progress
    progress_text: str = ""
    progress_fraction: float | None = None  # None: busy, no fraction known
    error: tuple[str, str] | None = None  # message, hint
    notice: str = ""
    ready_services: frozenset[str] = frozenset()
    engine_ok: bool = True


class CoursePage(QWidget):
    install_requested = Signal()
    start_requested = Signal()
    stop_requested = Signal()
    cancel_requested = Signal()
    open_requested = Signal(str)  # service name
    copy_requested = Signal(str)
    folder_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(self)
        self.title.setObjectName("courseTitle")
        self.title.setWordWrap(True)
        self.description = QLabel(self)
        self.description.setWordWrap(True)

        self.folder = QLineEdit(self)
        self.folder.setAccessibleName("Course folder")
        self.folder.setToolTip("Where your course files are kept on this computer")
        self.folder.editingFinished.connect(lambda: self.folder_changed.emit(self.folder.text()))
        self.choose = QPushButton("C&hoose…", self)
        self.choose.setAccessibleName("Choose the course folder")
        self.choose.clicked.connect(self._choose_folder)
        folder_label = QLabel("Your &folder:", self)
        folder_label.setBuddy(self.folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(folder_label)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.choose)

        self.install = self._button("&Install", "Download this course's environment")
        self.start = self._button("&Start", "Start the environment and open it when it is ready")
        self.stop = self._button("S&top", "Stop the environment (your files are kept)")
        self.cancel = self._button("&Cancel", "Stop what is in progress")
        self.install.clicked.connect(self.install_requested)
        self.start.clicked.connect(self.start_requested)
        self.stop.clicked.connect(self.stop_requested)
        self.cancel.clicked.connect(self.cancel_requested)
        actions = QHBoxLayout()
        for button in (self.install, self.start, self.stop, self.cancel):
            actions.addWidget(button)
        actions.addStretch(1)

        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Progress")
        self.progress.setRange(0, 1000)
        self.status_text = QLabel(self)
        self.status_text.setObjectName("statusText")
        self.status_text.setWordWrap(True)
        self.status_text.setAccessibleName("Status")
        self.status_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.services_box = QGroupBox("Open in your browser", self)
        self.services_grid = QGridLayout(self.services_box)
        self.service_buttons: dict[str, tuple[QPushButton, QPushButton]] = {}

        self.log_view = QPlainTextEdit(self)
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(LOG_LINES)
        self.log_view.setAccessibleName("Environment log")
        self.log_view.setPlaceholderText("The environment's messages appear here while it runs.")

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.description)
        layout.addLayout(folder_row)
        layout.addLayout(actions)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_text)
        layout.addWidget(self.services_box)
        layout.addWidget(QLabel("Log:", self))
        layout.addWidget(self.log_view, 1)
        self._course_id: str | None = None

    def _button(self, text: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(text.replace("&", ""))
        button.setToolTip(tip)
        return button

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, "Choose the folder for your course files", self.folder.text()
        )
        if chosen:
            self.folder.setText(chosen)
            self.folder_changed.emit(chosen)

    def _rebuild_services(self, course: Course) -> None:
        while self.services_grid.count():
            item = self.services_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # gone now, not when the deferred delete runs
                widget.deleteLater()
        self.service_buttons.clear()
        for row, service in enumerate(course.services):
            open_button = QPushButton(f"Open {service.name}", self.services_box)
            open_button.setAccessibleName(f"Open {service.name}")
            open_button.setToolTip(f"Open {service.name} in your web browser, logged in")
            copy_button = QPushButton("Copy address", self.services_box)
            copy_button.setAccessibleName(f"Copy the address of {service.name}")
            copy_button.setToolTip("Copy the address to paste it into a browser yourself")
            open_button.clicked.connect(lambda _=False, n=service.name: self.open_requested.emit(n))
            copy_button.clicked.connect(lambda _=False, n=service.name: self.copy_requested.emit(n))
            self.services_grid.addWidget(open_button, row, 0)
            self.services_grid.addWidget(copy_button, row, 1)
            self.service_buttons[service.name] = (open_button, copy_button)

    def show_state(self, state: PageState) -> None:
        course = state.course
        if course.id != self._course_id:
            self._course_id = course.id
            self._rebuild_services(course)
            self.log_view.clear()
            self.title.setText(f"<h2>{course.display_name}</h2>")
            self.description.setText(course.description)
            self.folder.setText(str(state.folder))
        env = state.status.state if state.status else None
        running = env == EnvironmentState.RUNNING
        idle = state.busy is None and state.engine_ok
        self.folder.setEnabled(idle and not running)
        self.choose.setEnabled(idle and not running)
        self.install.setEnabled(idle and not running)
        self.start.setEnabled(idle and not running)
        self.stop.setEnabled(idle and running)
        self.cancel.setEnabled(state.busy is not None)
        for name, (open_button, copy_button) in self.service_buttons.items():
            ready = running and name in state.ready_services
            open_button.setEnabled(ready)
            copy_button.setEnabled(ready)
        self._render_progress(state, env)

    def _render_progress(self, state: PageState, env: EnvironmentState | None) -> None:
        if state.busy is not None:
            if state.progress_fraction is None:
                self.progress.setRange(0, 0)  # busy, amount unknown
            else:
                self.progress.setRange(0, 1000)
                self.progress.setValue(round(state.progress_fraction * 1000))
            self.status_text.setText(state.progress_text or f"{state.busy}…")
            return
        self.progress.setRange(0, 1000)
        self.progress.setValue(1000 if env == EnvironmentState.RUNNING else 0)
        if state.error is not None:
            message, hint = state.error
            self.status_text.setText(f"<b>{escape_lines(message)}</b><br>{escape_lines(hint)}")
        elif env == EnvironmentState.RUNNING:
            extra = f"<br>{escape_lines(state.notice)}" if state.notice else ""
            self.status_text.setText(
                f"Running. Your files are in {escape_lines(str(state.folder))}.{extra}"
            )
        elif env is None:
            self.status_text.setText("Waiting for Docker…")
        else:
            self.status_text.setText(
                "Not running. Press Start; your files stay in your folder."
                if env != EnvironmentState.ABSENT
                else "Press Start to set up this course (it downloads what it needs first)."
            )

    def append_log(self, lines: list[str]) -> None:
        if lines:
            self.log_view.appendPlainText("\n".join(lines))


def progress_parts(progress: object) -> tuple[str, float | None]:
    """Text and fraction of a job's latest progress (a sentence or a PullProgress)."""
    if progress is None:
        return "", None
    if isinstance(progress, str):
        return progress, None
    describe = getattr(progress, "describe", None)
    fraction = getattr(progress, "fraction", None)
    text = describe() if callable(describe) else str(progress)
    return str(text), fraction if isinstance(fraction, float) else None
