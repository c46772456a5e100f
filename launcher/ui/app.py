"""Start the window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QMessageBox

from launcher import APP_NAME, __version__
from launcher.core.errors import LauncherError
from launcher.core.launcher import Launcher
from launcher.core.logs import setup_logging
from launcher.core.paths import app_paths


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
    paths = app_paths()
    setup_logging(paths)
    try:
        # Saved copies of online catalogues only: the window never waits on the network.
        launcher = Launcher.open(paths=paths, offline=True)
    except LauncherError as exc:
        QMessageBox.critical(None, APP_NAME, f"{exc.message}\n\n{exc.hint}")
        return exc.exit_code
    from launcher.ui.main_window import MainWindow
    from launcher.ui.opener import BrowserOpener

    window = MainWindow(launcher, opener=BrowserOpener(paths.state / "open"))
    window.show()
    if launcher.warnings:
        window.statusBar().showMessage(" ".join(launcher.warnings))
    return app.exec()
