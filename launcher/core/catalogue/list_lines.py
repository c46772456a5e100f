"""The line under each course's name in the course list: its environment's state,
whether it is installed, how much there is to download, whether a newer version
is out. Plain data, no engine: the window draws it before the Docker SDK loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from launcher.core.catalogue.model import Catalogue
from launcher.core.environments.state import EnvironmentState, EnvironmentStatus
from launcher.core.text import human_size


@dataclass(frozen=True)
class RegistryFacts:
    """What the registry said of one course; None where it could not tell."""

    download_size: int | None = None  # compressed layers, for a course not installed
    update_available: bool | None = None  # for an installed course


def list_line(
    status: EnvironmentStatus | None,
    installed: bool | None,
    facts: RegistryFacts | None,
) -> str:
    """The line under a course's name in the list, e.g. "Not installed · 1.2 GB to
    download" or "Running · update available"."""
    parts: list[str] = []
    state = status.state if status is not None else None
    if state == EnvironmentState.RUNNING:
        parts.append("Running")
    elif state in (EnvironmentState.STOPPED, EnvironmentState.CREATED):
        parts.append("Stopped")
    elif installed:
        parts.append("Installed")
    elif installed is False:
        parts.append("Not installed")
        if facts is not None and facts.download_size:
            parts.append(f"{human_size(facts.download_size)} to download")
    if facts is not None and facts.update_available and (installed or state is not None):
        parts.append("update available")
    return " · ".join(parts)


def list_lines(
    catalogue: Catalogue,
    statuses: Mapping[str, EnvironmentStatus],
    installed: frozenset[str] | None,
    facts: Mapping[str, RegistryFacts],
) -> dict[str, str]:
    return {
        course.id: list_line(
            statuses.get(course.id),
            None if installed is None else course.id in installed,
            facts.get(course.id),
        )
        for course in catalogue
    }
