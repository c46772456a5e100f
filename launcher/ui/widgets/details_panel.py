"""The environment's own messages, behind "Show details", and "Copy for my tutor".

Collapsed by default: a student needs the log only when something went wrong, and
then the page opens it by itself at its last lines. What "Copy for my tutor" copies
is made by ``tutor_text``: the course, what went wrong and the log, with anything
that looks like a secret taken out.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from launcher.core.redaction import Redactor

LOG_LINES = 1000  # the panel keeps the newest lines only


def tutor_text(course: str, state: str, error: tuple[str, str] | None, log: str) -> str:
    """What a tutor needs to help: the course, its state, the error and the log, redacted.

    The log is redacted already (the environment's token is blanked where it is read);
    this takes out whatever else looks like a secret (``token=…``, passwords)."""
    parts = [f"Course: {course}", f"State: {state}"]
    if error is not None:
        message, hint = error
        parts += ["", f"What went wrong: {message}", f"What it said to do: {hint}"]
    parts += ["", "The environment's last messages:", log.strip() or "(none)"]
    return Redactor()("\n".join(parts)) + "\n"


class DetailsPanel(QWidget):
    copy_requested = Signal()  # Copy for my tutor

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.toggle = QPushButton(self)
        self.toggle.setCheckable(True)
        self.toggle.setFlat(True)
        self.toggle.setAutoDefault(True)
        self.toggle.toggled.connect(self._toggled)
        self.copy = QPushButton("Copy for my &tutor", self)
        self.copy.setAccessibleName("Copy for my tutor")
        self.copy.setToolTip(
            "Copy what went wrong and the environment's messages (no passwords or tokens), "
            "to paste into a message to your tutor"
        )
        self.copy.setFlat(True)
        self.copy.setAutoDefault(True)
        self.copy.clicked.connect(self.copy_requested)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.toggle)
        row.addStretch(1)
        row.addWidget(self.copy)
        self.log_view = QPlainTextEdit(self)
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(LOG_LINES)
        self.log_view.setAccessibleName("Environment log")
        self.log_view.setPlaceholderText("The environment has said nothing yet.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.log_view, 1)
        self._toggled(False)

    @property
    def is_open(self) -> bool:
        return self.toggle.isChecked()

    def _toggled(self, opened: bool) -> None:
        self.toggle.setText("Hide &details" if opened else "Show &details")
        self.toggle.setAccessibleName("Hide details" if opened else "Show details")
        self.log_view.setVisible(opened)
        if opened:
            self.scroll_to_end()

    def open_at_end(self) -> None:
        self.toggle.setChecked(True)
        self.scroll_to_end()

    def close_details(self) -> None:
        self.toggle.setChecked(False)

    def scroll_to_end(self) -> None:
        bar = self.log_view.verticalScrollBar()
        bar.setValue(bar.maximum())

    def append(self, lines: list[str]) -> None:
        if lines:
            self.log_view.appendPlainText("\n".join(lines))  # follows the end when at it

    def replace(self, lines: list[str]) -> None:
        self.log_view.setPlainText("\n".join(lines))
        self.scroll_to_end()

    def clear(self) -> None:
        self.log_view.clear()

    def text(self) -> str:
        return self.log_view.toPlainText()
