"""What a course's environment looks like to the student: plain data, no engine.

Kept apart from ``environment`` so the window can draw states before the Docker
SDK is loaded.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class EnvironmentState(enum.StrEnum):
    ABSENT = "absent"  # no container: Start creates it
    CREATED = "created"
    RUNNING = "running"
    STOPPED = "stopped"


@dataclass(frozen=True)
class ServiceEndpoint:
    name: str
    url: str  # without the token: safe to show and to log
    needs_token: bool


@dataclass(frozen=True)
class EnvironmentStatus:
    course_id: str
    state: EnvironmentState
    container: str | None = None  # name
    image: str | None = None
    folder: str | None = None
    endpoints: tuple[ServiceEndpoint, ...] = ()
    ports: dict[int, int] = field(default_factory=dict)  # container port -> host port

    def as_dict(self) -> dict[str, Any]:
        return {
            "course": self.course_id,
            "state": self.state.value,
            "container": self.container,
            "image": self.image,
            "folder": self.folder,
            "services": [
                {"name": e.name, "url": e.url, "token": e.needs_token} for e in self.endpoints
            ],
        }
