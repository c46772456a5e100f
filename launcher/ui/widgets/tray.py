"""The tray icon: running environments with Open and Stop, Show, and Quit.

What the menu lists is worked out by ``tray_entries`` and drawn by
``fill_tray_menu`` into any QMenu, so both are tested without a system tray
(the offscreen platform and many Linux desktops have none). ``Tray`` only puts
that menu behind a QSystemTrayIcon when the desktop has a tray.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from launcher import APP_NAME
from launcher.core.catalogue.model import Catalogue
from launcher.core.environments.state import EnvironmentState, EnvironmentStatus
from launcher.core.local.resources import resource_path


@dataclass(frozen=True)
class TrayEntry:
    """One running environment as the tray lists it."""

    course_id: str
    label: str
    services: tuple[str, ...]  # the course's services, in catalogue order
    ready: frozenset[str]  # those that answer now (their Open is enabled)


def app_icon() -> QIcon:
    return QIcon(str(resource_path("icon.svg")))


def tray_entries(
    catalogue: Catalogue,
    statuses: Mapping[str, EnvironmentStatus],
    ready: Mapping[str, frozenset[str]],
) -> tuple[TrayEntry, ...]:
    """The running environments, in catalogue order."""
    entries = []
    for course in catalogue:
        status = statuses.get(course.id)
        if status is None or status.state != EnvironmentState.RUNNING:
            continue
        entries.append(
            TrayEntry(
                course_id=course.id,
                label=course.display_name,
                services=tuple(service.name for service in course.services),
                ready=ready.get(course.id, frozenset()),
            )
        )
    return tuple(entries)


def fill_tray_menu(menu: QMenu, entries: Iterable[TrayEntry], tray: TrayMenuSignals) -> None:
    """Replace the menu's items with Show, one submenu per running environment, Quit."""
    for old in menu.findChildren(QMenu):
        old.deleteLater()
    menu.clear()
    show = menu.addAction(f"Show {APP_NAME}")
    show.triggered.connect(lambda _checked=False: tray.show_requested.emit())
    menu.addSeparator()
    listed = list(entries)
    if not listed:
        nothing = menu.addAction("No environment is running")
        nothing.setEnabled(False)
    for entry in listed:
        sub = menu.addMenu(entry.label)
        sub.setObjectName(f"tray:{entry.course_id}")
        for service in entry.services:
            action = sub.addAction(f"Open {service}")
            action.setEnabled(service in entry.ready)
            action.triggered.connect(
                lambda _checked=False, c=entry.course_id, s=service: tray.open_requested.emit(c, s)
            )
        sub.addSeparator()
        stop = sub.addAction("Stop")
        stop.triggered.connect(
            lambda _checked=False, c=entry.course_id: tray.stop_requested.emit(c)
        )
    menu.addSeparator()
    quit_action = menu.addAction("Quit")
    quit_action.triggered.connect(lambda _checked=False: tray.quit_requested.emit())


def menu_outline(menu: QMenu) -> list[str]:
    """The menu as text lines ("Open Jupyter", "  > TEST1 24J — …"), for tests and logs."""
    lines: list[str] = []
    for action in menu.actions():
        if action.isSeparator():
            lines.append("---")
            continue
        sub = action.menu()
        text = action.text()
        if isinstance(sub, QMenu):
            lines.append(f"{text} >")
            lines.extend(f"  {line}" for line in menu_outline(sub))
        else:
            lines.append(text if action.isEnabled() else f"({text})")
    return lines


class TrayMenuSignals(QObject):
    open_requested = Signal(str, str)  # course id, service name
    stop_requested = Signal(str)  # course id
    show_requested = Signal()
    quit_requested = Signal()


class Tray(TrayMenuSignals):
    """The tray menu, and the icon that shows it when the desktop has a tray."""

    def __init__(self, parent: QObject | None = None, *, use_tray: bool | None = None) -> None:
        super().__init__(parent)
        self.menu = QMenu()
        self.menu.setAccessibleName(f"{APP_NAME} tray menu")
        self._entries: tuple[TrayEntry, ...] | None = None
        self.messages: list[str] = []  # what was said through the tray, newest last
        self._closed = False
        wanted = QSystemTrayIcon.isSystemTrayAvailable() if use_tray is None else use_tray
        self.icon: QSystemTrayIcon | None = None
        self.in_use = bool(wanted)
        if wanted and QSystemTrayIcon.isSystemTrayAvailable():
            self.icon = QSystemTrayIcon(app_icon(), self)
            self.icon.setToolTip(APP_NAME)
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._activated)
        self.update(())

    def show(self) -> None:
        if self.icon is not None:
            self.icon.show()

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()

    def update(self, entries: tuple[TrayEntry, ...]) -> None:
        """Redraw the menu when what it lists changed (not on every status check)."""
        if entries == self._entries:
            return
        self._entries = entries
        fill_tray_menu(self.menu, entries, self)
        if self.icon is not None:
            running = len(entries)
            self.icon.setToolTip(APP_NAME if not running else f"{APP_NAME} — {running} running")

    def tell(self, title: str, text: str) -> None:
        self.messages.append(text)
        if self.icon is not None and QSystemTrayIcon.supportsMessages():
            self.icon.showMessage(title, text, app_icon(), 8000)

    def close(self) -> None:
        self.hide()
        if not self._closed:
            self._closed = True
            self.menu.deleteLater()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.show_requested.emit()
