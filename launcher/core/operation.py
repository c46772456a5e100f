"""What every long core operation takes: a progress callback and a cancel token."""

from __future__ import annotations

import threading
from collections.abc import Callable

from launcher.core.errors import LauncherError

Progress = Callable[[str], None]


def no_progress(_message: str) -> None:
    """The progress callback of a caller that shows nothing."""


class Cancelled(LauncherError):
    def __init__(self) -> None:
        super().__init__("Cancelled.", "Nothing was lost; you can start again at any time.")


class CancelToken:
    """Set from any thread; long operations check it between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def wait(self, seconds: float) -> None:
        """Sleep, waking at once when cancelled (then raise ``Cancelled``)."""
        if self._event.wait(seconds):
            raise Cancelled()
