"""The question asked when a course's first start finds a container the student made by
hand with the course's ``docker run`` guide: stop it and use its folder, leave it, or
not start now. Asked without blocking; the answer starts the course again."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from launcher.core.environments.guide_state import GuideChoice
from launcher.core.errors import GuideContainerFound

Answer = Callable[[GuideChoice], None]


class GuideContainerQuestion(QMessageBox):
    def __init__(self, parent: QWidget, found: GuideContainerFound, answer: Answer) -> None:
        super().__init__(parent)
        first = found.found[0]
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle("Your earlier course container")
        self.setTextFormat(Qt.TextFormat.RichText)
        folder = (
            f"Start here with the same folder, <b>{escape(str(first.folder))}</b>, so your "
            "files are where you left them?"
            if first.folder
            else "It shares no folder of yours; the launcher uses the folder you chose."
        )
        self.setText(
            f"<p>{escape(found.message)}</p><p>{folder}</p><p>“Stop it and use its folder” "
            f"stops “{escape(first.name)}” but does not delete it: it stays, stopped, until "
            "you remove it yourself.</p>"
        )
        role = QMessageBox.ButtonRole
        self.adopt_button = self._button(
            "Stop it and use its &folder", "Stop the container and use its folder", role.AcceptRole
        )
        self.leave_button = self._button(
            "&Leave it, start apart", "Leave the container as it is", role.ActionRole
        )
        self.cancel_button = self._button("&Not now", "Do not start now", role.RejectRole)
        self.setDefaultButton(self.adopt_button)
        self.setEscapeButton(self.cancel_button)
        self.buttonClicked.connect(lambda button: self._answered(button, answer))
        self.finished.connect(self.deleteLater)

    def _button(self, text: str, name: str, role: QMessageBox.ButtonRole) -> QPushButton:
        button = self.addButton(text, role)
        button.setAccessibleName(name)
        return button

    def _answered(self, button: object, answer: Answer) -> None:
        if button is self.adopt_button:
            answer(GuideChoice.ADOPT)
        elif button is self.leave_button:
            answer(GuideChoice.LEAVE)


def ask_about_guide_container(
    parent: QWidget, found: GuideContainerFound, answer: Answer
) -> GuideContainerQuestion:
    box = GuideContainerQuestion(parent, found, answer)
    box.open()
    return box
