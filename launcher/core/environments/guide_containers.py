"""Containers a student made by hand with the course's old ``docker run`` guide:

    docker run -d --name tm351vce -p 8351:8888 -v "$(pwd):/home/ou/TM351-24J" ...

They carry none of the launcher's labels, so the launcher never touches them on its
own. On a course's first start it looks for one (by the course's image, the port the
course prefers, or a mount at the course's workspace), says what it found, and only
when the student says yes stops it and uses the folder it shared. It never removes
one: the container stays, stopped, until its owner removes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Any

import docker

from launcher.core.catalogue.model import Course
from launcher.core.engine import labels
from launcher.core.engine.errors import translate_engine_errors
from launcher.core.environments.containers import find_container
from launcher.core.environments.guide_state import GuideChoice, GuideContainer
from launcher.core.errors import GuideContainerFound, ImageReferenceError
from launcher.core.images.reference import ImageReference
from launcher.core.operation import Progress, no_progress

STOP_TIMEOUT = 20  # seconds, as `docker stop` would wait and then some
# Where Docker Desktop shows a Windows folder inside its VM: /run/desktop/mnt/host/c/…
_DESKTOP_DRIVE_PREFIXES = ("/run/desktop/mnt/host/", "/host_mnt/")


def _repository(image: str) -> str | None:
    try:
        return ImageReference.parse(image).name
    except ImageReferenceError:  # made from an image id, not a name
        return None


def host_folder(source: str, platform: str) -> Path:
    """The student's folder from a bind mount's ``Source`` as the engine reports it."""
    if platform == "win32":
        for prefix in _DESKTOP_DRIVE_PREFIXES:
            if source.startswith(prefix):
                drive, _, rest = source.removeprefix(prefix).partition("/")
                return Path(PureWindowsPath(f"{drive.upper()}:\\", *rest.split("/")))
    return Path(source)


def _host_ports(attrs: Mapping[str, Any]) -> tuple[int, ...]:
    bindings = (attrs.get("HostConfig") or {}).get("PortBindings") or {}
    ports = {
        int(binding["HostPort"])
        for values in bindings.values()
        for binding in values or ()
        if str(binding.get("HostPort") or "").isdigit()
    }
    return tuple(sorted(ports))


def _shared_folder(attrs: Mapping[str, Any], course: Course, platform: str) -> Path | None:
    binds = [m for m in attrs.get("Mounts") or () if m.get("Type") == "bind" and m.get("Source")]
    at_workspace = [m for m in binds if m.get("Destination") == course.workspace]
    chosen = at_workspace or (binds if len(binds) == 1 else [])
    return host_folder(str(chosen[0]["Source"]), platform) if chosen else None


def guide_container(
    attrs: Mapping[str, Any], course: Course, platform: str
) -> GuideContainer | None:
    """The container as one made by the guide for ``course``, or None if it is not."""
    if labels.MANAGED in ((attrs.get("Config") or {}).get("Labels") or {}):
        return None  # the launcher's own, for this course or another
    image = str((attrs.get("Config") or {}).get("Image") or "")
    ports = _host_ports(attrs)
    reasons = []
    if image and _repository(image) == _repository(course.image):
        reasons.append(f"it runs {course.code}'s image")
    if course.preferred_port:
        wanted = range(course.preferred_port, course.preferred_port + len(course.container_ports))
        taken = [p for p in ports if p in wanted]
        reasons += [f"it publishes port {p}, the one {course.code} uses" for p in taken]
    if any(m.get("Destination") == course.workspace for m in attrs.get("Mounts") or ()):
        reasons.append(f"it shares a folder at {course.workspace}")
    if not reasons:
        return None
    return GuideContainer(
        id=str(attrs.get("Id", "")),
        name=str(attrs.get("Name", "")).lstrip("/"),
        image=image,
        running=bool((attrs.get("State") or {}).get("Running")),
        ports=ports,
        folder=_shared_folder(attrs, course, platform),
        reasons=tuple(reasons),
    )


def _most_likely_first(found: Iterable[GuideContainer]) -> list[GuideContainer]:
    return sorted(found, key=lambda g: (not g.running, g.folder is None, -len(g.reasons)))


def find_guide_containers(
    client: docker.DockerClient, course: Course, platform: str
) -> list[GuideContainer]:
    with translate_engine_errors(f"looking for an earlier {course.code} container"):
        containers = client.containers.list(all=True, ignore_removed=True)
    found = (guide_container(c.attrs, course, platform) for c in containers)
    return _most_likely_first(g for g in found if g is not None)


def question(course: Course, found: list[GuideContainer]) -> GuideContainerFound:
    first, others = found[0], len(found) - 1
    more = f" (and {others} more like it)" if others else ""
    return GuideContainerFound(
        f"{course.display_name} is already on this computer, set up by hand as the "
        f"course guide showed: {first.describe()}{more}.",
        f"To stop it and keep working in the same folder: course-launcher start {course.id} "
        "--adopt-guide-container (nothing is deleted: the container stays, stopped, until "
        "you remove it yourself). To leave it as it is: --leave-guide-container.",
        found=tuple(found),
    )


@dataclass(frozen=True)
class Settled:
    folder: Path | None  # the folder to start with (None: the remembered one)
    notices: tuple[str, ...] = ()


def settle_guide_containers(
    client: docker.DockerClient,
    course: Course,
    choice: GuideChoice,
    folder: Path | None,
    *,
    platform: str,
    progress: Progress = no_progress,
) -> Settled:
    """``folder``, or on ADOPT the guide container's once it is stopped. Asked only while
    the launcher has no environment of its own for the course yet."""
    if choice is GuideChoice.LEAVE or find_container(client, course) is not None:
        return Settled(folder)
    found = find_guide_containers(client, course, platform)
    if not found:
        return Settled(folder)
    if choice is GuideChoice.ASK:
        raise question(course, found)
    notices = []
    with translate_engine_errors(f"stopping the earlier {course.code} container"):
        for guide in found:
            if guide.running:
                progress(f"Stopping “{guide.name}”, your earlier {course.code} (it is kept)…")
                client.containers.get(guide.id).stop(timeout=STOP_TIMEOUT)
            notices.append(
                f"Your earlier {course.code} container “{guide.name}” is stopped and kept. "
                f"Remove it yourself (docker rm {guide.name}) once you no longer need it."
            )
    shared = next((g.folder for g in found if g.folder is not None), None)
    return Settled(shared or folder, tuple(notices))
