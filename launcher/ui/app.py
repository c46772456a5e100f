"""Start the window (or, when a launcher is already running, bring that one forward)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMessageBox

from launcher import APP_NAME, __version__
from launcher.ui.colour_scheme import ColourSchemeFollower
from launcher.ui.single_instance import SingleInstance

BENCH_VARIABLE = "COURSE_LAUNCHER_BENCH"  # "1": say on stderr when the window is first drawn
BENCH_MARKER = "course-launcher-bench: window shown at"


def create_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1] if argv is None else argv)
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("course-launcher")
    app.setDesktopFileName("course-launcher")
    ColourSchemeFollower(app)  # the system's light or dark scheme, now and when it changes
    return app


class FirstPaint(QObject):
    """Writes the time of the window's first paint to stderr (for benchmarks/)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print(f"{BENCH_MARKER} {time.time():.6f}", file=sys.stderr, flush=True)
        return False


def run_gui(*, catalogues: Sequence[str] = (), engine: str | None = None) -> int:
    """The window; ``catalogues`` and ``engine`` as ``--catalogue`` and ``--engine`` give them."""
    app = create_application()
    instance = SingleInstance(parent=app)
    if not instance.claim():
        return 0  # the launcher already running comes forward instead
    # Only the first launch loads the core (and with it the Docker SDK).
    from launcher.core.errors import LauncherError
    from launcher.core.launcher import Launcher
    from launcher.core.local.paths import app_paths
    from launcher.ui.widgets.tray import app_icon

    app.setWindowIcon(app_icon())
    paths = app_paths()
    Launcher.log_to_file(paths)
    try:
        # Saved copies of remembered catalogues only: the window never waits on the
        # network for them (one named on the command line must load, as for a command).
        launcher = Launcher.open(catalogues=catalogues, engine=engine, paths=paths, offline=True)
    except LauncherError as exc:
        QMessageBox.critical(None, APP_NAME, f"{exc.message}\n\n{exc.hint}")
        return exc.exit_code
    from launcher.ui.main_window import MainWindow
    from launcher.ui.opener import BrowserOpener

    window = MainWindow(launcher, opener=BrowserOpener(launcher))
    instance.activate_requested.connect(window.bring_forward)
    window.closed.connect(app.quit)
    if window.tray.in_use:
        app.setQuitOnLastWindowClosed(False)  # hidden in the tray is not quitting
        window.tray.show()
    if os.environ.get(BENCH_VARIABLE) == "1":
        bench = FirstPaint(window)
        window.installEventFilter(bench)
    window.show()
    if launcher.warnings:
        window.statusBar().showMessage(" ".join(launcher.warnings))
    return app.exec()
