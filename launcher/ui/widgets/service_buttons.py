"""A running course's main content: one "Open <service>" button per service that
answers, the first the default, each with a quiet "Copy address" beside it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from launcher.core.catalogue.model import Course


class ServiceButtons(QWidget):
    open_requested = Signal(str)  # service name
    copy_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.buttons: dict[str, tuple[QPushButton, QPushButton]] = {}  # Open, Copy address

    def rebuild(self, course: Course) -> None:
        """The rows of another course (this dict is kept: the page shares it)."""
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # gone now, not when the deferred delete runs
                widget.deleteLater()
        self.buttons.clear()
        for row, service in enumerate(course.services):
            name = service.name
            open_button = QPushButton(f"Open {name}", self)
            open_button.setAccessibleName(f"Open {name}")
            open_button.setToolTip(f"Open {name} in your web browser, logged in")
            open_button.setAutoDefault(True)  # Enter presses it when it has the focus
            open_button.setMinimumWidth(200)
            copy_button = QPushButton("Copy address", self)
            copy_button.setAccessibleName(f"Copy the address of {name}")
            copy_button.setToolTip("Copy the address to paste it into a browser yourself")
            copy_button.setFlat(True)
            copy_button.setAutoDefault(True)
            open_button.clicked.connect(lambda _=False, n=name: self.open_requested.emit(n))
            copy_button.clicked.connect(lambda _=False, n=name: self.copy_requested.emit(n))
            self.grid.addWidget(open_button, row, 0)
            self.grid.addWidget(copy_button, row, 1)
            self.buttons[name] = (open_button, copy_button)
        self.grid.setColumnStretch(2, 1)

    def show_ready(self, ready: frozenset[str]) -> None:
        """Show the rows of the services that answer (none: the whole box hides); the
        first of them is the default button."""
        self.setVisible(bool(ready))
        first = True
        for name, (open_button, copy_button) in self.buttons.items():
            answers = name in ready
            for button in (open_button, copy_button):
                button.setVisible(answers)
                button.setEnabled(answers)
            open_button.setDefault(answers and first)
            first = first and not answers

    def first_ready(self) -> QPushButton | None:
        for open_button, _copy in self.buttons.values():
            if open_button.isVisibleTo(self) and open_button.isEnabled():
                return open_button
        return None
