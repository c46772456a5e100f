"""What a hub needs to know about one course, whichever spawner it uses.

Under JupyterHub the hub, not the launcher, starts the course's Jupyter (as
``jupyterhub-singleuser``) and gives it its token, so the course's token variable is
never set. Only what that Jupyter serves is reachable through the hub: the first
service, and services on the same container port at another path (an application the
image proxies with jupyter-server-proxy, such as OpenRefine at ``/openrefine/``).
Services on other ports are not, and each one is named in a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from launcher.core.catalogue.model import Course, Service

SINGLEUSER = "jupyterhub-singleuser"
_UNITS = (("T", 1024**4), ("G", 1024**3), ("M", 1024**2), ("K", 1024))


@dataclass(frozen=True)
class HubCourse:
    """One course as a hub's spawner runs it."""

    course: Course
    default_url: str | None  # the first service's path; None for "/" (Jupyter's own start)
    environment: Mapping[str, str]
    mem_limit: str | None  # as JupyterHub writes sizes: "4G", "512M", or bytes
    reachable: tuple[Service, ...]  # served by the image's Jupyter, under the user's address
    unreachable: tuple[Service, ...]
    warnings: tuple[str, ...]

    @property
    def workspace(self) -> str:
        return self.course.workspace


def hub_size(size: int) -> str:
    """``size`` bytes the way JupyterHub's ByteSpecification reads it (units of 1024)."""
    for suffix, unit in _UNITS:
        if size % unit == 0:
            return f"{size // unit}{suffix}"
    return str(size)


def literal(text: str) -> str:
    """``text`` kept as it is by spawners that fill in ``{username}``-style templates."""
    return text.replace("{", "{{").replace("}", "}}")


def hub_course(course: Course) -> HubCourse:
    first = course.services[0]
    reachable = tuple(s for s in course.services if s.port == first.port)
    unreachable = tuple(s for s in course.services if s.port != first.port)
    warnings: list[str] = []
    if not course.hub_ready:
        warnings.append(
            f'Course "{course.id}": its image {course.image} is not declared hub-ready. A hub '
            f"starts {SINGLEUSER} in it, so the image needs the jupyterhub package (of a "
            f"version matching the hub's) with {SINGLEUSER} on its PATH; once it has it, "
            "add hub_ready = true to the course in its catalogue."
        )
    for service in unreachable:
        warnings.append(
            f'Course "{course.id}": "{service.name}" (container port {service.port}) cannot '
            "be reached through the hub, which reaches only the image's Jupyter; serve it "
            f"through jupyter-server-proxy and list it on port {first.port} at its path."
        )
    memory = course.memory_bytes
    return HubCourse(
        course=course,
        default_url=None if first.path == "/" else first.path,
        environment=MappingProxyType(dict(course.env)),
        mem_limit=None if memory is None else hub_size(memory),
        reachable=reachable,
        unreachable=unreachable,
        warnings=tuple(warnings),
    )


def reachable_lines(plan: HubCourse) -> list[str]:
    """Sentences for the export's comments: where each service is, through the hub."""
    lines = []
    for service in plan.reachable:
        where = "/user/NAME" + service.path
        how = (
            "the image's Jupyter"
            if service is plan.reachable[0]
            else "the image's Jupyter, e.g. through jupyter-server-proxy"
        )
        lines.append(f"  {service.name}: {where} (served by {how})")
    lines += [
        f"  {s.name}: not reachable through the hub (port {s.port})" for s in plan.unreachable
    ]
    return lines
