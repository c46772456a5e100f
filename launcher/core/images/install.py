"""Download a course image with true byte progress, and a cancel that really cancels.

The engine's pull stream is read here (not through ``images.pull``) so that Cancel
can close the connection from another thread: the engine then stops the pull and
keeps the layers it finished, so the next install resumes from them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import docker
import docker.errors

from launcher.core.catalogue.model import Course
from launcher.core.engine.errors import translate_engine_errors
from launcher.core.engine.model import normalise_architecture
from launcher.core.engine.stream import closed_on_cancel
from launcher.core.errors import LauncherError
from launcher.core.images.manifest import Platform
from launcher.core.images.pull_errors import engine_pull_error
from launcher.core.images.pull_progress import PullAggregator, PullProgress
from launcher.core.images.registry import RegistryClient
from launcher.core.operation import CancelToken, Progress, no_progress

log = logging.getLogger(__name__)


def manifest_sizes(
    course: Course, platform: Platform
) -> tuple[Mapping[str, int] | None, tuple[str, ...]]:
    """Layer sizes from the registry, so the total is known before the first byte;
    (None, ()) when the registry cannot tell (the pull then reports a lower bound)."""
    try:
        with RegistryClient() as registry:
            manifest = registry.manifest(course.image_ref, platform)
    except LauncherError as exc:
        log.info("no layer sizes for %s: %s", course.image, exc.message)
        return None, ()
    return manifest.layer_sizes, (manifest.config_digest,)


def engine_platform(client: docker.DockerClient) -> Platform:
    """The platform images must be for: the engine's, not this computer's (Docker
    Desktop on a Mac runs linux/arm64 whatever the Python process is)."""
    version = client.version()
    return Platform(
        os=str(version.get("Os") or "linux"),
        architecture=normalise_architecture(str(version.get("Arch") or "amd64")),
    )


def pull_image(
    client: docker.DockerClient,
    course: Course,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    on_pulled: Callable[[str], None] | None = None,
) -> PullProgress:
    """Pull the course image; returns the final progress (bytes done == total).
    ``on_pulled`` is told the id the pull left under the course's name."""
    cancel = cancel or CancelToken()
    ref = course.image_ref
    aggregator = PullAggregator(None, image=course.image)
    progress(aggregator.snapshot())
    with translate_engine_errors(f"downloading {course.display_name}"):
        platform = engine_platform(client)
    known_sizes, ignore = manifest_sizes(course, platform)
    aggregator = PullAggregator(known_sizes, ignore=ignore, image=course.image)
    progress(aggregator.snapshot())
    cancel.check()
    api: Any = client.api
    with translate_engine_errors(f"downloading {course.display_name}"):
        response = api._post(
            api._url("/images/create"),
            params={"fromImage": ref.name, "tag": ref.digest or ref.tag},
            stream=True,
            timeout=None,
        )
        try:
            api._raise_for_status(response)
        except docker.errors.APIError as exc:
            response.close()
            raise engine_pull_error(str(exc.explanation or exc), course.image) from exc
        with closed_on_cancel(response, cancel):
            for event in api._stream_helper(response, decode=True):
                progress(aggregator.feed(event))
    cancel.check()
    if on_pulled is not None and (pulled := _image_id(client, course.image)) is not None:
        on_pulled(pulled)
    final = aggregator.finish()
    progress(final)
    return final


def _image_id(client: docker.DockerClient, ref: str) -> str | None:
    with translate_engine_errors("looking at the course images"):
        try:
            return str(client.images.get(ref).id)
        except docker.errors.ImageNotFound:
            return None
