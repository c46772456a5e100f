"""The first run's page: "Which course are you studying?".

Shown instead of the course list and page while no course has been used yet (see
:func:`is_first_run`): a search field over the catalogue's courses (code, title and
download size, the size once the registry has said it: the engine watch asks in a
job, never on the GUI thread), and a link to add an institution's course list.
Choosing a course (a double click, or Enter) leaves this page for the usual view with
that course selected. Typing searches (in the list too); Down moves from the field
into the list, and Enter in the field chooses the first match.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QKeyEvent
from PySide6.QtWidgets import (
    QCommandLinkButton,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from launcher.core.catalogue.list_lines import RegistryFacts
from launcher.core.catalogue.model import Catalogue, Course
from launcher.core.environments.state import EnvironmentState, EnvironmentStatus
from launcher.core.local.settings import Settings
from launcher.core.text import human_size

ID_ROLE = Qt.ItemDataRole.UserRole
CODE, TITLE, SIZE = range(3)
HEADING_SCALE = 1.6  # the heading's size against the system's font, so scaling follows
ROW_SCALE = 1.8  # a row's height against the font's


def is_first_run(settings: Settings) -> bool:
    """No course used yet: the settings remember a folder or ports only for a course
    that was started (the engine's environments are asked later: see ``used_on_engine``)."""
    return not settings.courses


def used_on_engine(statuses: Mapping[str, EnvironmentStatus], installed: Collection[str]) -> bool:
    """The engine has an environment or a course image of the launcher's."""
    made = any(status.state != EnvironmentState.ABSENT for status in statuses.values())
    return made or bool(installed)


def size_text(
    course_id: str, installed: Collection[str], facts: Mapping[str, RegistryFacts]
) -> str:
    """The Download column: "Installed", the size, or nothing while it is unknown."""
    if course_id in installed:
        return "Installed"
    size = facts.get(course_id, RegistryFacts()).download_size
    return human_size(size) if size is not None else ""


class WelcomePage(QWidget):
    chosen = Signal(str)  # a course id
    add_catalogue_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePage")
        self.heading = QLabel("Which course are you studying?", self)
        self.heading.setAccessibleName("Which course are you studying?")
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * HEADING_SCALE)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setWordWrap(True)
        explain = QLabel(
            "Choose it from the list, or type its code or title to find it. "
            "You can switch to another course later.",
            self,
        )
        explain.setWordWrap(True)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search by course code or title")
        self.search.setAccessibleName("Search courses")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self.choose_current)
        self.search.installEventFilter(self)
        self.list = QTreeWidget(self)
        self.list.setAccessibleName("Courses")
        self.list.setColumnCount(3)
        self.list.setHeaderLabels(["Code", "Title", "Download"])
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAlternatingRowColors(True)
        header = self.list.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(CODE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(TITLE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(SIZE, QHeaderView.ResizeMode.ResizeToContents)
        self.list.itemActivated.connect(lambda item, _column: self._choose(item))
        self.list.installEventFilter(self)
        self.empty = QLabel("No course matches that search.", self)
        self.empty.setAccessibleName("No course matches that search")
        self.empty.hide()
        self.add_catalogue = QCommandLinkButton(
            "Add my institution's course list",
            "If your course is not here, your tutor or university gives you the address "
            "of its course list.",
            self,
        )
        self.add_catalogue.setAccessibleName("Add my institution's course list")
        self.add_catalogue.clicked.connect(self.add_catalogue_requested)
        layout = QVBoxLayout(self)
        spacing = layout.spacing()
        layout.setContentsMargins(spacing * 4, spacing * 3, spacing * 4, spacing * 3)
        layout.addWidget(self.heading)
        layout.addWidget(explain)
        layout.addSpacing(spacing)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.add_catalogue)
        self.setTabOrder(self.search, self.list)
        self.setTabOrder(self.list, self.add_catalogue)
        self.setFocusProxy(self.search)

    def fill(
        self,
        catalogue: Catalogue,
        installed: Collection[str] = (),
        facts: Mapping[str, RegistryFacts] | None = None,
    ) -> None:
        """List the catalogue's courses (their sizes where known)."""
        self.list.clear()
        row_height = round(self.list.fontMetrics().height() * ROW_SCALE)
        side = row_height - 6
        self.list.setIconSize(QSize(side, side))  # a course's logo, as tall as the row allows
        for course in catalogue:
            item = QTreeWidgetItem(self.list, [f"{course.code} {course.presentation}",
                                               course.title, ""])  # fmt: skip
            item.setData(CODE, ID_ROLE, course.id)
            item.setData(TITLE, ID_ROLE, _search_text(course))
            item.setTextAlignment(SIZE, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setSizeHint(TITLE, QSize(0, row_height))  # room to aim at (stretched: no width)
        self.show_sizes(installed, facts or {})
        self._filter(self.search.text())

    def _items(self) -> list[QTreeWidgetItem]:
        found = (self.list.topLevelItem(row) for row in range(self.list.topLevelItemCount()))
        return [item for item in found if item is not None]

    def show_sizes(self, installed: Collection[str], facts: Mapping[str, RegistryFacts]) -> None:
        for item in self._items():
            text = size_text(str(item.data(CODE, ID_ROLE)), installed, facts)
            item.setText(SIZE, text)
            item.setToolTip(SIZE, f"{text} to download" if text[:1].isdigit() else text)

    def set_icons(self, icons: Mapping[str, QIcon]) -> None:
        """Each course's icon (from its catalogue's ``logo``), before its code."""
        for item in self._items():
            item.setIcon(CODE, icons.get(str(item.data(CODE, ID_ROLE)), QIcon()))

    def visible_ids(self) -> list[str]:
        return [str(item.data(CODE, ID_ROLE)) for item in self._items() if not item.isHidden()]

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None or item.isHidden() else str(item.data(CODE, ID_ROLE))

    def choose_current(self) -> None:
        """Enter in the search field: the highlighted course (the first match)."""
        item = self.list.currentItem()
        if item is not None and not item.isHidden():
            self._choose(item)

    def _choose(self, item: QTreeWidgetItem) -> None:
        self.chosen.emit(str(item.data(CODE, ID_ROLE)))

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        first: QTreeWidgetItem | None = None
        for item in self._items():
            haystack = str(item.data(TITLE, ID_ROLE))
            hidden = not all(word in haystack for word in words)
            item.setHidden(hidden)
            first = first or (None if hidden else item)
        current = self.list.currentItem()
        if first is not None and (current is None or current.isHidden()):
            self.list.setCurrentItem(first)  # Enter chooses the first match
        self.empty.setVisible(first is None)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        """Down in the search field goes to the list (at the first match); typing in the
        list goes on searching."""
        if not isinstance(event, QKeyEvent) or event.type() != QEvent.Type.KeyPress:
            return super().eventFilter(watched, event)
        if watched is self.search and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
            self.list.setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        typed, backspace = event.text(), event.key() == Qt.Key.Key_Backspace
        if watched is self.list and (backspace or (typed.isprintable() and typed.strip())):
            self.search.setFocus(Qt.FocusReason.OtherFocusReason)
            if backspace:
                self.search.backspace()
            else:
                self.search.insert(typed)
            return True
        return super().eventFilter(watched, event)


def _search_text(course: Course) -> str:
    parts = (course.code, course.presentation, course.title, course.id, course.description)
    return " ".join(parts).lower()
