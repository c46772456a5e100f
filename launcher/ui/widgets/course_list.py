"""The courses on the left: a search box over a list of the catalogue's courses,
each with its environment's state under its name."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from launcher.core.catalogue.model import Catalogue

ID_ROLE = Qt.ItemDataRole.UserRole


class CourseList(QWidget):
    selection_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search courses")
        self.search.setAccessibleName("Search courses")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.list = QListWidget(self)
        self.list.setAccessibleName("Courses")
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setSpacing(2)
        self.list.currentRowChanged.connect(lambda _row: self.selection_changed.emit())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)

    def fill(self, catalogue: Catalogue, lines: Mapping[str, str]) -> None:
        """List the catalogue's courses, keeping the selected one selected."""
        selected = self.selected_id()
        self.list.blockSignals(True)
        self.list.clear()
        for course in catalogue:
            QListWidgetItem(course.display_name, self.list).setData(ID_ROLE, course.id)
        self.list.blockSignals(False)
        self.relabel(catalogue, lines)
        self._filter(self.search.text())
        if not self.select(selected or "") and self.list.count():
            self.list.setCurrentRow(0)

    def relabel(self, catalogue: Catalogue, lines: Mapping[str, str]) -> None:
        """Each course's name, and under it its line (state, installed, size, update)."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            course = catalogue.get(item.data(ID_ROLE))
            line = lines.get(course.id, "")
            item.setText(f"{course.code} {course.presentation} — {course.title}\n{line}")
            item.setToolTip(line)

    def set_icons(self, icons: Mapping[str, QIcon]) -> None:
        """Each course's icon (from its catalogue's ``logo``), where it has one."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            item.setIcon(icons.get(str(item.data(ID_ROLE)), QIcon()))

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for row in range(self.list.count()):
            item = self.list.item(row)
            item.setHidden(bool(needle) and needle not in item.text().lower())

    def selected_id(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(ID_ROLE))

    def select(self, course_id: str) -> bool:
        for row in range(self.list.count()):
            if self.list.item(row).data(ID_ROLE) == course_id:
                self.list.setCurrentRow(row)
                return True
        return False
