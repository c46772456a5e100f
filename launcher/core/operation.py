"""What every long core operation takes: a progress callback and a cancel token."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from launcher.core.errors import Cancelled

# What a long operation reports: a sentence for people, or a snapshot object with
# ``describe()`` and ``fraction`` (``PullProgress``). Called as often as it likes.
Progress = Callable[[Any], None]


def describe(progress: Any) -> str:
    """The sentence for any progress value."""
    text = getattr(progress, "describe", None)
    return str(text()) if callable(text) else str(progress)


def no_progress(_message: Any) -> None:
    """The progress callback of a caller that shows nothing."""


class CancelToken:
    """Set from any thread; long operations check it between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def cancel(self) -> None:
        with self._lock:
            self._event.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def on_cancel(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` (from the cancelling thread) when cancelled, e.g. to close a
        blocking stream; returns a function that forgets it again."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)

                def forget() -> None:
                    with self._lock:
                        if callback in self._callbacks:
                            self._callbacks.remove(callback)

                return forget
        callback()
        return lambda: None

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
