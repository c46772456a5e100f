"""The Docker page in the courses' place while Docker cannot be used, and the question
about another computer's SSH key.

The window gives it the stack the page shares with the courses; it listens to the
engine watch and switches between them, and never touches the courses' widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QStackedWidget, QStatusBar, QWidget

from launcher.core.engine.diagnosis import EngineDiagnosis
from launcher.core.errors import HostKeyChanged, HostKeyUnknown
from launcher.core.launcher import Launcher
from launcher.ui.engine_watch import EngineWatch
from launcher.ui.widgets.engine_page import EnginePage

if TYPE_CHECKING:
    from launcher.ui.dialogs.host_key import HostKeyDialog

LOOKING_LINE = "Looking for Docker…"


class EngineView(QObject):
    def __init__(
        self,
        launcher: Launcher,
        watch: EngineWatch,
        area: QStackedWidget,
        courses_area: QWidget,
        status_bar: QStatusBar,
        open_link: Callable[[str], None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.launcher = launcher
        self.watch = watch
        self.area = area
        self.courses_area = courses_area  # what the page takes the place of
        self.status_bar = status_bar
        self.parent_widget = parent  # where the host-key question appears
        self.page = EnginePage(parent)
        area.addWidget(self.page)
        self.page.retry_requested.connect(self.retry)
        self.page.start_requested.connect(watch.start_docker_desktop)
        self.page.link_requested.connect(open_link)
        self.page.copy_requested.connect(self._copy_command)
        self.host_key_dialog: HostKeyDialog | None = None
        self.redrawn: Callable[[], None] = lambda: None  # the window redraws after a change
        watch.engine_found.connect(self._engine_found)
        watch.engine_missing.connect(self._engine_missing)
        watch.host_key_refused.connect(self.ask_about_host_key)

    def looking(self) -> None:
        """At start-up the courses stay in view: Docker usually answers at once."""
        self.status_bar.showMessage(LOOKING_LINE)

    def _clear_looking(self) -> None:
        if self.status_bar.currentMessage() == LOOKING_LINE:
            self.status_bar.clearMessage()

    def _engine_found(self) -> None:
        self._clear_looking()
        self.area.setCurrentWidget(self.courses_area)

    def _engine_missing(self, diagnosis: EngineDiagnosis) -> None:
        self._clear_looking()
        self.page.show_diagnosis(diagnosis)
        if self.area.currentWidget() is not self.page:
            self.area.setCurrentWidget(self.page)
            self.page.focus_primary()
        self.redrawn()

    def retry(self) -> None:
        """Retry on the Docker page: look for Docker again now."""
        self.page.show_checking()
        self.watch.check_engine()

    def engine_changed(self) -> None:
        """Settings named another engine: nothing is known of it yet."""
        self.watch.forget_engine()
        self.page.show_checking()
        self.area.setCurrentWidget(self.page)
        self.redrawn()
        self.watch.check_engine()

    def _copy_command(self, command: str) -> None:
        QGuiApplication.clipboard().setText(command)
        self.status_bar.showMessage(
            "Command copied: paste it into a terminal and press Enter.", 8000
        )

    def ask_about_host_key(self, error: HostKeyUnknown | HostKeyChanged) -> None:
        """Another computer's key: asked about when new, warned about when changed."""
        from launcher.ui.dialogs.host_key import HostKeyDialog

        if self.host_key_dialog is not None:
            self.host_key_dialog.deleteLater()
        dialog = HostKeyDialog(error, self.parent_widget)
        dialog.accepted_key.connect(self._host_key_accepted)
        self.host_key_dialog = dialog
        dialog.open()

    def _host_key_accepted(self, fingerprint: str) -> None:
        self.launcher.trust_host_key(fingerprint)
        self.retry()  # connects, and remembers the key
