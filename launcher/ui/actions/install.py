"""The check before a download, in the window, then what was asked: the download
(More > Download only) or the start that downloads (Install).

The check (``Launcher.check_download``) runs as the course's job, so its page says
what is happening. A refusal (the disk certainly cannot hold the download) is shown
on the page as the install's error, and nothing is fetched; warnings (emulation,
memory, a disk that may not hold it unpacked) are a question, asked without
blocking; with none, what was asked goes on at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QWidget

from launcher.core.operation import CancelToken
from launcher.core.text import human_size
from launcher.ui.actions.host import ActionHost, env_job
from launcher.ui.jobs import Job

if TYPE_CHECKING:
    from launcher.core.launcher import DownloadCheck

Proceed = Callable[[str], None]  # what the check was for, given the course id


class InstallFlow(QObject):
    def __init__(self, host: ActionHost, parent: QWidget) -> None:
        super().__init__(parent)
        self.host = host
        self.parent_widget = parent  # where the question appears
        self.question: QMessageBox | None = None  # open while it waits for an answer

    def check_then(self, course_id: str, proceed: Proceed) -> Job:
        """Check, then ``proceed(course_id)`` unless refused or the student says no."""
        launcher = self.host.launcher
        code = launcher.course(course_id).code

        def work(_report: Callable[[Any], None], cancel: CancelToken) -> DownloadCheck:
            check = launcher.check_download(course_id)
            cancel.check()  # Cancel pressed during the check: no download after it
            return check

        checked: list[DownloadCheck] = []

        runner = self.host.runner

        def wire(job: Job) -> None:
            job.succeeded.connect(checked.append)

            def finished(ended: object) -> None:
                # the runner has let the check go: what follows, a start, needs the
                # course idle
                if ended is job:
                    runner.job_finished.disconnect(finished)
                    self._checked(course_id, checked, proceed)

            runner.job_finished.connect(finished)

        title = f"Checking before downloading {code}"
        return env_job(self.host, course_id, title, work, wire)

    def _checked(self, course_id: str, checked: list[DownloadCheck], proceed: Proceed) -> None:
        if not checked:
            return  # the check failed (the page says why) or was cancelled
        check = checked[0]
        if check.refused:
            refusal = check.refusal()
            self.host.state.job_failed(course_id, refusal.message, refusal.hint)
            self.host.redraw()
        elif check.warnings:
            self.question = self._ask(course_id, check, proceed)
        else:
            proceed(course_id)

    def _ask(self, course_id: str, check: DownloadCheck, proceed: Proceed) -> QMessageBox:
        course = self.host.launcher.course(course_id)
        size = f" ({human_size(check.download_bytes)})" if check.download_bytes else ""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Before the download",
            f"Download {course.display_name}{size} all the same?",
            QMessageBox.StandardButton.Cancel,
            self.parent_widget,
        )
        box.setInformativeText("\n\n".join(check.lines()))
        go = box.addButton("&Download anyway", QMessageBox.ButtonRole.AcceptRole)
        go.setAccessibleName("Download anyway")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(
            lambda _answer: self._answered(course_id, box.clickedButton() is go, proceed)
        )
        box.finished.connect(box.deleteLater)
        box.open()
        return box

    def _answered(self, course_id: str, go: bool, proceed: Proceed) -> None:
        self.question = None
        if go:
            proceed(course_id)
        else:
            self.host.say("Not downloaded.", 6000)
