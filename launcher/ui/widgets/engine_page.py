"""The page shown instead of the courses while Docker cannot be used.

It shows an ``EngineDiagnosis`` as it is: a headline, the one next step, a command to
copy, a link, the Start Docker Desktop button when it applies, Retry, and the
technical details behind "Details". All text is plain (no rich text), so an address
or a command shows exactly as written. Enter does the page's main action.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from launcher.core.engine.diagnosis import LOOKING, EngineCase, EngineDiagnosis

_COLUMN_WIDTH = 620  # a readable line, centred in a wide window


class EnginePage(QWidget):
    retry_requested = Signal()
    start_requested = Signal()
    link_requested = Signal(str)  # the address to open in the browser
    copy_requested = Signal(str)  # the command to put on the clipboard

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("enginePage")
        self.setAccessibleName("Docker is not ready")
        self.diagnosis: EngineDiagnosis = LOOKING
        self.title = QLabel(self)
        self.title.setObjectName("enginePageTitle")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.next_step = QLabel(self)
        self.next_step.setTextFormat(Qt.TextFormat.PlainText)
        self.next_step.setWordWrap(True)
        self.next_step.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.command = QLineEdit(self)
        self.command.setReadOnly(True)
        self.command.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.command.setAccessibleName("Command to run in a terminal")
        self.copy = self._button("&Copy command", "Copy the command", self._copy)
        self.start = self._button(
            "Start &Docker Desktop", "Start Docker Desktop", lambda: self.start_requested.emit()
        )
        self.link = self._button("", "", self._open_link)
        self.retry = self._button(
            "&Retry", "Retry connecting to Docker", lambda: self.retry_requested.emit()
        )
        self.retry.setToolTip("Look for Docker again")
        self.details_toggle = QToolButton(self)
        self.details_toggle.setText("Details")
        self.details_toggle.setCheckable(True)
        self.details_toggle.setAutoRaise(True)
        self.details_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.details_toggle.setAccessibleName("Show the technical details")
        self.details_toggle.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.details_toggle.toggled.connect(self._show_details)
        self.details = QPlainTextEdit(self)
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Technical details: the addresses tried")
        self.details.setMaximumHeight(140)
        self.details.hide()
        self._lay_out()
        self.show_diagnosis(LOOKING)

    def _button(self, text: str, name: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(name)
        button.setAutoDefault(True)  # Enter presses the focused button, as in a dialog
        button.clicked.connect(slot)
        return button

    def _lay_out(self) -> None:
        command_row = QHBoxLayout()
        command_row.addWidget(self.command, 1)
        command_row.addWidget(self.copy)
        buttons = QHBoxLayout()
        for button in (self.start, self.link, self.retry):
            buttons.addWidget(button)
        buttons.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(12)
        column.addWidget(self.title)
        column.addWidget(self.next_step)
        column.addLayout(command_row)
        column.addLayout(buttons)
        column.addSpacing(8)
        column.addWidget(self.details_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.details)
        holder = QWidget(self)
        holder.setMaximumWidth(_COLUMN_WIDTH)
        holder.setLayout(column)
        across = QHBoxLayout()
        across.addStretch(1)
        across.addWidget(holder, 4)
        across.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(across)
        outer.addStretch(2)
        self._command_widgets = (self.command, self.copy)

    # -- what it shows -----------------------------------------------------------------
    def show_checking(self) -> None:
        self.show_diagnosis(LOOKING)

    def show_diagnosis(self, diagnosis: EngineDiagnosis) -> None:
        self.diagnosis = diagnosis
        checking = diagnosis.case == EngineCase.LOOKING
        self.title.setText(diagnosis.headline)
        self.next_step.setText(diagnosis.next_step)
        self.command.setText(diagnosis.command)
        for widget in self._command_widgets:
            widget.setVisible(bool(diagnosis.command))
        self.start.setVisible(diagnosis.start_desktop)
        self.link.setVisible(bool(diagnosis.link))
        self.link.setText(diagnosis.link_label)
        self.link.setAccessibleName(f"{diagnosis.link_label} (opens a web page)")
        self.link.setToolTip(diagnosis.link)
        self.retry.setEnabled(not checking)
        if not checking:  # while looking, the last details still say what was tried
            self.details.setPlainText("\n".join(diagnosis.details))
            self.details_toggle.setVisible(bool(diagnosis.details))
        for button in (self.start, self.copy, self.link, self.retry):
            main = button is self.primary()
            button.setDefault(main)
            font = button.font()
            font.setBold(main)  # the one thing to do next stands out
            button.setFont(font)

    def primary(self) -> QPushButton:
        """The page's main action: the one thing to do next."""
        if self.diagnosis.start_desktop:
            return self.start
        if self.diagnosis.command:
            return self.copy
        if self.diagnosis.link:
            return self.link
        return self.retry

    def focus_primary(self) -> None:
        self.primary().setFocus(Qt.FocusReason.OtherFocusReason)

    # -- what it does ------------------------------------------------------------------
    def _copy(self) -> None:
        self.copy_requested.emit(self.diagnosis.command)

    def _open_link(self) -> None:
        self.link_requested.emit(self.diagnosis.link)

    def _show_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.details_toggle.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )
        self.details_toggle.setAccessibleName(
            "Hide the technical details" if shown else "Show the technical details"
        )

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        primary = self.primary()
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and primary.isVisible() and primary.isEnabled():
            primary.click()
            event.accept()
            return
        super().keyPressEvent(event)
