"""One course: its folder, one clear next step, progress in steps, details on request.

The next step is one button whose words follow the state: "Install (2.1 GB)" (it
downloads, then starts), "Start", and once running one "Open <service>" button per
service. Stop sits quietly beside them and the tutor's actions are in "More";
what cannot apply is hidden, not greyed out.

The page renders the ``PageState`` it is given and emits intents; it never talks
to Docker itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from launcher.core.catalogue.model import Course
from launcher.core.environments.state import EnvironmentState, EnvironmentStatus
from launcher.core.text import hint_without_log, human_size
from launcher.ui.widgets.details_panel import DetailsPanel
from launcher.ui.widgets.html import escape_lines
from launcher.ui.widgets.progress_steps import (
    Journey,
    ProgressSteps,
    StepState,
    journey_steps,
    step_lines,
)
from launcher.ui.widgets.service_buttons import ServiceButtons


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
    installed: bool | None = None  # the image is on this computer (None: not asked yet)
    download_size: int | None = None  # what an install downloads, when the registry said
    journey: Journey | None = None  # the job in progress is an install or a start
    downloading: bool = False  # its latest progress is a download's
    cancellable: bool = False  # the job in progress stops when asked


def primary_label(installed: bool | None, download_size: int | None) -> str:
    """The words on the next-step button of a course that is not running."""
    if installed is False:
        return f"Install ({human_size(download_size)})" if download_size else "Install"
    return "Start"


class CoursePage(QWidget):
    start_requested = Signal()  # Install or Start: download what is missing, then start
    download_requested = Signal()  # More > Download only
    stop_requested = Signal()
    cancel_requested = Signal()
    open_requested = Signal(str)  # service name
    copy_requested = Signal(str)
    folder_changed = Signal(str)
    terminal_requested = Signal()
    reset_requested = Signal()
    update_requested = Signal()
    export_requested = Signal()
    remove_requested = Signal()
    copy_for_tutor_requested = Signal()
    details_opened = Signal()  # Show details (or a failure opened them): the log is wanted

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
        self.choose = self._button("C&hoose…", "Choose the folder for your course files")
        self.choose.setAccessibleName("Choose the course folder")
        self.choose.clicked.connect(self._choose_folder)
        folder_label = QLabel("Your &folder:", self)
        folder_label.setBuddy(self.folder)
        folder_row = QHBoxLayout()
        folder_row.addWidget(folder_label)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.choose)

        # The next step; its words follow the state (primary_label).
        self.start = self._button("&Start", "Start the environment and open it when it is ready")
        self.start.setObjectName("primaryAction")
        self.start.clicked.connect(self.start_requested)
        self.status_text = QLabel(self)
        self.status_text.setObjectName("statusText")
        self.status_text.setWordWrap(True)
        self.status_text.setAccessibleName("Status")
        self.status_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.steps = ProgressSteps(self)
        self.steps.cancel_requested.connect(self.cancel_requested)
        self.cancel = self.steps.cancel

        # Running: one Open per service is the main content, Copy address beside it.
        self.services_box = ServiceButtons(self)
        self.services_box.open_requested.connect(self.open_requested)
        self.services_box.copy_requested.connect(self.copy_requested)
        self.service_buttons = self.services_box.buttons

        # Secondary: Stop and More, quiet, after the main content in the Tab order.
        self.stop = self._button("S&top", "Stop the environment (your files are kept)")
        self.stop.setFlat(True)
        self.stop.clicked.connect(self.stop_requested)
        self.more = QToolButton(self)
        self.more.setText("&More")
        self.more.setAccessibleName("More actions")
        self.more.setToolTip("Reset, update, export or remove this course's environment")
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more.setAutoRaise(True)
        self.more.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.more_menu = QMenu(self.more)
        self.more_menu.setAccessibleName("More actions")
        self.more.setMenu(self.more_menu)
        self.terminal_action = self._more("Open te&rminal", self.terminal_requested)
        self.update_action = self._more("&Update to the newest version", self.update_requested)
        self.export_action = self._more("E&xport to a file…", self.export_requested)
        self.download_action = self._more("&Download only, start later", self.download_requested)
        self.more_menu.addSeparator()
        self.reset_action = self._more("Reset e&nvironment…", self.reset_requested)
        self.remove_action = self._more("&Remove environment…", self.remove_requested)
        secondary = QHBoxLayout()
        secondary.addWidget(self.stop)
        secondary.addWidget(self.more)
        secondary.addStretch(1)

        self.details = DetailsPanel(self)
        self.details.copy_requested.connect(self.copy_for_tutor_requested)
        self.details.toggle.toggled.connect(self._details_toggled)
        self.log_view = self.details.log_view

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.description)
        layout.addLayout(folder_row)
        layout.addWidget(self.status_text)
        primary_row = QHBoxLayout()
        primary_row.addWidget(self.start)
        primary_row.addStretch(1)
        layout.addLayout(primary_row)
        layout.addWidget(self.steps)
        layout.addWidget(self.services_box)
        layout.addLayout(secondary)
        layout.addWidget(self.details)
        layout.addStretch(1)
        self.page_layout = layout
        self._course_id: str | None = None
        self._error_seen: tuple[str, str] | None = None
        self.steps.clear()

    def _button(self, text: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        button.setToolTip(tip)
        button.setAutoDefault(True)  # Enter presses the button that has the focus
        return button

    def _more(self, text: str, intent: SignalInstance) -> QAction:
        action = self.more_menu.addAction(text)
        action.triggered.connect(lambda _checked=False: intent.emit())
        return action

    def _order_tabs(self) -> None:
        """Tab runs down the page as it reads: folder, the next step (or Cancel), the
        Open buttons, then the quiet ones (the Open buttons are made per course, after
        the rest, so they would come last)."""
        chain: list[QWidget] = [self.folder, self.choose, self.start, self.cancel]
        for pair in self.service_buttons.values():
            chain.extend(pair)
        chain += [self.stop, self.more, self.details.toggle, self.details.copy, self.log_view]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)

    def _details_toggled(self, opened: bool) -> None:
        # Open, the log takes the room left; closed, the page keeps to the top.
        self.page_layout.setStretchFactor(self.details, 1 if opened else 0)
        self.page_layout.setStretch(self.page_layout.count() - 1, 0 if opened else 1)
        if opened:
            self.details_opened.emit()

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, "Choose the folder for your course files", self.folder.text()
        )
        if chosen:
            self.folder.setText(chosen)
            self.folder_changed.emit(chosen)

    # -- the next step ---------------------------------------------------------------
    def primary_button(self) -> QPushButton | None:
        """The button Enter presses: Install or Start, else the first Open that answers."""
        if self.start.isVisibleTo(self):
            return self.start
        return self.services_box.first_ready() if self.services_box.isVisibleTo(self) else None

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        # Enter anywhere on the page (the folder field passes it on) does the next step.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            button = self.primary_button()
            if button is not None:
                button.click()
                return
        super().keyPressEvent(event)

    # -- drawing ---------------------------------------------------------------------
    def show_state(self, state: PageState) -> None:
        """Draw the page for this state."""
        course = state.course
        if course.id != self._course_id:
            self._course_id = course.id
            self._error_seen = None
            self.services_box.rebuild(course)
            self._order_tabs()
            self.details.clear()
            self.details.close_details()
            self.title.setText(f"<h2>{escape_lines(course.display_name)}</h2>")
            self.description.setText(course.description)
            self.folder.setText(str(state.folder))
        env = state.status.state if state.status else None
        running = env == EnvironmentState.RUNNING
        idle = state.busy is None and state.engine_ok and env is not None
        exists = env is not None and env != EnvironmentState.ABSENT

        self.folder.setReadOnly(not idle or running)
        self.choose.setVisible(idle and not running)
        can_start = idle and not running
        self.start.setVisible(can_start)
        self.start.setEnabled(can_start)
        if can_start:
            label = primary_label(state.installed, state.download_size)
            self.start.setText(f"&{label}")
            self.start.setAccessibleName(label)
            self.start.setToolTip(
                "Download this course's environment, then start it"
                if state.installed is False
                else "Start the environment and open it when it is ready"
            )
        self.start.setDefault(can_start)

        self.services_box.show_ready(state.ready_services if idle and running else frozenset())
        self.stop.setVisible(idle and running)
        self.stop.setEnabled(idle and running)
        self._render_more(state, idle, running, exists)
        self._render_progress(state, running)
        self._render_details(state, exists)

    def _render_more(self, state: PageState, idle: bool, running: bool, exists: bool) -> None:
        installed = state.installed is True or exists
        self.terminal_action.setVisible(running)
        self.update_action.setVisible(installed)
        self.export_action.setVisible(installed)
        self.download_action.setVisible(state.installed is False)
        self.reset_action.setVisible(exists)
        self.remove_action.setVisible(exists)
        anything = any(a.isVisible() for a in self.more_menu.actions() if not a.isSeparator())
        self.more.setVisible(idle and anything)
        self.more.setEnabled(idle and anything)

    def _render_progress(self, state: PageState, running: bool) -> None:
        if state.busy is not None:
            if state.journey is not None:
                steps = journey_steps(
                    state.journey,
                    installed=state.installed,
                    downloading=state.downloading,
                    progress_text=state.progress_text,
                    services=[s.name for s in state.course.services],
                    ready=state.ready_services,
                )
                self.status_text.setText(escape_lines(f"{state.busy}…"))
                self.steps.show_steps(
                    step_lines(steps),
                    bar=steps[0].state is StepState.NOW,
                    fraction=state.progress_fraction,
                    cancellable=state.cancellable,
                )
                return
            self.status_text.setText(escape_lines(state.progress_text or f"{state.busy}…"))
            self.steps.show_steps(
                [],
                bar=state.downloading or state.progress_fraction is not None,
                fraction=state.progress_fraction,
                cancellable=state.cancellable,
            )
            return
        self.steps.clear()
        self.status_text.setText(self._idle_text(state, running))

    def _idle_text(self, state: PageState, running: bool) -> str:
        env = state.status.state if state.status else None
        if state.error is not None:
            message, hint = state.error
            advice, had_log = hint_without_log(hint)  # its lines are in the details below
            if had_log:
                advice = f"{advice} What it said last is in the details below.".strip()
            return f"<b>{escape_lines(message)}</b><br>{escape_lines(advice)}"
        if running:
            waiting = [s.name for s in state.course.services if s.name not in state.ready_services]
            text = f"Running. Your files are in {escape_lines(str(state.folder))}."
            if waiting:
                text += f"<br>Waiting for {escape_lines(', '.join(waiting))} to answer…"
            if state.notice:
                text += f"<br>{escape_lines(state.notice)}"
            return text
        if env is None or not state.engine_ok:
            return "Waiting for Docker…"
        if state.installed is False:
            return (
                "Not on this computer yet. Install downloads it once, then starts it; "
                "your files stay in your folder."
            )
        return "Ready to start. Your files stay in your folder."

    def _render_details(self, state: PageState, exists: bool) -> None:
        wanted = exists or state.error is not None or state.busy is not None
        self.details.setVisible(wanted)
        if state.error is not None and state.error != self._error_seen:
            self.details.open_at_end()  # something failed: its last lines, unasked
        self._error_seen = state.error

    def append_log(self, lines: list[str]) -> None:
        self.details.append(lines)

    def replace_log(self, lines: list[str]) -> None:
        """The environment's last lines, read afresh (after a failure)."""
        self.details.replace(lines)


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


def is_download(progress: object) -> bool:
    """Whether a job's latest progress is a download's (a PullProgress)."""
    return hasattr(progress, "bytes_done") and hasattr(progress, "layers_total")
