"""Closing and quitting while environments run.

With a tray, closing the window while something runs keeps the app in the tray
(and says so once). Quit asks whether to stop what runs first, leave it running,
or not quit after all.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QWidget

from launcher import APP_NAME
from launcher.ui.actions.courses import CourseActions
from launcher.ui.actions.host import ActionHost
from launcher.ui.widgets.tray import Tray

TRAY_NOTICE = (
    "Course Launcher is still running here, and so is your environment. "
    "Choose Quit from this icon's menu to leave."
)


class QuitChoice(enum.Enum):
    STOP = "stop"  # stop the running environments, then quit
    KEEP = "keep"  # quit and leave them running (found again at the next start)
    CANCEL = "cancel"


def quit_question(parent: QWidget | None, running: Sequence[str]) -> QMessageBox:
    """The question, not yet shown; its buttons carry their choice in ``property("choice")``."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(f"Quit {APP_NAME}")
    box.setAccessibleName(f"Quit {APP_NAME}")
    names = "\n".join(f"• {name}" for name in running)
    box.setText("Stop your running environments before quitting?")
    box.setInformativeText(
        f"Running now:\n{names}\n\nStopping them keeps every file in your folders. "
        "Left running, they keep using memory until you stop them or restart the "
        "computer; Course Launcher finds them again next time."
    )
    for text, role, choice in (
        ("&Stop and quit", QMessageBox.ButtonRole.AcceptRole, QuitChoice.STOP),
        ("&Keep running and quit", QMessageBox.ButtonRole.DestructiveRole, QuitChoice.KEEP),
        ("&Cancel", QMessageBox.ButtonRole.RejectRole, QuitChoice.CANCEL),
    ):
        button = box.addButton(text, role)
        button.setAccessibleName(text.replace("&", ""))
        button.setProperty("choice", choice.value)
        if choice is QuitChoice.STOP:
            box.setDefaultButton(button)
        if choice is QuitChoice.CANCEL:
            box.setEscapeButton(button)
    return box


def ask_quit(parent: QWidget | None, running: Sequence[str]) -> QuitChoice:
    """Ask (modally) what to do with the running environments."""
    box = quit_question(parent, running)
    box.exec()
    clicked = box.clickedButton()
    value = clicked.property("choice") if clicked is not None else None
    box.deleteLater()
    return QuitChoice(value) if value else QuitChoice.CANCEL


AskQuit = Callable[[QWidget | None, Sequence[str]], QuitChoice]


class QuitFlow(QObject):
    """Decides what closing the window and Quit do; the window does the work."""

    def __init__(
        self, host: ActionHost, window: QWidget, tray: Tray, courses: CourseActions
    ) -> None:
        super().__init__(window)
        self.host = host
        self.window = window
        self.tray = tray
        self.courses = courses
        self.ask: AskQuit = ask_quit  # tests answer the question themselves
        self.quitting = False  # Quit was chosen (or nothing runs): close for good
        self._told = False
        self._stopping: set[str] = set()

    def stay_in_tray(self) -> bool:
        """On close: hide in the tray instead, when an environment runs (True)."""
        if self.quitting or not self.tray.in_use or not self.host.state.running_ids():
            return False
        self.window.hide()
        if not self._told:
            self._told = True
            self.tray.tell(APP_NAME, TRAY_NOTICE)
        return True

    def quit(self) -> None:
        if self._stopping:
            return  # already stopping them, then quitting
        running = self.host.state.running_ids()
        if running:
            names = [self.host.launcher.course(c).display_name for c in running]
            choice = self.ask(self.window, names)
            if choice is QuitChoice.CANCEL:
                return
            if choice is QuitChoice.STOP:
                self._stop_then_quit(running)
                return
        self._quit_now()

    def _stop_then_quit(self, course_ids: list[str]) -> None:
        self._stopping = set(course_ids)
        self.host.say("Stopping your environments, then quitting…")
        for course_id in course_ids:
            job = self.courses.stop_course(course_id)
            job.done.connect(lambda c=course_id: self._stopped(c))

    def _stopped(self, course_id: str) -> None:
        self._stopping.discard(course_id)
        if not self._stopping:
            self._quit_now()

    def _quit_now(self) -> None:
        self.quitting = True
        self.window.close()
