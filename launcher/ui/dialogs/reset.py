"""Reset…: the confirmation that says exactly what is kept and what is lost.

The dialog only asks; the window runs the reset (launcher/core/environments/reset.py) in a job.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLayout,
    QVBoxLayout,
    QWidget,
)

from launcher.core.catalogue.model import Course
from launcher.core.environments.backup_files import backups_folder
from launcher.ui.widgets.html import escape


def _bullets(title: str, items: list[str]) -> str:
    return f"<p><b>{title}</b></p><ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


class ResetDialog(QDialog):
    def __init__(self, course: Course, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.course = course
        self.folder = folder
        self.setWindowTitle(f"Reset {course.code}")
        self.setAccessibleName(f"Reset {course.display_name}")
        self.setMinimumWidth(600)
        intro = QLabel(
            f"Reset makes the environment of {escape(course.display_name)} new again from its "
            "image, with the same folder, ports and token, and starts it.",
            self,
        )
        intro.setWordWrap(True)
        self.kept = QLabel(self)
        self.kept.setWordWrap(True)
        self.kept.setAccessibleName("What is kept")
        self.lost = QLabel(self)
        self.lost.setWordWrap(True)
        self.lost.setAccessibleName("What is lost")
        self.databases = QCheckBox(
            f"Make the &databases new too (a backup is saved first in {backups_folder(folder)})",
            self,
        )
        self.databases.setAccessibleName("Make the databases new too")
        self.databases.setAccessibleDescription(
            f"A backup of the databases is saved first in {backups_folder(folder)}"
        )
        self.databases.setVisible(bool(course.volumes))
        self.databases.toggled.connect(self._describe)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.reset_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.reset_button.setText("&Reset")
        self.reset_button.setAccessibleName("Reset")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName("Cancel")
        self.cancel_button.setDefault(True)  # the safe choice on Enter
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.addWidget(intro)
        layout.addWidget(self.kept)
        layout.addWidget(self.lost)
        layout.addWidget(self.databases)
        layout.addWidget(self.buttons)
        self._describe()
        self.cancel_button.setFocus()

    def databases_chosen(self) -> bool:
        return bool(self.course.volumes) and self.databases.isChecked()

    def _describe(self) -> None:
        folder = escape(str(self.folder))
        kept = [f"Your folder <b>{folder}</b> and every file in it: they are not touched."]
        lost = [
            "Anything changed inside the environment outside your folder: installed packages, "
            "settings and files kept elsewhere in the environment."
        ]
        if self.course.volumes:
            if self.databases_chosen():
                lost.append(
                    "The databases: they are made new from the course's starting data. "
                    f"A backup is saved first in <b>{escape(str(backups_folder(self.folder)))}"
                    "</b>, and nothing is changed if that backup fails."
                )
            else:
                kept.append("The databases, as they are now.")
        self.kept.setText(_bullets("Kept", kept))
        self.lost.setText(_bullets("Lost", lost))
        self.adjustSize()  # the lists grow and shrink with the box
