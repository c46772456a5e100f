"""Start the window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from launcher import APP_NAME, __version__
from launcher.ui.main_window import MainWindow


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1] if argv is None else argv)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("course-launcher")
    app.setDesktopFileName("course-launcher")
    return app


def run_gui() -> int:
    app = create_application()
    window = MainWindow()
    window.show()
    return app.exec()
