"""What the course list needs from the engine and the registry (see course_lines).

Two sources, asked at different rates. Which images are installed is one engine
call, cheap enough for every refresh. Download sizes and updates need the
registry, so they are asked once in the background after Docker is found, and
simply stay unknown when this computer is offline.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import docker

from launcher.core.catalogue.list_lines import RegistryFacts
from launcher.core.catalogue.model import Catalogue, Course
from launcher.core.errors import EngineUnavailable, LauncherError
from launcher.core.images.install import engine_platform
from launcher.core.images.inventory import launcher_images
from launcher.core.images.manifest import Platform
from launcher.core.images.registry import RegistryClient
from launcher.core.images.update import check_for_update

log = logging.getLogger(__name__)


def installed_courses(client: docker.DockerClient, catalogue: Catalogue) -> frozenset[str]:
    """Ids of the courses whose image (the version the catalogue names) is here."""
    found: set[str] = set()
    for image in launcher_images(client, catalogue, with_containers=False):
        if not image.old_version:
            found.update(image.courses)
    return frozenset(found)


def _download_size(registry: RegistryClient, course: Course, platform: Platform) -> int | None:
    manifest = registry.manifest(course.image_ref, platform)
    sizes = manifest.layer_sizes
    return sum(sizes.values()) if sizes else None


def registry_facts(
    client: docker.DockerClient,
    courses: Iterable[Course],
    installed: frozenset[str],
) -> dict[str, RegistryFacts]:
    """Sizes of courses to download and updates of installed ones, course by course;
    a course whose registry cannot be reached is left out (nothing is known)."""
    platform = engine_platform(client)
    facts: dict[str, RegistryFacts] = {}
    with RegistryClient() as registry:
        for course in courses:
            try:
                if course.id in installed:
                    check = check_for_update(client, course, registry)
                    facts[course.id] = RegistryFacts(update_available=check.available)
                else:
                    size = _download_size(registry, course, platform)
                    facts[course.id] = RegistryFacts(download_size=size)
            except LauncherError as exc:
                if isinstance(exc, EngineUnavailable):  # the engine went away: stop asking
                    raise
                log.info("nothing known from the registry for %s: %s", course.id, exc.message)
    return facts
