"""The question asked before a course's folder and token go to a new definition: a later
catalogue gave the course another image or workspace. It names both catalogues, the old
and new image and workspace, and the folder. Asked without blocking; No (the default)
leaves everything as it was."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from launcher.core.errors import DefinitionChanged


class NewDefinitionQuestion(QMessageBox):
    def __init__(
        self, parent: QWidget, change: DefinitionChanged, accept: Callable[[], None]
    ) -> None:
        super().__init__(parent)
        was, now = change.was, change.now
        old_source, new_source = change.shown_sources
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle("A catalogue changed this course")
        self.setTextFormat(Qt.TextFormat.RichText)
        rows = "".join(
            f"<tr><td>{escape(what)}</td><td>{escape(old)}</td><td>{escape(new)}</td></tr>"
            for what, old, new in (
                ("Catalogue", old_source, new_source),
                ("Image", was.image_repository, now.image_repository),
                ("Folder inside", was.workspace, now.workspace),
            )
        )
        folder = (
            "It puts your folder at another place, so your folder is kept as it is and "
            "you choose the folder again before it starts."
            if change.workspace_changed
            else "Your folder goes to it, and it gets a new token."
        )
        self.setText(
            f"<p>{escape(change.message)}</p>"
            f"<table cellspacing='6'><tr><th></th><th>Before</th><th>Now</th></tr>{rows}"
            f"</table><p>Use the new definition? {escape(folder)} Only say yes if you "
            f"trust {escape(new_source)}.</p>"
        )
        role = QMessageBox.ButtonRole
        self.accept_button = self._button(
            "&Use the new definition", "Give the course to the new definition", role.AcceptRole
        )
        self.keep_button = self._button(
            "&Keep it as it was", "Leave the course as it was", role.RejectRole
        )
        self.setDefaultButton(self.keep_button)
        self.setEscapeButton(self.keep_button)
        self.buttonClicked.connect(
            lambda button: accept() if button is self.accept_button else None
        )
        self.finished.connect(self.deleteLater)

    def _button(self, text: str, name: str, role: QMessageBox.ButtonRole) -> QPushButton:
        button = self.addButton(text, role)
        button.setAccessibleName(name)
        return button


def ask_about_new_definition(
    parent: QWidget, change: DefinitionChanged, accept: Callable[[], None]
) -> NewDefinitionQuestion:
    box = NewDefinitionQuestion(parent, change, accept)
    box.open()
    return box
