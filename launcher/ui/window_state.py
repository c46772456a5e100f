"""What the window knows about the courses' environments, kept in one place.

The engine watch, the course actions and the tutor's actions report what they
learnt here; nothing else writes these fields. Each change is announced by a
signal, and the window redraws what depends on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QObject, Signal

from launcher.core.catalogue.list_lines import RegistryFacts
from launcher.core.environments.state import EnvironmentState, EnvironmentStatus

if TYPE_CHECKING:
    from launcher.core.launcher import StartResult


class StatusSnapshot(NamedTuple):
    """One poll of the engine: the environments and which of their services answer."""

    statuses: dict[str, EnvironmentStatus]  # by course id
    ready: dict[str, frozenset[str]]  # the answering services of running environments
    installed: frozenset[str]  # courses whose image is on this computer


class WindowState(QObject):
    environments_changed = Signal()  # statuses, ready services, notices or installed
    facts_changed = Signal()  # download sizes and updates
    errors_changed = Signal()  # a course's last failure, or its clearing

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.statuses: dict[str, EnvironmentStatus] = {}
        self.ready: dict[str, frozenset[str]] = {}
        self.errors: dict[str, tuple[str, str]] = {}  # message, hint
        self.notices: dict[str, str] = {}
        self.installed: frozenset[str] | None = None  # None: not asked yet
        self.facts: dict[str, RegistryFacts] = {}  # asked of the registry once per engine

    def running_ids(self) -> list[str]:
        return [
            course_id
            for course_id, status in self.statuses.items()
            if status.state == EnvironmentState.RUNNING
        ]

    # -- what happened -----------------------------------------------------------------
    def environments_seen(self, snapshot: StatusSnapshot) -> None:
        """The engine's answer to a poll replaces what was known."""
        self.statuses, self.ready, self.installed = snapshot
        self.environments_changed.emit()

    def environment_started(self, course_id: str, result: StartResult) -> None:
        """A start (or the start that ends a reset) succeeded: it runs, these answer."""
        self.statuses[course_id] = result.status
        self.ready[course_id] = frozenset(e.name for e in result.endpoints)
        self.notices[course_id] = " ".join(result.notices)
        self.environments_changed.emit()

    def job_failed(self, course_id: str, message: str, hint: str) -> None:
        self.errors[course_id] = (message, hint)
        self.errors_changed.emit()

    def clear_error(self, course_id: str) -> None:
        """A new operation on the course begins: its last failure is no longer news."""
        if self.errors.pop(course_id, None) is not None:
            self.errors_changed.emit()

    def facts_arrived(self, facts: dict[str, RegistryFacts]) -> None:
        self.facts = {**facts, **{k: v for k, v in self.facts.items() if k not in facts}}
        self.facts_changed.emit()

    def forget_facts(self, course_id: str) -> None:
        """After an install, update or import the registry's old answer is stale."""
        self.facts.pop(course_id, None)
        self.facts_changed.emit()
