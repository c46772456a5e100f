"""What was found of a container made by hand with the course guide: plain data.

Kept apart from ``guide_containers`` (which asks the engine) so that errors and the
front ends can name it without importing the engine's side.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class GuideChoice(enum.Enum):
    ASK = "ask"  # say what was found and stop there (GuideContainerFound)
    ADOPT = "adopt"  # stop it and use its folder; it is kept
    LEAVE = "leave"  # leave it as it is and start the launcher's own environment apart


@dataclass(frozen=True)
class GuideContainer:
    id: str
    name: str
    image: str
    running: bool
    ports: tuple[int, ...]  # host ports it publishes
    folder: Path | None  # the host folder it shares at the course workspace
    reasons: tuple[str, ...]  # why it is taken for the course's: image, port, mount

    def describe(self) -> str:
        state = "running" if self.running else "stopped"
        at = f", at port {', '.join(map(str, self.ports))}" if self.ports else ""
        files = (
            f", with your files in {self.folder}"
            if self.folder
            else ", with no folder of yours shared"
        )
        return f"the container “{self.name}” ({self.image}, {state}{at}){files}"
