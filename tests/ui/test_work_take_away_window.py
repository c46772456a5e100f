"""The whole environment to take away, from the window, on the real engine: Export asks
for the file, then whether to take the work too (a checkbox); Import of a file that
carries the work asks for a new, empty folder, restores the folder into it and starts
the course there. The real dialogs are answered as a student would, through the widgets
they show."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import docker
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from launcher.core.environments.state import EnvironmentState
from launcher.ui.main_window import MainWindow
from tests.helpers.folders import make_student_folder
from tests.helpers.window import screenshot

COURSE = "test-jupyter"


Answer = tuple[type[QWidget], Callable[[QWidget], None]]


class Answers:
    """Answer the next modal dialogs, in turn, once each is up (they block in ``exec``,
    so the answers come from a timer); ``titles`` are those of the dialogs answered."""

    def __init__(self, *answers: Answer) -> None:
        self.pending = list(answers)
        self.titles: list[str] = []
        self._last: QWidget | None = None
        QTimer.singleShot(50, self._poll)

    @property
    def done(self) -> bool:
        return not self.pending

    def _poll(self) -> None:
        if not self.pending:
            return
        widget = QApplication.activeModalWidget()
        kind, answer = self.pending[0]
        if widget is None or widget is self._last or not isinstance(widget, kind):
            QTimer.singleShot(50, self._poll)
            return
        if not widget.isVisible():
            QTimer.singleShot(50, self._poll)
            return
        self._last = widget
        self.pending.pop(0)
        self.titles.append(widget.windowTitle())
        answer(widget)
        QTimer.singleShot(50, self._poll)


def choose(path: Path) -> Answer:
    def answer(dialog: QWidget) -> None:
        assert isinstance(dialog, QFileDialog)
        if path.is_dir():
            dialog.setDirectory(str(path))
        else:  # typed into the file name box, as a student would
            dialog.setDirectory(str(path.parent))
            name_box = dialog.findChild(QLineEdit, "fileNameEdit")
            assert isinstance(name_box, QLineEdit)
            name_box.setText(path.name)
        dialog.accept()

    return QFileDialog, answer


def cancel_file_dialog() -> Answer:
    return QFileDialog, lambda dialog: dialog.reject()  # type: ignore[attr-defined]


def with_work(take_it: bool, seen: list[str]) -> Answer:
    def answer(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        check = box.checkBox()
        assert isinstance(check, QCheckBox) and not check.isChecked()
        seen.append(check.text())
        check.setChecked(take_it)
        if take_it:
            screenshot(box, "export-with-work-question")
        ok = box.button(QMessageBox.StandardButton.Ok)
        assert ok is not None
        ok.click()

    return QMessageBox, answer


def export_from_the_menu(
    qtbot: QtBot, window: MainWindow, target: Path, take_work: bool, seen: list[str]
) -> None:
    answers = Answers(choose(target), with_work(take_work, seen))
    window.image_actions.export_selected()
    assert answers.done
    qtbot.waitUntil(lambda: not window.runner.busy(f"env:{COURSE}"), timeout=120_000)
    assert COURSE not in window.state.errors, window.state.errors.get(COURSE)
    assert target.is_file(), window.statusBar().currentMessage()


def test_export_with_work_checkbox_then_import_asks_for_the_folder(
    qtbot: QtBot, window: MainWindow, student_area: Path, clean_engine: docker.DockerClient,
    tmp_path: Path,
) -> None:  # fmt: skip
    launcher = window.launcher
    folder = make_student_folder(student_area, "TM351 work")
    (folder / "week1").mkdir()
    (folder / "week1" / "notes.ipynb").write_text('{"cells": ["mine"]}')
    launcher.start(COURSE, folder)
    launcher.stop(COURSE)
    window.select_course(COURSE)
    qtbot.waitUntil(window.page.start.isEnabled, timeout=20_000)
    carry = tmp_path / "carry"
    carry.mkdir()

    seen: list[str] = []
    plain_file = carry / "plain.course.tar"
    export_from_the_menu(qtbot, window, plain_file, False, seen)
    assert not launcher.archive_carries_work(plain_file)
    work_file = carry / "work.course.tar"
    export_from_the_menu(qtbot, window, work_file, True, seen)
    assert launcher.archive_carries_work(work_file)
    assert seen == ["Also take my work: the course folder and the databases"] * 2
    assert "Exported" in window.statusBar().currentMessage()

    # On "another computer": no container, and the work goes to a new folder.
    launcher.remove(COURSE)
    new_folder = student_area / "restored"
    new_folder.mkdir()
    cancelled = Answers(choose(work_file), cancel_file_dialog())  # no folder: no import
    window.image_actions.import_file()
    qtbot.waitUntil(lambda: cancelled.done, timeout=30_000)
    qtbot.wait(300)
    assert not window.runner.busy("import")
    assert clean_engine.containers.list(all=True) == []
    assert cancelled.titles[0] == "Import an environment from a file"
    assert "choose a new, empty folder" in cancelled.titles[1]

    answers = Answers(choose(work_file), choose(new_folder))
    window.image_actions.import_file()
    qtbot.waitUntil(
        lambda: window.statusBar().currentMessage().startswith("Imported"), timeout=180_000
    )
    assert answers.done
    assert (new_folder / "week1" / "notes.ipynb").read_text() == '{"cells": ["mine"]}'
    assert (folder / "week1" / "notes.ipynb").read_text() == '{"cells": ["mine"]}'
    # No databases to restore, so it is not started; the restored folder is its folder now.
    assert launcher.folder_for(COURSE) == new_folder
    assert str(new_folder) in window.statusBar().currentMessage()
    launcher.start(COURSE)
    status = launcher.status(COURSE)
    assert status.state == EnvironmentState.RUNNING and status.folder == str(new_folder)
