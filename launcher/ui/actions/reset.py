"""Reset environment… and Remove environment… in the window: they ask first (what is
kept, what is lost), then run as the course's job like every other operation."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from launcher.core.operation import CancelToken
from launcher.ui.jobs import Job

if TYPE_CHECKING:
    from launcher.core.launcher import ResetResult
    from launcher.ui.dialogs.reset import ResetDialog
    from launcher.ui.main_window import MainWindow


class TutorActions(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.reset_dialog: ResetDialog | None = None

    def remove_selected(self) -> None:
        window = self.window
        course_id = window.selected_id()
        if course_id is None:
            return
        course = window.launcher.course(course_id)
        answer = QMessageBox.question(
            window,
            "Remove environment",
            f"Remove the environment of {course.display_name}?\n\nYour folder and its files "
            "are kept, and so are the downloaded image and the databases.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            window.stop_following_log()
            launcher = window.launcher
            window.env_job(course_id, "Removing", lambda _r, _c: launcher.remove(course_id))

    def reset_selected(self) -> ResetDialog | None:
        """Ask first (what is kept, what is lost); the reset itself runs in a job."""
        window = self.window
        course_id = window.selected_id()
        if course_id is None or window.runner.busy(f"env:{course_id}"):
            return None
        from launcher.ui.dialogs.reset import ResetDialog

        dialog = ResetDialog(
            window.launcher.course(course_id), window.folder_for(course_id), window
        )
        dialog.accepted.connect(
            lambda: self.reset_course(course_id, databases=dialog.databases_chosen())
        )
        dialog.finished.connect(dialog.deleteLater)
        self.reset_dialog = dialog
        dialog.open()
        return dialog

    def reset_course(self, course_id: str, *, databases: bool = False) -> Job:
        window = self.window
        if course_id == window.selected_id():
            window.stop_following_log()
        launcher = window.launcher

        def work(report: Callable[[Any], None], cancel: CancelToken) -> ResetResult:
            return launcher.reset(course_id, databases=databases, progress=report, cancel=cancel)

        job = window.env_job(course_id, f"Resetting {launcher.course(course_id).code}", work)
        job.succeeded.connect(lambda result: self._reset_done(course_id, result))
        return job

    def _reset_done(self, course_id: str, result: ResetResult) -> None:
        window = self.window
        window.statuses[course_id] = result.started.status
        window.ready[course_id] = frozenset(e.name for e in result.started.endpoints)
        window.notices[course_id] = " ".join(result.started.notices)
        window.relabel_courses()
        window.redraw()
        window.follow_log_if_running()
        message = f"{window.launcher.course(course_id).code} was reset; your files are unchanged."
        if result.backups:
            saved = ", ".join(str(b.path) for b in result.backups)
            message += f" The databases were made new; their backup is in {saved}."
        window.statusBar().showMessage(message)
