"""A course's environment as the engine sees it: find, describe, stop, remove.

One environment per course per engine: a container named after the course and
labelled by the launcher. A container with that name but without the labels
belongs to someone else and is never touched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import docker
import docker.errors

from launcher.core.catalogue.model import Course
from launcher.core.engine import labels
from launcher.core.engine.errors import translate_engine_errors
from launcher.core.environments.ports import LOOPBACK
from launcher.core.environments.state import (
    EnvironmentState,
    EnvironmentStatus,
    ServiceEndpoint,
)
from launcher.core.errors import NameClash

PORTS_LABEL = f"{labels.PREFIX}.ports"  # JSON {container port: host port}


def find_container(client: docker.DockerClient, course: Course) -> Any | None:
    """The course's container (adopted by its labels), or None; ``NameClash`` if foreign."""
    with translate_engine_errors(f"looking for {course.display_name}"):
        ours = client.containers.list(all=True, filters=labels.course_filter(course.id))
        if ours:
            return max(ours, key=lambda c: c.attrs.get("Created", ""))
        name = labels.container_name(course.id)
        try:
            other = client.containers.get(name)
        except docker.errors.NotFound:
            return None
    raise NameClash(
        f"A container called “{name}” already exists, and Course Launcher did not make it.",
        f"It was left alone. Remove or rename it (docker rm {name}) and try again, "
        f"or ask your tutor. Its image is {other.attrs.get('Config', {}).get('Image', '?')}.",
    )


def published_ports(container: Any) -> dict[int, int]:
    """Container port -> host port, from the container's own configuration; where the
    engine chose the port (0, on a remote engine), what it gave while it runs."""
    bindings = container.attrs.get("HostConfig", {}).get("PortBindings") or {}
    given = container.attrs.get("NetworkSettings", {}).get("Ports") or {}
    ports: dict[int, int] = {}
    for key, values in bindings.items():
        if values and values[0].get("HostPort") in ("0", ""):
            values = [v for v in given.get(key) or [] if v.get("HostIp") == LOOPBACK]
        if values and values[0].get("HostPort"):
            ports[int(key.split("/")[0])] = int(values[0]["HostPort"])
    if not ports:  # fall back to what the launcher wrote when it made the container
        raw = container.labels.get(PORTS_LABEL, "{}")
        ports = {int(k): int(v) for k, v in json.loads(raw).items() if int(v)}
    return ports


def endpoints(course: Course, ports: dict[int, int]) -> tuple[ServiceEndpoint, ...]:
    return tuple(
        ServiceEndpoint(
            name=service.name,
            url=f"http://{LOOPBACK}:{ports[service.port]}{service.path}",
            needs_token=service.auth == "token",
        )
        for service in course.services
        if service.port in ports
    )


def docker_state(status: str) -> EnvironmentState:
    """Docker's word for a container ("running", "exited" …) as the student's state."""
    if status in ("running", "restarting"):
        return EnvironmentState.RUNNING
    if status == "created":
        return EnvironmentState.CREATED
    return EnvironmentState.STOPPED


def container_state(container: Any) -> EnvironmentState:
    return docker_state(str(container.status))


def environment_status(client: docker.DockerClient, course: Course) -> EnvironmentStatus:
    container = find_container(client, course)
    if container is None:
        return EnvironmentStatus(course.id, EnvironmentState.ABSENT)
    ports = published_ports(container)
    return EnvironmentStatus(
        course_id=course.id,
        state=container_state(container),
        container=container.name,
        image=container.labels.get(labels.IMAGE),
        folder=container.labels.get(labels.FOLDER),
        endpoints=endpoints(course, ports),
        ports=ports,
    )


def _summary_state(row: dict[str, Any]) -> EnvironmentState:
    return docker_state(str(row.get("State") or ""))


def _summary_ports(row: dict[str, Any]) -> dict[int, int]:
    """Container port -> host port: what the engine publishes now for a running
    container, else what the launcher recorded when it made it."""
    ports = {
        int(entry["PrivatePort"]): int(entry["PublicPort"])
        for entry in row.get("Ports") or []
        if entry.get("PublicPort") and entry.get("IP") in (LOOPBACK, None)
    }
    if ports:
        return ports
    raw = (row.get("Labels") or {}).get(PORTS_LABEL, "{}")
    return {int(k): int(v) for k, v in json.loads(raw).items() if int(v)}  # 0: the engine's


def environment_statuses(
    client: docker.DockerClient, courses: Iterable[Course]
) -> list[EnvironmentStatus]:
    """Every course's status from one engine call (the window asks this every few
    seconds; a call per course would grow with the catalogue)."""
    with translate_engine_errors("looking at your environments"):
        rows = client.api.containers(all=True, filters=labels.managed_filter())
    newest: dict[str, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: int(r.get("Created") or 0)):
        course_id = (row.get("Labels") or {}).get(labels.COURSE)
        if course_id:
            newest[course_id] = row
    statuses = []
    for course in courses:
        row = newest.get(course.id)
        if row is None:
            statuses.append(EnvironmentStatus(course.id, EnvironmentState.ABSENT))
            continue
        ports = _summary_ports(row)
        row_labels = row.get("Labels") or {}
        statuses.append(
            EnvironmentStatus(
                course_id=course.id,
                state=_summary_state(row),
                container=str((row.get("Names") or ["/?"])[0]).lstrip("/"),
                image=row_labels.get(labels.IMAGE),
                folder=row_labels.get(labels.FOLDER),
                endpoints=endpoints(course, ports),
                ports=ports,
            )
        )
    return statuses


def stop_environment(client: docker.DockerClient, course: Course, timeout: int = 20) -> bool:
    """Stop the course's container; False when there was nothing running."""
    container = find_container(client, course)
    with translate_engine_errors(f"stopping {course.display_name}"):
        if container is None or container_state(container) != EnvironmentState.RUNNING:
            return False
        container.stop(timeout=timeout)
    return True


def remove_environment(
    client: docker.DockerClient, course: Course, *, volumes: bool = False
) -> bool:
    """Remove the course's container (the student's folder and the image always stay;
    named volumes only when asked). False when there was nothing to remove."""
    container = find_container(client, course)
    with translate_engine_errors(f"removing {course.display_name}"):
        if container is not None:
            container.remove(force=True)
        removed_volumes = False
        if volumes:
            for volume in client.volumes.list(filters=labels.course_filter(course.id)):
                volume.remove(force=True)
                removed_volumes = True
    return container is not None or removed_volumes
