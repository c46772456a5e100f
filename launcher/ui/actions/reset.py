"""Reset environment… and Remove environment… in the window: they ask first (what is
kept, what is lost), then run as the course's job like every other operation."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QWidget

from launcher.core.operation import CancelToken
from launcher.ui.actions.host import ActionHost, env_job, idle_selection
from launcher.ui.jobs import Job, plain

if TYPE_CHECKING:
    from launcher.core.launcher import ResetResult
    from launcher.ui.dialogs.reset import ResetDialog


class TutorActions(QObject):
    def __init__(self, host: ActionHost, parent: QWidget) -> None:
        super().__init__(parent)
        self.host = host
        self.parent_widget = parent  # where the questions appear
        self.reset_dialog: ResetDialog | None = None

    def remove_selected(self) -> None:
        host = self.host
        course_id = host.selected_id()
        if course_id is None:
            return
        course = host.launcher.course(course_id)
        answer = QMessageBox.question(
            self.parent_widget,
            "Remove environment",
            f"Remove the environment of {course.display_name}?\n\nYour folder and its files "
            "are kept, and so are the downloaded image and the databases.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            host.stop_following_log()
            launcher = host.launcher
            env_job(host, course_id, "Removing", plain(lambda: launcher.remove(course_id)))

    def reset_selected(self) -> ResetDialog | None:
        """Ask first (what is kept, what is lost); the reset itself runs in a job."""
        host = self.host
        course_id = idle_selection(host)
        if course_id is None:
            return None
        from launcher.ui.dialogs.reset import ResetDialog

        dialog = ResetDialog(
            host.launcher.course(course_id), host.folder_for(course_id), self.parent_widget
        )
        dialog.accepted.connect(
            lambda: self.reset_course(course_id, databases=dialog.databases_chosen())
        )
        dialog.finished.connect(dialog.deleteLater)
        self.reset_dialog = dialog
        dialog.open()
        return dialog

    def reset_course(self, course_id: str, *, databases: bool = False) -> Job:
        host = self.host
        if course_id == host.selected_id():
            host.stop_following_log()
        launcher = host.launcher

        def work(report: Callable[[Any], None], cancel: CancelToken) -> ResetResult:
            return launcher.reset(course_id, databases=databases, progress=report, cancel=cancel)

        job = env_job(host, course_id, f"Resetting {launcher.course(course_id).code}", work)
        job.succeeded.connect(lambda result: self._reset_done(course_id, result))
        return job

    def _reset_done(self, course_id: str, result: ResetResult) -> None:
        host = self.host
        host.state.environment_started(course_id, result.started)
        message = f"{host.launcher.course(course_id).code} was reset; your files are unchanged."
        if result.backups:
            saved = ", ".join(str(b.path) for b in result.backups)
            message += f" The databases were made new; their backup is in {saved}."
        host.say(message)
