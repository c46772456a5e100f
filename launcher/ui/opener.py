"""Open a service in the browser through a private redirect file (no token on any
command line), and remove the file as soon as the browser has read it."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject

from launcher.core.launcher import Launcher

KEEP_SECONDS = 30.0  # at the latest, where the file system keeps no access times


class BrowserOpener(QObject):
    def __init__(self, launcher: Launcher, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.launcher = launcher

    def __call__(self, url: str) -> None:
        page = self.launcher.open_page(url)  # OSError: the caller tells the student
        # Watching for the browser's read polls the file: a thread, not the GUI's loop.
        # Files left by a launcher that quit meanwhile are swept at the next open.
        threading.Thread(
            target=self.launcher.remove_page_once_read, args=(page, KEEP_SECONDS), daemon=True,
            name="redirect-file",
        ).start()  # fmt: skip
