"""The window's menu bar: Course (everything done to the selected course, Settings,
Quit) and Help (Diagnostics, About). Every entry has a keyboard mnemonic."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from launcher.core.launcher import Launcher
from launcher.ui.actions.courses import CourseActions
from launcher.ui.actions.images import ImageActions
from launcher.ui.actions.reset import TutorActions
from launcher.ui.dialogs.about import show_about


class MenuHost(Protocol):
    """What the menus' entries call in the window."""

    @property
    def launcher(self) -> Launcher: ...

    @property
    def course_actions(self) -> CourseActions: ...

    @property
    def tutor_actions(self) -> TutorActions: ...

    @property
    def image_actions(self) -> ImageActions: ...

    def show_settings(self) -> object: ...

    def show_diagnostics(self) -> object: ...

    def quit_app(self) -> None: ...


def build_menus(window: QMainWindow, host: MenuHost) -> QAction:
    """Fill the window's menu bar; returns the Settings action (tests trigger it)."""
    course = window.menuBar().addMenu("&Course")
    courses = host.course_actions
    tutor = host.tutor_actions
    for text, shortcut, slot in (
        ("&Start", "Ctrl+R", courses.start_selected),
        ("S&top", "Ctrl+T", courses.stop_selected),
        ("Open te&rminal", None, courses.open_terminal),
        ("Reset e&nvironment…", None, tutor.reset_selected),
        ("&Remove environment…", None, tutor.remove_selected),
    ):
        action = QAction(text, window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        course.addAction(action)
    course.addSeparator()
    for action in host.image_actions.actions():
        course.addAction(action)
    course.addSeparator()
    settings = QAction("S&ettings…", window, shortcut=QKeySequence("Ctrl+,"))
    settings.setMenuRole(QAction.MenuRole.PreferencesRole)
    settings.triggered.connect(host.show_settings)
    course.addAction(settings)
    course.addSeparator()
    quit_action = QAction("&Quit", window)
    quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
    quit_action.setMenuRole(QAction.MenuRole.QuitRole)
    quit_action.triggered.connect(host.quit_app)
    course.addAction(quit_action)
    help_menu = window.menuBar().addMenu("&Help")
    diagnostics = QAction("&Diagnostics", window)
    diagnostics.triggered.connect(host.show_diagnostics)
    help_menu.addAction(diagnostics)
    about = QAction("&About", window)
    about.setMenuRole(QAction.MenuRole.AboutRole)
    about.triggered.connect(lambda: show_about(window, host.launcher))
    help_menu.addAction(about)
    return settings
