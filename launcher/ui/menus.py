"""The window's menu bar: Course (everything done to the selected course, Settings,
Quit) and Help (Diagnostics, About). Every entry has a keyboard mnemonic."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from launcher.ui.dialogs.about import show_about

if TYPE_CHECKING:
    from launcher.ui.main_window import MainWindow


def build_menus(window: MainWindow) -> QAction:
    """Fill the menu bar; returns the Settings action (tests trigger it)."""
    course = window.menuBar().addMenu("&Course")
    tutor = window.tutor_actions
    for text, shortcut, slot in (
        ("&Start", "Ctrl+R", window.start_selected),
        ("S&top", "Ctrl+T", window.stop_selected),
        ("Open te&rminal", None, window.open_terminal),
        ("Reset e&nvironment…", None, tutor.reset_selected),
        ("&Remove environment…", None, tutor.remove_selected),
    ):
        action = QAction(text, window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        course.addAction(action)
    course.addSeparator()
    for action in window.image_actions.actions():
        course.addAction(action)
    course.addSeparator()
    settings = QAction("S&ettings…", window, shortcut=QKeySequence("Ctrl+,"))
    settings.setMenuRole(QAction.MenuRole.PreferencesRole)
    settings.triggered.connect(window.show_settings)
    course.addAction(settings)
    course.addSeparator()
    quit_action = QAction("&Quit", window)
    quit_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Quit))
    quit_action.setMenuRole(QAction.MenuRole.QuitRole)
    quit_action.triggered.connect(window.quit_app)
    course.addAction(quit_action)
    help_menu = window.menuBar().addMenu("&Help")
    diagnostics = QAction("&Diagnostics", window)
    diagnostics.triggered.connect(window.show_diagnostics)
    help_menu.addAction(diagnostics)
    about = QAction("&About", window)
    about.setMenuRole(QAction.MenuRole.AboutRole)
    about.triggered.connect(lambda: show_about(window, window.launcher))
    help_menu.addAction(about)
    return settings
