"""Start a course's environment: the safe, repeatable form of the ``docker run`` line
students used to type, with every failure of that line handled for them."""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import docker
import docker.errors
from docker.types import Mount

from launcher.core.catalogue.model import Course
from launcher.core.engine import labels
from launcher.core.engine.errors import translate_engine_errors
from launcher.core.environments.containers import (
    PORTS_LABEL,
    container_state,
    endpoints,
    find_container,
    published_ports,
)
from launcher.core.environments.folder import check_folder, folder_owner
from launcher.core.environments.folder_writer import image_writer_uid, serving_uid
from launcher.core.environments.hostpaths import mount_source
from launcher.core.environments.ports import LOOPBACK, choose_port, port_is_free
from launcher.core.environments.readiness import ready_checks, wait_until_ready
from launcher.core.environments.sharing import needs_sharing, share_folder, sharing_refusal
from launcher.core.environments.state import EnvironmentState, EnvironmentStatus, ServiceEndpoint
from launcher.core.errors import PortInUse, StartFailed
from launcher.core.images.install import pull_image
from launcher.core.images.users import ImageUsers
from launcher.core.operation import CancelToken, Progress, no_progress

READY_TIMEOUT = 180.0
log = logging.getLogger(__name__)
_PORT_ERRORS = ("port is already allocated", "address already in use")


@dataclass(frozen=True)
class StartRequest:
    course: Course
    folder: Path
    token: str | None  # None when the course declares no token
    remembered_ports: dict[int, int]  # container port -> host port used last time
    create_folder: bool = False
    ready_timeout: float = READY_TIMEOUT
    # a native Linux engine: the folder is shared with the uid that writes it (sharing.py)
    shares_host_files: bool = False
    # An engine on another computer: ``folder`` is a path there, the engine picks the
    # ports (on its 127.0.0.1), and this maps them (container port -> port there) to
    # ports here that reach them, for the readiness checks. None: an engine here.
    reach: Callable[[Mapping[int, int]], Mapping[int, int]] | None = None


@dataclass(frozen=True)
class StartResult:
    status: EnvironmentStatus
    ports: dict[int, int]
    notices: tuple[str, ...]  # things the student should know: a URL that changed …
    image_platform: str = ""  # "linux/amd64": what the image was built for

    @property
    def endpoints(self) -> tuple[ServiceEndpoint, ...]:
        return self.status.endpoints


def _choose_ports(request: StartRequest, existing: Any | None) -> tuple[dict[int, int], list[str]]:
    current = published_ports(existing) if existing is not None else {}
    running = existing is not None and container_state(existing) == EnvironmentState.RUNNING
    chosen: dict[int, int] = {}
    notices: list[str] = []
    course = request.course
    for index, cport in enumerate(course.container_ports):
        host = current.get(cport)
        if host and (running or port_is_free(host)):
            chosen[cport] = host
            continue
        wanted = request.remembered_ports.get(cport) or host
        if wanted is None and course.preferred_port:
            wanted = course.preferred_port + index
        port = choose_port(wanted, avoid=set(chosen.values()))
        if wanted and port != wanted and (cport in request.remembered_ports or host):
            names = ", ".join(s.name for s in course.services if s.port == cport)
            notices.append(
                f"Port {wanted} is used by another program, so {names} is now at port {port}: "
                "its address has changed."
            )
        chosen[cport] = port
    return chosen, notices


def _ports_there(request: StartRequest, existing: Any | None, attempt: int) -> dict[int, int]:
    """The ports asked of a remote engine: the ones used before or preferred (stable
    addresses), nothing checked here; 0 (the engine's choice) after a clash there."""
    current = published_ports(existing) if existing is not None else {}
    course = request.course
    ports: dict[int, int] = {}
    for index, cport in enumerate(course.container_ports):
        preferred = course.preferred_port + index if course.preferred_port else 0
        wanted = current.get(cport) or request.remembered_ports.get(cport) or preferred
        ports[cport] = 0 if attempt else wanted
    return ports


def _fingerprint(request: StartRequest, source: str, ports: dict[int, int]) -> str:
    course = request.course
    spec = {
        "image": course.image,
        "folder": source,
        "workspace": course.workspace,
        "ports": {str(k): v for k, v in sorted(ports.items())},
        "env": dict(sorted(course.env.items())),
        "token_env": course.token.env if course.token else None,
        "volumes": [[v.name, v.path] for v in course.volumes],
        "memory": course.memory,
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:24]


def _container_token(container: Any, course: Course) -> str | None:
    if course.token is None:
        return None
    prefix = f"{course.token.env}="
    for item in container.attrs.get("Config", {}).get("Env") or []:
        if item.startswith(prefix):
            return str(item[len(prefix) :])
    return None


def ensure_image(
    client: docker.DockerClient, course: Course, progress: Progress, cancel: CancelToken,
    on_pulled: Callable[[str], None] | None = None,
) -> Any:  # fmt: skip
    """The course image; downloaded first when it is not on this computer. An image that
    is present is used as it is: starting never waits on a registry."""
    try:
        return client.images.get(course.image)
    except docker.errors.ImageNotFound:
        pass
    pull_image(client, course, progress=progress, cancel=cancel, on_pulled=on_pulled)
    return client.images.get(course.image)


def _writer_uid(
    client: docker.DockerClient, image: Any, course: Course, users: ImageUsers
) -> tuple[int, bool]:
    """The uid that writes the folder (folder_writer.py), asked of the image once and
    then remembered; and whether it was asked just now."""
    uid = users.uid(str(image.id))
    if uid is not None:
        return uid, False
    uid = image_writer_uid(client, image, course.workspace, course.id)
    users.remember(str(image.id), uid)
    return uid, True


def _share_with(folder: Path, uid: int, notices: list[str]) -> None:
    owner = folder_owner(folder)
    refusal = sharing_refusal(folder, uid, owner)
    if refusal:
        log.warning("not sharing %s: %s", folder, refusal)
        notices.append(
            f"Files cannot be saved from the environment into {folder}: {refusal}, and "
            "the launcher gives no other account access to your work. Choose a folder "
            "inside your home folder (other accounts cannot open it) and start again."
        )
        return
    if needs_sharing(folder, uid):
        shared = share_folder(folder, owner, uid)
        log.info(
            "sharing %s with container uid %s: %s (%s skipped) %s",
            folder, uid, shared.applied, shared.skipped, shared.reason,
        )  # fmt: skip


def engine_shares_host_files(address: str, operating_system: str) -> bool:
    """True for a native Linux engine, where uids cross the bind mount unchanged
    (``operating_system`` is the engine's own, from ``/info``)."""
    local = address.startswith(("unix://", "http+unix://", "http+docker://"))
    return sys.platform == "linux" and local and "Docker Desktop" not in operating_system


def _create(
    client: docker.DockerClient, request: StartRequest, image: Any, source: str,
    ports: dict[int, int], fingerprint: str,
) -> Any:  # fmt: skip
    course = request.course
    env = dict(course.env)
    if course.token and request.token:
        env[course.token.env] = request.token
    mounts = [Mount(target=course.workspace, source=source, type="bind")]
    for volume in course.volumes:
        name = labels.volume_name(course.id, volume.name)
        try:
            client.volumes.get(name)
        except docker.errors.NotFound:
            client.volumes.create(
                name, labels={**labels.base_labels(course.id), labels.VOLUME: volume.name}
            )
        mounts.append(Mount(target=volume.path, source=name, type="volume"))
    container_labels = {
        **labels.base_labels(course.id),
        labels.WORKSPACE: course.workspace,
        labels.FOLDER: request.folder.as_posix() if request.reach else str(request.folder),
        labels.IMAGE: course.image,
        labels.FINGERPRINT: fingerprint,
        PORTS_LABEL: json.dumps({str(k): v for k, v in ports.items()}),
    }
    return client.containers.create(
        image.id,
        name=labels.container_name(course.id),
        labels=container_labels,
        environment=env,
        ports={f"{cport}/tcp": (LOOPBACK, host) for cport, host in ports.items()},
        mounts=mounts,
        mem_limit=course.memory,
        detach=True,
    )


def start_environment(
    client: docker.DockerClient,
    request: StartRequest,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    image_users: ImageUsers | None = None,
    on_pulled: Callable[[str], None] | None = None,
) -> StartResult:
    """Create (or adopt, or recreate) the course's container, start it, wait until ready;
    ``on_pulled`` is told the id of an image it had to download."""
    image_users = image_users or ImageUsers(None)
    cancel = cancel or CancelToken()
    course = request.course
    remote = request.reach is not None
    if remote:  # a folder over there: nothing to check or share here
        folder, source = request.folder, request.folder.as_posix()
    else:
        folder = check_folder(request.folder, create=request.create_folder)
        source = mount_source(folder, sys.platform)
    with translate_engine_errors(f"starting {course.display_name}"):
        existing = find_container(client, course)
        image = ensure_image(client, course, progress, cancel, on_pulled)
        cancel.check()
        writer, asked_now = 0, False
        sharing_notices: list[str] = []
        notices: list[str] = []  # a remote's port that changed is never seen: no notice
        for attempt in range(3):
            if remote:  # the remote's ports are never seen: only the forwards' here
                ports = _ports_there(request, existing, attempt)
                fingerprint = _fingerprint(request, source, {})
            else:
                ports, notices = _choose_ports(request, existing)
                fingerprint = _fingerprint(request, source, ports)
            if existing is not None and (
                existing.labels.get(labels.FINGERPRINT) != fingerprint
                or existing.attrs.get("Image") != image.id
                or _container_token(existing, course) != request.token
            ):
                progress("Your settings changed: making the environment again (files are kept)…")
                existing.remove(force=True)
                existing = None
            if existing is None:
                progress(f"Preparing {course.display_name}…")
                existing = _create(client, request, image, source, ports, fingerprint)
                if request.shares_host_files:
                    writer, asked_now = _writer_uid(client, image, course, image_users)
                    _share_with(folder, writer, sharing_notices)
            cancel.check()
            try:
                if container_state(existing) != EnvironmentState.RUNNING:
                    existing.start()
                break
            except docker.errors.APIError as exc:
                if not any(text in str(exc).lower() for text in _PORT_ERRORS) or attempt == 2:
                    raise StartFailed(
                        f"{course.display_name} could not be started: {exc.explanation or exc}.",
                        "Try again; if it keeps failing, use Reset.",
                    ) from exc
                # Another program took the port between our check and the start.
                existing.remove(force=True)
                existing = None
                request = replace(request, remembered_ports={})
        else:  # pragma: no cover - the loop always breaks or raises
            raise PortInUse("No free port could be used.", "Try again.")
        existing.reload()
        if remote:
            ports = published_ports(existing)  # what the engine gave
        here = request.reach(ports) if request.reach is not None else ports
        checks = ready_checks(course, here, request.token)
        wait_until_ready(
            existing, checks, cancel=cancel, progress=progress, timeout=request.ready_timeout
        )
        if asked_now and course.services:  # the image's answer, checked against the truth
            serving = serving_uid(existing, course.services[0].port)
            if serving is not None and serving != writer:
                log.info("image %s said uid %s writes; uid %s serves", image.id, writer, serving)
                image_users.remember(str(image.id), serving)
                sharing_notices.clear()
                _share_with(folder, serving, sharing_notices)
    status = EnvironmentStatus(
        course_id=course.id,
        state=container_state(existing),
        container=existing.name,
        image=course.image,
        folder=source if remote else str(folder),
        endpoints=endpoints(course, ports),
        ports=ports,
    )
    platform = f"{image.attrs.get('Os', 'linux')}/{image.attrs.get('Architecture', '')}"
    return StartResult(
        status=status,
        ports=ports,
        notices=(*notices, *sharing_notices),
        image_platform=platform,
    )
