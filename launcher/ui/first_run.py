"""The first run: "Which course are you studying?" in the usual view's place until a
course is chosen, or the engine shows one in use (a reinstall, a tutor's set-up)."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QStackedWidget, QWidget

from launcher.core.catalogue.model import Catalogue
from launcher.ui.widgets.welcome import WelcomePage, used_on_engine
from launcher.ui.window_state import WindowState


class FirstRun(QObject):
    chosen = Signal(str)  # a course id: the window selects it
    add_catalogue_requested = Signal()
    left = Signal()  # the usual view is shown now, for good

    def __init__(self, views: QStackedWidget, state: WindowState, parent: QWidget) -> None:
        super().__init__(parent)
        self.views = views
        self.state = state
        self.page: WelcomePage | None = WelcomePage(views)
        views.addWidget(self.page)
        views.setCurrentWidget(self.page)
        self.page.chosen.connect(self.chosen)
        self.page.add_catalogue_requested.connect(self.add_catalogue_requested)
        state.facts_changed.connect(self._sizes)
        state.environments_changed.connect(self._sizes)
        self.page.setFocus()

    def fill(self, catalogue: Catalogue) -> None:
        if self.page is not None:
            self.page.fill(catalogue, self.state.installed or (), self.state.facts)

    def set_icons(self, icons: Mapping[str, QIcon]) -> None:
        if self.page is not None:
            self.page.set_icons(icons)

    def _sizes(self) -> None:
        state = self.state
        if self.page is None:
            return
        if used_on_engine(state.statuses, state.installed or ()):
            self.leave()  # used before, by this launcher or with this data
        else:
            self.page.show_sizes(state.installed or (), state.facts)

    def leave(self) -> None:
        """The usual view, with the selected course's page (after the first choice)."""
        if self.page is None:
            return
        page, self.page = self.page, None
        self.views.setCurrentIndex(0)
        self.views.removeWidget(page)
        page.deleteLater()
        self.left.emit()
