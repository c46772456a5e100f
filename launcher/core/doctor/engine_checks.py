"""Doctor: what a tutor checks first when a student's environment will not work.

:func:`launcher.core.doctor.report.run_checks` returns a list of :class:`Check`, each
with a stable ``id``, a status (``ok``, ``warning`` or ``error``), a ``summary``
sentence and a ``fix`` sentence (empty when there is nothing to do). The ids:

* ``engine.reachable``, ``engine.version``: Docker answers, and is recent enough;
* ``course.<id>.architecture``: each installed course image runs natively here;
* ``disk.engine-free``: free space where the engine keeps images;
* ``course.<id>.ports``: the ports an environment uses are free, or its own;
* ``course.<id>.folder``: the remembered folder exists and can be written;
* ``secrets.backend``, ``catalogue.<n>.source``, ``clock.skew``, ``network.proxy``:
  checks of this computer, in :mod:`launcher.core.doctor.host_checks`.

Each check is a small function over plain data, so tests can drive every outcome;
the ``gather_*`` functions ask the engine and this computer for that data.
A check that cannot be made says so; the doctor itself never fails.
"""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker.errors

from launcher.core.catalogue.model import Course
from launcher.core.context import LauncherContext
from launcher.core.doctor.check import NOT_CHECKED_FIX, Check
from launcher.core.engine import labels
from launcher.core.engine.advice import check_image_platform
from launcher.core.engine.model import Engine, EngineInfo, normalise_architecture
from launcher.core.environments.containers import container_state, published_ports
from launcher.core.environments.folder import check_folder
from launcher.core.environments.ports import port_is_free
from launcher.core.environments.state import EnvironmentState
from launcher.core.errors import LauncherError, WorkspaceError
from launcher.core.text import human_size

log = logging.getLogger(__name__)

MIN_API = (1, 41)  # Docker 20.10, the oldest engine this launcher is tested with
DISK_WARNING_BYTES = 10 * 10**9
DISK_ERROR_BYTES = 2 * 10**9


# --- the engine ------------------------------------------------------------------------


def check_engine_reachable(engine: Engine | None, problem: LauncherError | None) -> Check:
    if engine is not None:
        return Check(
            "engine.reachable", "ok", f"Docker answers at {engine.address} ({engine.found_by})."
        )
    message = problem.message if problem else "Docker could not be found."
    return Check("engine.reachable", "error", message, problem.hint if problem else "")


def _api_tuple(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        return None


def check_engine_version(info: EngineInfo | None) -> Check:
    if info is None:
        return Check(
            "engine.version", "warning", "Not checked: Docker is not answering.", NOT_CHECKED_FIX
        )
    name = info.product or "Docker Engine"
    what = f"{name} {info.engine_version} (API {info.api_version}), {info.os_type}/" + (
        info.architecture
    )
    api = _api_tuple(info.api_version)
    if api is None or api < MIN_API:
        return Check(
            "engine.version",
            "warning",
            f"{what} is older than this launcher needs (API "
            f"{'.'.join(map(str, MIN_API))}, Docker 20.10 or later); some things may fail.",
            "Update Docker Desktop (or the Docker engine) to a current version.",
        )
    return Check("engine.version", "ok", f"{what}.")


def check_architecture(course: Course, image_attrs: Mapping[str, Any], info: EngineInfo) -> Check:
    """Whether the installed image of ``course`` runs natively on the engine."""
    check_id = f"course.{course.id}.architecture"
    image_os = str(image_attrs.get("Os") or "linux").lower()
    image_arch = normalise_architecture(str(image_attrs.get("Architecture") or ""))
    problem = check_image_platform(info, [f"{image_os}/{image_arch}"])
    if problem is None:
        return Check(
            check_id,
            "ok",
            f"{course.display_name} is installed for {image_os}/{image_arch or '?'}, "
            "which this computer runs natively.",
        )
    different_os = image_os != (info.os_type.lower() or "linux")
    fix = (
        f"Ask your tutor for the {info.architecture} version of {course.display_name}, or "
        "turn on emulation (Docker Desktop: Settings > General > use Rosetta / QEMU)."
    )
    if different_os:
        fix = "Switch Docker to Linux containers, then press Retry."
    return Check(check_id, "error" if different_os else "warning", problem, fix)


# --- disk ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiskSpace:
    root: str | None  # where the engine keeps images (DockerRootDir)
    free_bytes: int | None  # None: could not be measured from this computer
    images_bytes: int | None  # what images take now, as the engine says
    note: str = ""  # why the free space is unknown


def check_disk(space: DiskSpace) -> Check:
    used = (
        f" Images use {human_size(space.images_bytes)}." if space.images_bytes is not None else ""
    )
    where = f" ({space.root})" if space.root else ""
    if space.free_bytes is None:
        return Check(
            "disk.engine-free",
            "ok",
            f"The free space where Docker keeps images is unknown: {space.note}.{used}",
            "If a download stops with 'no space left on device', give Docker more disk space "
            "(Docker Desktop: Settings > Resources) or remove unused images.",
        )
    free = human_size(space.free_bytes)
    summary = f"{free} free where Docker keeps images{where}.{used}"
    fix = (
        "Free some disk space (empty the bin, remove large files), or remove course images "
        "you no longer use: course-launcher images --prune."
    )
    if space.free_bytes < DISK_ERROR_BYTES:
        return Check("disk.engine-free", "error", f"Only {summary}", fix)
    if space.free_bytes < DISK_WARNING_BYTES:
        return Check("disk.engine-free", "warning", f"Only {summary} Updates may not fit.", fix)
    return Check("disk.engine-free", "ok", summary)


def engine_is_local(engine: Engine, info: Mapping[str, Any], platform: str = sys.platform) -> bool:
    """True when the engine's files are this computer's files (native Linux engine)."""
    return (
        platform.startswith("linux")
        and engine.address.startswith(("unix://", "http+unix://"))
        and "Docker Desktop" not in str(info.get("OperatingSystem", ""))
    )


def gather_disk_space(engine: Engine, info: Mapping[str, Any]) -> DiskSpace:
    from launcher.core.images.inventory import engine_disk_usage

    root = str(info.get("DockerRootDir") or "") or None
    usage = engine_disk_usage(engine.client)
    images = usage.images_bytes if usage is not None else None
    if root is None:
        return DiskSpace(None, None, images, "Docker does not say where it keeps them")
    if not engine_is_local(engine, info):
        return DiskSpace(root, None, images, "Docker runs in a virtual machine or elsewhere")
    try:
        free = shutil.disk_usage(root).free
    except OSError as exc:
        return DiskSpace(root, None, images, f"{root} cannot be read here ({exc.strerror})")
    return DiskSpace(root, free, images)


# --- environments ---------------------------------------------------------------------


def check_ports(
    course_id: str,
    name: str,
    wanted: Mapping[int, int],
    ours: Collection[int],
    is_free: Callable[[int], bool] = port_is_free,
    *,
    engine_known: bool = True,
) -> Check:
    """``wanted``: container port -> host port; ``ours``: host ports our container holds
    (``engine_known=False``: Docker did not answer, so which ports are ours is unknown)."""
    check_id = f"course.{course_id}.ports"
    host_ports = sorted(set(wanted.values()))
    taken = [host for host in host_ports if host not in ours and not is_free(host)]
    listed = ", ".join(map(str, host_ports))
    if not taken:
        held = " (in use by the running environment)" if ours else ""
        return Check(check_id, "ok", f"{name} can use its ports {listed}{held}.")
    ports = ", ".join(map(str, taken))
    if not engine_known:
        return Check(
            check_id,
            "warning",
            f"Port{'s' if len(taken) > 1 else ''} {ports} of {name} "
            f"{'are' if len(taken) > 1 else 'is'} in use, by the environment itself or by "
            "another program: Docker is not answering, so the launcher cannot tell.",
            "Run the doctor again once Docker answers.",
        )
    return Check(
        check_id,
        "warning",
        f"Port{'s' if len(taken) > 1 else ''} {ports} of {name} "
        f"{'are' if len(taken) > 1 else 'is'} used by another program: the next start will "
        "move it to another port, so its address changes.",
        "Close the other program before starting to keep the usual address, or just "
        "start: the launcher picks a free port by itself.",
    )


def check_workspace_folder(course_id: str, name: str, folder: Path) -> Check:
    check_id = f"course.{course_id}.folder"
    try:
        checked = check_folder(folder)
    except WorkspaceError as exc:
        return Check(check_id, "error", exc.message, exc.hint)
    return Check(check_id, "ok", f"{name} keeps its files in {checked}, which can be written.")


@dataclass(frozen=True)
class EnvironmentFacts:
    course_id: str
    name: str
    folder: Path | None
    wanted_ports: dict[int, int]
    our_ports: frozenset[int]
    engine_known: bool = True


def gather_environments(launcher: LauncherContext, engine: Engine | None) -> list[EnvironmentFacts]:
    """The environments worth checking: ones with settings or with a container."""
    containers: dict[str, Any] = {}
    if engine is not None:
        for container in engine.client.containers.list(all=True, filters=labels.managed_filter()):
            course_id = container.labels.get(labels.COURSE, "")
            newest = containers.get(course_id)
            if newest is None or container.attrs.get("Created", "") > newest.attrs.get("Created"):
                containers[course_id] = container
    remembered_ids = list(launcher.settings.courses)
    ids = remembered_ids + [c for c in containers if c not in remembered_ids]
    facts = []
    for course_id in ids:
        remembered = launcher.settings.course(course_id)
        try:
            name = launcher.course(course_id).display_name
        except LauncherError:
            name = course_id
        wanted = {int(k): v for k, v in remembered.ports.items() if k.isdigit()}
        ours: frozenset[int] = frozenset()
        container = containers.get(course_id)
        folder = remembered.folder
        if container is not None:
            published = published_ports(container)
            wanted.update(published)
            if container_state(container) == EnvironmentState.RUNNING:
                ours = frozenset(published.values())
            label = container.labels.get(labels.FOLDER)
            folder = folder or (Path(label) if label else None)
        facts.append(
            EnvironmentFacts(course_id, name, folder, wanted, ours, engine_known=engine is not None)
        )
    return facts


def installed_images(engine: Engine, courses: Collection[Course]) -> Iterator[tuple[Course, Any]]:
    for course in courses:
        try:
            image = engine.client.images.get(course.image)
        except docker.errors.ImageNotFound:
            continue
        yield course, image.attrs
