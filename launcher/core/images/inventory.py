"""The course images on this computer: which the launcher uses, their sizes, which are unused.

A *launcher image* is an image in the engine named by a course of the catalogue (its
tag, or its digest for a pinned course), or an older version of one: an image left
with no tag at all whose repo digest is in a course's repository (what an update
leaves behind). Images with any other name are not the launcher's and are never
removed, nor is a launcher image that also carries another name, nor one the launcher
did not download or import itself (:mod:`launcher.core.images.pulled`): a catalogue
chooses the names, so a name alone does not make an image the launcher's to remove. Removal never
forces: an image some container uses (the launcher's or not) is kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Set
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import docker
import docker.errors

from launcher.core.catalogue.model import Catalogue
from launcher.core.engine import labels
from launcher.core.engine.errors import translate_engine_errors
from launcher.core.errors import DiskFull, ImageReferenceError
from launcher.core.images.pull_errors import PRUNE_COMMAND
from launcher.core.images.reference import ImageReference
from launcher.core.text import human_size

_NONE = ("<none>:<none>", "<none>@<none>")


@dataclass(frozen=True)
class LauncherImage:
    id: str
    names: tuple[str, ...]  # the launcher's names for it (tags, or repo digests)
    courses: tuple[str, ...]  # ids of the courses that use it now
    size: int  # bytes, layers shared with other images included
    created: str
    used_by: tuple[str, ...]  # names of the containers made from it (any state)
    used_by_launcher: bool  # one of them is the launcher's
    old_version: bool  # no course uses it any more: left behind by an update
    other_names: tuple[str, ...] = ()  # names that are not the launcher's: kept
    repo_digests: tuple[str, ...] = ()  # its digests in course repositories (removed too)

    @property
    def unused(self) -> bool:
        return not self.used_by

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "unused": self.unused}


@dataclass(frozen=True)
class RemovalResult:
    image_id: str
    removed: bool  # the image is gone from the engine
    freed: int  # bytes (its size; layers shared with other images stay)
    reason: str = ""  # why it was kept, for a person

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EngineDiskUsage:
    images_bytes: int  # all image layers in the engine, shared layers counted once
    image_count: int
    volumes_bytes: int | None


def _parse(text: str) -> ImageReference | None:
    try:
        return ImageReference.parse(text)
    except ImageReferenceError:
        return None


def _containers(client: docker.DockerClient) -> dict[str, list[tuple[str, bool]]]:
    """Image id -> (container name, made by the launcher) for every container."""
    found: dict[str, list[tuple[str, bool]]] = {}
    for row in client.api.containers(all=True):
        name = str((row.get("Names") or ["?"])[0]).lstrip("/")
        ours = (row.get("Labels") or {}).get(labels.MANAGED) == "1"
        found.setdefault(str(row.get("ImageID") or ""), []).append((name, ours))
    return found


def _course_names(catalogue: Catalogue) -> dict[tuple[str, str], list[str]]:
    """(repository, tag or digest) -> ids of the courses whose image it names."""
    table: dict[tuple[str, str], list[str]] = {}
    for course in catalogue:
        ref = course.image_ref
        table.setdefault((ref.name, ref.digest or ref.tag or "latest"), []).append(course.id)
    return table


def _classify(
    attrs: dict[str, Any], catalogue: Catalogue, used: dict[str, list[tuple[str, bool]]]
) -> LauncherImage | None:
    wanted = _course_names(catalogue)
    repositories = {course.image_ref.name for course in catalogue}
    names: list[str] = []  # the courses' names for it
    recorded: list[str] = []  # its digests in course repositories
    others: list[str] = []
    courses: list[str] = []
    tags = [t for t in attrs.get("RepoTags") or [] if t not in _NONE]
    digests = [d for d in attrs.get("RepoDigests") or [] if d not in _NONE]
    for text in tags + digests:
        ref = _parse(text)
        key = (ref.name, ref.digest or ref.tag or "latest") if ref is not None else None
        if key is not None and key in wanted:
            names.append(text)
            courses += wanted[key]
        elif ref is not None and ref.digest and ref.name in repositories:
            recorded.append(text)
        else:
            others.append(text)
    old = not courses and not tags and bool(recorded)
    if not courses and not old:
        return None
    if old:
        names, recorded = recorded, []
    image_id = str(attrs.get("Id"))
    containers = used.get(image_id, [])
    created = attrs.get("Created")
    return LauncherImage(
        id=image_id,
        names=tuple(names),
        courses=tuple(dict.fromkeys(courses)),
        size=int(attrs.get("Size") or 0),
        created=(
            datetime.fromtimestamp(created, UTC).isoformat()
            if isinstance(created, int)
            else str(created or "")
        ),
        used_by=tuple(name for name, _ in containers),
        used_by_launcher=any(ours for _, ours in containers),
        old_version=old,
        other_names=tuple(others),
        repo_digests=tuple(recorded),
    )


def launcher_images(
    client: docker.DockerClient, catalogue: Catalogue, *, with_containers: bool = True
) -> list[LauncherImage]:
    """The launcher's images in the engine, current ones first, then by name (without
    containers: one engine call, and ``used_by`` is left empty)."""
    with translate_engine_errors("listing the course images"):
        used = _containers(client) if with_containers else {}
        found = [
            image
            for attrs in client.api.images()
            if (image := _classify(attrs, catalogue, used)) is not None
        ]
    return sorted(found, key=lambda i: (i.old_version, i.names))


def _remove(client: docker.DockerClient, image: LauncherImage) -> RemovalResult:
    if image.used_by:
        return RemovalResult(image.id, False, 0, f"used by {', '.join(image.used_by)}")
    if image.other_names:
        return RemovalResult(image.id, False, 0, f"also named {', '.join(image.other_names)}")
    try:
        for name in (*image.names, *image.repo_digests):
            with contextlib.suppress(docker.errors.ImageNotFound):
                client.images.remove(name)
        with contextlib.suppress(docker.errors.ImageNotFound):
            client.images.remove(image.id)  # usually gone with its last name already
    except docker.errors.APIError as exc:
        return RemovalResult(image.id, False, 0, str(exc.explanation or exc))
    return RemovalResult(image.id, True, image.size)


def remove_image_version(
    client: docker.DockerClient, image_id: str, catalogue: Catalogue
) -> RemovalResult:
    """Remove one launcher image (e.g. the version an update replaced) if nothing uses it."""
    with translate_engine_errors("removing a course image"):
        for image in launcher_images(client, catalogue):
            if image.id == image_id:
                return _remove(client, image)
        try:
            client.images.get(image_id)
        except docker.errors.ImageNotFound:
            return RemovalResult(image_id, False, 0, "it is not on this computer")
    return RemovalResult(image_id, False, 0, "it has names that are not the launcher's: kept")


def prune_images(
    client: docker.DockerClient,
    catalogue: Catalogue,
    images: Iterable[LauncherImage] | None = None,
    *,
    pulled: Set[str],
) -> list[RemovalResult]:
    """Remove every unused launcher image that has no other names and that the launcher
    itself downloaded or imported (``pulled``: a catalogue's name alone is not enough)."""
    chosen = launcher_images(client, catalogue) if images is None else list(images)
    with translate_engine_errors("removing unused course images"):
        return [
            _remove(client, image)
            if image.id in pulled
            else RemovalResult(image.id, False, 0, "the launcher did not download it")
            for image in chosen
            if image.unused
        ]


def engine_disk_usage(client: docker.DockerClient) -> EngineDiskUsage | None:
    """What the engine's images (and volumes) take on disk; None if it will not say."""
    try:
        with translate_engine_errors("reading Docker's disk usage"):
            data = client.df()
    except (docker.errors.APIError, docker.errors.DockerException):
        return None
    volumes = [int((v.get("UsageData") or {}).get("Size", -1)) for v in data.get("Volumes") or []]
    return EngineDiskUsage(
        images_bytes=int(data.get("LayersSize") or 0),
        image_count=len(data.get("Images") or []),
        volumes_bytes=sum(v for v in volumes if v >= 0) if volumes else 0,
    )


PRUNE_ADVICE = f"Remove the course images you no longer use with: {PRUNE_COMMAND}"


def with_prune_advice(client: docker.DockerClient, catalogue: Catalogue, exc: DiskFull) -> DiskFull:
    """The same error, with what removing unused course images would free: told in the
    window and on the command line alike."""
    try:
        unused = [image for image in launcher_images(client, catalogue) if image.unused]
    except Exception:  # the advice is a bonus; the disk message is what matters
        return exc
    if not unused:
        return exc
    total = human_size(sum(i.size for i in unused))
    advice = "" if PRUNE_COMMAND in exc.hint else f" {PRUNE_ADVICE}"
    hint = f"{exc.hint} Unused course images take up to {total}.{advice}".strip()
    return DiskFull(exc.message, hint, exc.needed_bytes)
