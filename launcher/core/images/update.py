"""Is a newer version of a course image published, and updating to it.

:func:`check_for_update` compares the installed image with what the course's tag
points to in its registry now, with one ``HEAD`` request (which Docker Hub does not
count against its pull limit): the tag's digest is one of the installed image's repo
digests when nothing changed. An image with no repo digest for that repository (one
that was imported from a file) is compared by its id with the manifest's config
digest instead (one ``GET``). A course pinned to a digest never has an update.

:func:`update_course` pulls the new image and, when the environment was running,
starts it again through :meth:`Launcher.start`, which recreates the container on the
new image keeping its folder, ports, token and volumes; a stopped environment is
recreated the same way at its next start. When the registry cannot be asked, it
raises :class:`~launcher.core.errors.UpdateCheckFailed` and changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors

from launcher.core.catalogue.model import Course
from launcher.core.context import LauncherContext
from launcher.core.engine.errors import translate_engine_errors
from launcher.core.environments.state import EnvironmentState
from launcher.core.errors import (
    EngineUnavailable,
    ImageReferenceError,
    LauncherError,
    UpdateCheckFailed,
)
from launcher.core.images.install import engine_platform
from launcher.core.images.inventory import RemovalResult, remove_image_version
from launcher.core.images.reference import ImageReference
from launcher.core.images.registry import RegistryClient
from launcher.core.operation import CancelToken, Progress, no_progress
from launcher.core.text import human_size

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UpdateCheck:
    course_id: str
    installed_id: str | None  # None: the image is not on this computer
    remote_digest: str | None  # what the tag points to now; None when pinned
    available: bool  # a newer image is published (False when not installed)

    @property
    def installed(self) -> bool:
        return self.installed_id is not None


@dataclass(frozen=True)
class UpdateResult:
    course_id: str
    updated: bool  # a new image was installed
    old_id: str | None
    new_id: str | None
    restarted: bool = False  # it was running: recreated on the new image and started
    remade_at_next_start: bool = False  # it exists, stopped: recreated when next started
    old_image: RemovalResult | None = None  # when removing the old image was asked for

    def summary(self, display_name: str, keep_advice: str = "") -> list[str]:
        """What happened, in sentences (see :func:`update_summary`)."""
        return update_summary(self, display_name, keep_advice)


def _repo_digests(image: Any, repository: str) -> set[str]:
    found: set[str] = set()
    for text in image.attrs.get("RepoDigests") or []:
        try:
            ref = ImageReference.parse(str(text))
        except ImageReferenceError:
            continue
        if ref.name == repository and ref.digest:
            found.add(ref.digest)
    return found


def _installed(client: docker.DockerClient, course: Course) -> Any | None:
    with translate_engine_errors(f"looking for {course.display_name}"):
        try:
            return client.images.get(course.image)
        except docker.errors.ImageNotFound:
            return None


def check_for_update(
    client: docker.DockerClient, course: Course, registry: RegistryClient | None = None
) -> UpdateCheck:
    """Compare the installed image with the registry's; raises ``UpdateCheckFailed``."""
    ref = course.image_ref
    image = _installed(client, course)
    image_id = str(image.id) if image is not None else None
    if ref.digest:  # pinned: this exact image, always
        return UpdateCheck(course.id, image_id, None, available=False)
    own = registry is None
    registry = registry or RegistryClient()
    try:
        remote = registry.digest_of(ref)
        if image is None:
            return UpdateCheck(course.id, None, remote, available=False)
        local = _repo_digests(image, ref.name)
        if local:
            same = remote in local
        else:  # imported or built here: compare the image itself
            with translate_engine_errors(f"checking {course.display_name}"):
                platform = engine_platform(client)
            manifest = registry.manifest(ref, platform)
            same = image_id in (manifest.config_digest, manifest.manifest_digest, remote)
    except UpdateCheckFailed:
        raise
    except LauncherError as exc:
        if isinstance(exc, EngineUnavailable):  # the engine, not the registry: say so
            raise
        raise UpdateCheckFailed(
            f"Cannot check for updates of {course.display_name}: {exc.message}",
            "Nothing was changed: the installed version keeps working, also offline. "
            "Check that this computer is online, then try again.",
        ) from exc
    finally:
        if own:
            registry.close()
    return UpdateCheck(course.id, image_id, remote, available=not same)


def update_available(
    client: docker.DockerClient, course: Course, registry: RegistryClient | None = None
) -> bool | None:
    """True/False when the registry could be asked; None when it cannot be told
    (offline, registry down, or the image is not installed)."""
    try:
        check = check_for_update(client, course, registry)
    except UpdateCheckFailed as exc:
        log.info("no update check for %s: %s", course.id, exc.message)
        return None
    return check.available if check.installed else None


def update_course(
    launcher: LauncherContext,
    course_id: str,
    *,
    remove_old: bool = False,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> UpdateResult:
    """Install the newer image if there is one and bring the environment onto it."""
    course = launcher.course(course_id)
    client = launcher.engine.client
    progress("Checking for a newer version…")
    check = check_for_update(client, course)
    if check.installed and not check.available:
        return UpdateResult(course.id, False, check.installed_id, check.installed_id)
    status = launcher.status(course.id)
    launcher.install(course.id, progress, cancel)
    image = _installed(client, course)
    new_id = str(image.id) if image is not None else None
    if new_id == check.installed_id:
        return UpdateResult(course.id, False, check.installed_id, new_id)
    restarted = remade_later = False
    if status.state == EnvironmentState.RUNNING:
        folder = launcher.folder_for(course.id) or (Path(status.folder) if status.folder else None)
        launcher.start(course.id, folder, progress=progress, cancel=cancel)
        restarted = True
    elif status.state != EnvironmentState.ABSENT:
        remade_later = True
    removal = None
    if remove_old and check.installed_id is not None:
        removal = remove_image_version(client, check.installed_id, launcher.catalogue)
    return UpdateResult(
        course.id, True, check.installed_id, new_id, restarted, remade_later, removal
    )


def update_summary(result: UpdateResult, display_name: str, keep_advice: str = "") -> list[str]:
    """What an update did, in sentences for the student (the window and the CLI)."""
    if not result.updated:
        return [f"{display_name} is already the newest version."]
    if result.old_id is None:
        return [f"Installed {display_name} (it was not installed yet)."]
    lines = [f"Updated {display_name} to the newest version."]
    if result.restarted:
        lines.append(
            "It was running: it was made again on the new version and started. Your "
            "files, its addresses and its token are kept."
        )
    elif result.remade_at_next_start:
        lines.append(
            "It is stopped: the next start makes it again on the new version, keeping "
            "your files, addresses and token."
        )
    if result.old_image is None:
        lines.append(f"The old version is kept. {keep_advice}".strip())
    elif result.old_image.removed:
        lines.append(f"The old version was removed ({human_size(result.old_image.freed)}).")
    else:
        lines.append(f"The old version was kept: {result.old_image.reason}.")
    return lines
