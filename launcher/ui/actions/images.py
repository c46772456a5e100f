"""Update, Export… and Import… in the window: the same core operations as the
``update``, ``export`` and ``import`` commands, each run as a job.

Update and Export belong to one course, so they run as that course's job: the
course page shows their progress and its Cancel button stops them. An import has
no course yet, so its progress and Cancel live in a strip in the status bar.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QStandardPaths, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QWidget,
)

from launcher.core.archive.format import SUFFIX
from launcher.core.errors import ImageWouldBeReplaced
from launcher.core.operation import CancelToken
from launcher.core.text import human_size
from launcher.ui.actions.host import ActionHost, env_job, idle_selection
from launcher.ui.jobs import Job, plain
from launcher.ui.widgets.course_page import progress_parts

if TYPE_CHECKING:
    from launcher.core.launcher import ExportResult, ImportResult, RemovalResult, UpdateResult

FILE_FILTER = f"Course environments (*{SUFFIX});;All files (*)"
IMPORT_KEY = "import"


class ImportStrip(QWidget):
    """Progress of an import, with Cancel, shown in the status bar while it runs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setAccessibleName("Import progress")
        self.bar.setMaximumWidth(160)
        self.cancel = QPushButton("Cancel import", self)
        self.cancel.setAccessibleName("Cancel import")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel)
        self.hide()

    def show_job(self, job: Job | None) -> None:
        if job is None:
            self.hide()
            return
        text, fraction = progress_parts(job.progress)
        self.label.setText(text or job.title)
        if fraction is None:
            self.bar.setRange(0, 0)  # busy, no figure yet
        else:
            self.bar.setRange(0, 1000)
            self.bar.setValue(round(fraction * 1000))
        self.show()


class ImageActions(QObject):
    def __init__(self, host: ActionHost, window: QMainWindow) -> None:
        super().__init__(window)
        self.host = host
        self.window = window  # where the questions appear, and the import's strip
        self.strip = ImportStrip(window)
        self.replace_question: QMessageBox | None = None  # open while it waits for an answer
        window.statusBar().addPermanentWidget(self.strip)
        self.strip.cancel.clicked.connect(self.cancel_import)
        self.update_action = self._action("&Update to the newest version", self.update_selected)
        self.export_action = self._action("E&xport to a file…", self.export_selected)
        self.import_action = self._action("&Import from a file…", self.import_file)
        self.removal_question: QMessageBox | None = None

    def _action(self, text: str, slot: Callable[[], Any]) -> QAction:
        action = QAction(text, self.window)
        action.triggered.connect(lambda: slot())
        return action

    def actions(self) -> list[QAction]:
        return [self.update_action, self.export_action, self.import_action]

    # -- update --------------------------------------------------------------------
    def update_selected(self) -> Job | None:
        host = self.host
        course_id = idle_selection(host)
        if course_id is None:
            return None
        launcher = host.launcher
        course = launcher.course(course_id)

        def work(report: Callable[[Any], None], cancel: CancelToken) -> UpdateResult:
            return launcher.update(course_id, progress=report, cancel=cancel)

        job = env_job(host, course_id, f"Updating {course.code}", work)
        job.succeeded.connect(lambda result: self._updated(course_id, result))
        return job

    def _updated(self, course_id: str, result: UpdateResult) -> None:
        course = self.host.launcher.course(course_id)
        self.host.state.forget_facts(course_id)
        self.host.say(" ".join(result.summary(course.display_name)))
        if result.updated and result.old_id is not None and result.old_image is None:
            self._offer_removal(course_id, result.old_id)

    def _offer_removal(self, course_id: str, old_id: str) -> QMessageBox:
        """Ask (without blocking) whether the replaced version may go."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove the old version",
            "The update is done. Remove the old version of the environment to free "
            "disk space? Your files are not affected.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.window,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.finished.connect(
            lambda answer: (
                self._remove_old(course_id, old_id)
                if answer == QMessageBox.StandardButton.Yes
                else None
            )
        )
        box.finished.connect(box.deleteLater)
        self.removal_question = box
        box.open()
        return box

    def _remove_old(self, course_id: str, old_id: str) -> None:
        launcher = self.host.launcher

        def remove() -> RemovalResult:
            return launcher.remove_image_version(old_id)

        job = env_job(self.host, course_id, "Removing the old version", plain(remove))
        job.succeeded.connect(
            lambda removal: self.host.say(
                f"The old version was removed ({human_size(removal.freed)})."
                if removal.removed
                else f"The old version was kept: {removal.reason}."
            )
        )

    # -- export --------------------------------------------------------------------
    def _ask_export_target(self, course_id: str) -> Path | None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        chosen, _ = QFileDialog.getSaveFileName(
            self.window,
            "Export the environment to a file",
            str(Path(folder) / f"{course_id}{SUFFIX}"),
            FILE_FILTER,
        )
        return Path(chosen) if chosen else None

    def _ask_with_work(self) -> bool | None:
        box = QMessageBox(
            QMessageBox.Icon.Question, "Export the environment",
            "Export the course image and catalogue entry to the file?",
            QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel, self.window,
        )  # fmt: skip
        check = QCheckBox("Also take my work: the course folder and the databases", box)
        box.setCheckBox(check)
        if box.exec() != QMessageBox.StandardButton.Ok:
            return None
        return check.isChecked()

    def export_selected(
        self, target: Path | None = None, with_work: bool | None = None
    ) -> Job | None:
        """Write the selected course's environment to one file (asks where, and whether
        to take the work too, if not told). The file dialog has already asked about
        replacing an existing file."""
        host = self.host
        course_id = idle_selection(host)
        if course_id is None:
            return None
        if target is None:
            target = self._ask_export_target(course_id)
            if target is not None and with_work is None:
                with_work = self._ask_with_work()
                if with_work is None:
                    return None
        if target is None:
            return None
        launcher = host.launcher
        course = launcher.course(course_id)

        def work(report: Callable[[Any], None], cancel: CancelToken) -> ExportResult:
            plan = launcher.work_plan(course_id) if with_work else None
            if plan is not None:  # what it carries, said before the writing starts
                report(plan.describe().replace("\n", " "))
            return launcher.export(
                course_id, target, overwrite=True, work=plan, progress=report, cancel=cancel
            )

        job = env_job(host, course_id, f"Exporting {course.code}", work)
        job.succeeded.connect(
            lambda result: self.host.say(
                f"Exported {course.display_name} to {result.path} "
                f"({human_size(result.size)}). On another computer, use Course ▸ Import "
                "from a file… with this file: it starts without any download."
            )
        )
        return job

    # -- import --------------------------------------------------------------------
    def _ask_import_source(self) -> Path | None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        chosen, _ = QFileDialog.getOpenFileName(
            self.window, "Import an environment from a file", folder, FILE_FILTER
        )
        return Path(chosen) if chosen else None

    def _ask_work_folder(self) -> Path | None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        chosen = QFileDialog.getExistingDirectory(
            self.window,
            "The file also holds your course folder: choose a new, empty folder for it",
            folder,
        )
        return Path(chosen) if chosen else None

    def _import_checked(self, source: Path, carries_work: bool) -> None:
        """The file was read: ask for a folder if it carries the student's work, then import."""
        folder = self._ask_work_folder() if carries_work else None
        if carries_work and folder is None:
            return
        self.import_file(source, folder)

    def import_file(
        self, source: Path | None = None, folder: Path | None = None, replace: bool = False
    ) -> Job | None:
        """Import a take-away file (asks which, and a folder for the work it carries, if
        not told). A file that would replace another source's image is asked about."""
        host = self.host
        if host.runner.busy(IMPORT_KEY):
            return None
        launcher = host.launcher
        if source is None:
            source = self._ask_import_source()
            if source is None:
                return None
            if folder is None:  # read the file's first part off the GUI thread
                chosen = source
                check = Job.call(
                    f"{IMPORT_KEY}-check",
                    "Reading the file",
                    lambda: launcher.archive_carries_work(chosen),
                )
                check.succeeded.connect(lambda carries: self._import_checked(chosen, carries))
                host.runner.submit(check)
                return check

        def work(
            report: Callable[[Any], None], cancel: CancelToken
        ) -> ImportResult | ImageWouldBeReplaced:
            try:
                return launcher.import_archive(
                    source, replace=replace, folder=folder, progress=report, cancel=cancel
                )
            except ImageWouldBeReplaced as refused:  # a question, not a failure
                return refused

        refusals: list[ImageWouldBeReplaced] = []

        def finished(result: ImportResult | ImageWouldBeReplaced) -> None:
            if isinstance(result, ImageWouldBeReplaced):
                refusals.append(result)  # asked once the job has ended
            else:
                self._imported(result)

        def ended() -> None:
            self.strip.show_job(None)
            if refusals:
                # On the next turn of the loop, once the runner has let this job go, so
                # that the answer "Yes" (or another import) can start one at once.
                QTimer.singleShot(0, lambda: self._ask_replace(source, folder, refusals[0]))

        job = Job(IMPORT_KEY, f"Importing {source.name}", work)
        job.succeeded.connect(finished)
        job.failed.connect(lambda message, hint: host.say(f"{message} {hint}"))
        job.cancelled.connect(lambda: host.say("Import cancelled. Nothing was added.", 8000))
        job.done.connect(ended)
        self.window.statusBar().clearMessage()  # an earlier message would cover the progress
        host.runner.submit(job)
        self.strip.show_job(job)
        return job

    def _ask_replace(
        self, source: Path, folder: Path | None, refused: ImageWouldBeReplaced
    ) -> None:  # fmt: skip
        """Ask (without blocking) whether the file may replace the other source's image."""
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Replace the course image?",
            f"{refused.message}\n\nReplace it with the image from the file {source}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.window,
        )  # fmt: skip
        box.setDefaultButton(QMessageBox.StandardButton.No)
        self.replace_question = box

        def answered(_result: int) -> None:
            self.replace_question = None
            if box.clickedButton() is box.button(QMessageBox.StandardButton.Yes):
                self.import_file(source, folder, replace=True)
            else:
                self.host.say("Nothing was imported; the installed image was kept.", 8000)

        box.finished.connect(answered)
        box.open()

    def cancel_import(self) -> None:
        job = self.host.runner.active(IMPORT_KEY)
        if job is not None:
            job.cancel()

    def _imported(self, result: ImportResult) -> None:
        host = self.host
        course = result.course
        host.catalogue_changed()
        host.select_course(course.id)
        host.state.forget_facts(course.id)
        text = f"Imported {course.display_name}: it starts without any download."
        if result.catalogue_file is not None:
            text += " It was added to your courses."
        if result.folder is not None:
            text += f" Your folder was restored into {result.folder}."
        host.say(" ".join([text, *result.notices]))
        host.refresh()

    def redraw(self) -> None:
        """Called by the window's draw timer."""
        job = self.host.runner.active(IMPORT_KEY)
        if job is not None:
            self.strip.show_job(job)
