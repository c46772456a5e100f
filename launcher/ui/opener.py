"""Open a service in the browser through a private redirect file (no token on any
command line), and remove the file once the browser has had time to read it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from launcher.core.browser import open_in_browser, remove_redirect_file

KEEP_MS = 30_000


class BrowserOpener(QObject):
    def __init__(self, folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = folder

    def __call__(self, url: str) -> None:
        page = open_in_browser(url, self.folder)  # OSError: the caller tells the student
        QTimer.singleShot(KEEP_MS, self, lambda: remove_redirect_file(page))
