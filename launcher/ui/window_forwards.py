"""The window holds the forwards of courses that run on another computer.

While the window is open, each running remote course's services are forwarded to this
computer's 127.0.0.1 (as ``course-launcher connect`` does in a terminal), so Open, Copy
address and the tray give addresses that work here. Forwards are made in jobs (ssh
takes a moment to connect), from the status poll and right after a start, and end when
the course stops, the engine changes or the window quits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from launcher.core.errors import LauncherError
from launcher.core.launcher import Launcher

if TYPE_CHECKING:
    from launcher.core.launcher import HeldForwards

log = logging.getLogger(__name__)


class WindowForwards:
    """Forwards by course; safe to use from the jobs' worker threads."""

    def __init__(self, launcher: Launcher) -> None:
        self.launcher = launcher
        self._held: dict[str, HeldForwards] = {}
        self._lock = threading.Lock()

    def held(self) -> dict[str, dict[int, int]]:
        """Course -> (port there -> port here) of the forwards held now."""
        with self._lock:
            return {course: dict(h.ports) for course, h in self._held.items()}

    def ensure(self, course_id: str) -> None:
        """Hold the course's forwards (blocks while ssh connects: call it in a job). A
        forward whose connection was lost is made again."""
        if not self.launcher.on_another_computer():
            return
        with self._lock:
            held = self._held.get(course_id)
            if held is not None and held.tunnel.alive:
                return
            if held is not None:
                held.close()
                del self._held[course_id]
            try:
                self._held[course_id] = self.launcher.hold_forwards(course_id)
            except LauncherError as exc:  # the next poll tries again
                log.info("no forwards for %s yet: %s", course_id, exc.message)

    def keep_only(self, running: Iterable[str]) -> None:
        """End the forwards of courses that no longer run."""
        keep = set(running)
        with self._lock:
            for course_id in [c for c in self._held if c not in keep]:
                self._held.pop(course_id).close()

    def close_all(self) -> None:
        self.keep_only(())
