"""Load a take-away file's image into the engine so that it names exactly one image.

Before: :func:`~launcher.core.archive.image_tar.check_image_names` has read the inner
archive's names in place. During: :class:`~launcher.core.archive.load_stream.CheckedImageStream`
sends the bytes once, hashed and compared. After: the engine is asked what it did. The
course's reference must name the image the file declares, and no other name on the
engine may have moved or appeared. Anything else is undone (names put back, an image
that was not there before removed) and the import is refused.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, BinaryIO

import docker
import docker.errors

from launcher.core.archive.format import ArchivePhase, ArchiveProgress
from launcher.core.archive.image_tar import CheckedRanges, names_the_course
from launcher.core.archive.load_stream import CheckedImageStream, UploadBody
from launcher.core.archive.reader import ExportFile
from launcher.core.engine.errors import translate_engine_errors
from launcher.core.errors import ArchiveError, DiskFull
from launcher.core.images.reference import ImageReference
from launcher.core.operation import CancelToken, Progress
from launcher.core.text import human_size

log = logging.getLogger(__name__)


def _load_error(export: ExportFile, message: str) -> Exception:
    text = message.lower()
    if "no space left on device" in text or "disk quota exceeded" in text:
        return DiskFull(
            "There is not enough free disk space for Docker to load the course image: it "
            f"needs at least {human_size(export.image_size)}.",
            "Free some space (remove course images you no longer use: course-launcher "
            "images --prune), then import again.",
            needed_bytes=export.image_size,
        )
    return ArchiveError(
        f"Docker could not load the course image from {export.path}: {message.strip()[:300]}",
        "Nothing was changed. Try again; if it fails again, ask for a new file.",
    )


def _refused(export: ExportFile, what: str) -> ArchiveError:
    return ArchiveError(
        f"The file {export.path} cannot be imported: {what}.",
        "Nothing was changed. Ask for a file made with the launcher's Export from the "
        "course's own image.",
    )


def engine_names(client: docker.DockerClient) -> tuple[dict[str, str], set[str]]:
    """Every image name on the engine and the id it names; and every image id."""
    names: dict[str, str] = {}
    ids: set[str] = set()
    for image in client.images.list(all=True):
        ids.add(str(image.id))
        for tag in image.tags:
            names[tag] = str(image.id)
    return names, ids


def _split(tag: str) -> tuple[str, str]:
    repository, _, name = tag.rpartition(":")
    return repository, name


def _loaded(now_ids: set[str], before_ids: set[str], declared: str) -> set[str]:
    """The images a load can have named: those new since, and the one the file declares
    (names the student moved meanwhile, with ``docker pull`` say, are not touched)."""
    return (now_ids - before_ids) | ({declared} if declared else set())


def undo_load(
    client: docker.DockerClient, before: tuple[dict[str, str], set[str]], declared: str
) -> None:  # fmt: skip
    """Put every name the load moved back where it pointed, and remove images it added."""
    names, ids = before
    api: Any = client.api
    now_names, now_ids = engine_names(client)
    loaded = _loaded(now_ids, ids, declared)
    for tag, image_id in now_names.items():
        if names.get(tag) == image_id or image_id not in loaded:
            continue
        with contextlib.suppress(docker.errors.APIError):
            if tag in names:
                api.tag(names[tag], *_split(tag), force=True)
            else:
                api.remove_image(tag)
    for image_id in now_ids - ids:
        with contextlib.suppress(docker.errors.APIError):
            api.remove_image(image_id, force=True)


def _stream_to_engine(
    client: docker.DockerClient, export: ExportFile, body: CheckedImageStream
) -> None:
    api: Any = client.api
    response = api._post(
        api._url("/images/load"),
        data=UploadBody(body),
        params={"quiet": "1"},
        stream=True,
        timeout=None,
    )
    try:
        api._raise_for_status(response)
        for event in api._stream_helper(response, decode=True):
            error = event.get("errorDetail", {}).get("message") or event.get("error")
            if error:
                raise _load_error(export, str(error))
    except docker.errors.APIError as exc:
        raise _load_error(export, str(exc.explanation or exc)) from exc
    finally:
        response.close()


def _check_result(
    client: docker.DockerClient, export: ExportFile, before: tuple[dict[str, str], set[str]]
) -> str:
    """The loaded image's id, once the engine shows that only the course's name changed."""
    ref = export.course.image_ref
    names, ids = engine_names(client)
    loaded = _loaded(ids, before[1], export.image_id)
    image_id = names.get(ref.familiar) or names.get(str(ref))
    if image_id is None and export.image_id and ref.tag:  # saved by digest: no name came
        with contextlib.suppress(docker.errors.APIError):
            client.images.get(export.image_id).tag(ref.name, ref.tag)
            image_id = export.image_id
    moved = sorted(
        tag
        for tag, now in names.items()
        if before[0].get(tag) != now and now in loaded and not names_the_course(tag, ref)
    )
    if moved:
        raise _refused(export, f"loading it also renamed {', '.join(moved[:5])}")
    if image_id is None:
        raise ArchiveError(
            f"Docker loaded {export.path}, but the course image {export.image} is not there.",
            "Try again; if it fails again, ask for a new file.",
        )
    if export.image_id and image_id != export.image_id:
        raise _refused(export, "the image Docker loaded is not the one the file names")
    return image_id


def load_export(
    client: docker.DockerClient,
    export: ExportFile,
    handle: BinaryIO,
    checked: CheckedRanges,
    *,
    progress: Progress,
    cancel: CancelToken,
) -> str:
    """Stream the checked image member from ``handle`` to the engine; returns its id."""

    def report(done: int) -> None:
        progress(ArchiveProgress(ArchivePhase.LOADING, done, export.image_size))

    with translate_engine_errors(f"importing {export.course.display_name}"):
        before = engine_names(client)
        body = CheckedImageStream(
            export.path, handle, export.image_offset, export.image_size,
            export.image_sha256, checked, report, cancel,
        )  # fmt: skip
        try:
            _stream_to_engine(client, export, body)
            if not body.complete:
                raise _refused(export, "Docker stopped reading it before its end")
            return _check_result(client, export, before)
        except BaseException:
            try:
                undo_load(client, before, export.image_id)
            except Exception:  # the engine went away: the original error says more
                log.warning("Could not undo a refused image load", exc_info=True)
            raise


def current_image(client: docker.DockerClient, ref: ImageReference) -> str | None:
    with translate_engine_errors("looking at the course images"):
        try:
            return str(client.images.get(str(ref)).id)
        except docker.errors.ImageNotFound:
            return None
