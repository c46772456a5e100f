"""Export a course's environment to one file, and import it on a computer with no network.

:func:`export_course` streams ``docker save`` of the course image into a take-away
file (format: :mod:`launcher.core.archive.format`) next to the target, under a hidden
temporary name (``.NAME.PID.RANDOM.partial``), and renames it into place only when
complete: an export that fails, is cancelled or killed never leaves a file under the
final name, and the next export to that folder removes the partial files of exports
whose process is gone (:func:`launcher.core.local.files.sweep_stale_temporaries`).

:func:`import_course` checks the file's parts and what its image would be named
(:mod:`launcher.core.archive.image_tar`: a truncated, foreign or forged file naming
other images is refused before the engine sees a byte), refuses to replace the image
of a course from another catalogue source unless asked to, then streams the image
member to ``docker load`` straight from the same open file, hashed on the way
(:mod:`launcher.core.archive.loading`), and adds the course to the launcher's
catalogue sources (``<data>/imported/<id>.toml``) when no catalogue offers it yet.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors

from launcher import __version__
from launcher.core.archive.folder_tar import check_folder_target
from launcher.core.archive.format import (
    CATALOGUE,
    CHUNK,
    IMAGE,
    MANIFEST,
    ArchivePhase,
    ArchiveProgress,
    ArchiveWriter,
    manifest_bytes,
)
from launcher.core.archive.image_tar import check_image_names, names_the_course
from launcher.core.archive.loading import current_image, load_export
from launcher.core.archive.reader import ExportFile, open_export_file, read_export
from launcher.core.archive.work import WorkPlan, restore_work, write_work
from launcher.core.catalogue.model import Course
from launcher.core.catalogue.writer import course_to_toml
from launcher.core.context import LauncherContext
from launcher.core.engine.errors import translate_engine_errors
from launcher.core.engine.stream import closed_on_cancel
from launcher.core.errors import (
    ArchiveError,
    DiskFull,
    ImageNotFound,
    ImageWouldBeReplaced,
    UsageError,
)
from launcher.core.local.destinations import check_can_write_file
from launcher.core.local.files import (
    sweep_stale_scratch_folders,
    sweep_stale_temporaries,
    temporary_prefix,
    write_text_atomic,
)
from launcher.core.operation import CancelToken, Progress, no_progress
from launcher.core.text import human_size

_TAR_END = bytes(1024)  # a tar stream ends with two zero blocks
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    size: int  # of the whole file
    image_id: str


@dataclass(frozen=True)
class ImportResult:
    course: Course
    image_id: str
    catalogue_file: Path | None  # written when the course was new to this launcher
    notices: tuple[str, ...] = ()
    folder: Path | None = None  # where the file's folder was restored


# --- export --------------------------------------------------------------------


def _no_space(folder: Path, needed: int, free: int | None = None) -> DiskFull:
    free_text = f", and {human_size(free)} is free" if free is not None else ""
    return DiskFull(
        f"There is not enough free space in {folder} for the file: it needs about "
        f"{human_size(needed)}{free_text}.",
        "Choose another folder or disk (a USB stick with enough space), or free some space, "
        "then export again.",
        needed_bytes=needed - free if free is not None else needed,
    )


def _check_target(target: Path, overwrite: bool) -> None:
    if target.is_dir():
        raise UsageError(f"{target} is a folder.", "Give the name of the file to write in it.")
    if not target.parent.is_dir():
        raise UsageError(
            f"The folder {target.parent} does not exist.", "Choose an existing folder."
        )
    if target.exists() and not overwrite:
        raise UsageError(
            f"The file {target} already exists.", "Choose another name, or replace it (--force)."
        )


def _saved_image(client: docker.DockerClient, ref: str, cancel: CancelToken) -> Iterator[bytes]:
    """The ``docker save`` stream of ``ref``; closed at once when cancelled."""
    api: Any = client.api
    response = api._get(api._url("/images/{0}/get", ref), stream=True, timeout=None)
    try:
        api._raise_for_status(response)
    except docker.errors.APIError as exc:
        response.close()
        raise ArchiveError(
            f"Docker could not export the image {ref}: {exc.explanation or exc}."
        ) from exc
    tail = b""
    with closed_on_cancel(response, cancel):
        for chunk in response.iter_content(CHUNK):
            cancel.check()
            tail = (tail + chunk)[-len(_TAR_END) :]
            yield chunk
    cancel.check()
    if tail != _TAR_END:  # the engine reports a failure mid-stream inside the data
        reason = tail.decode("utf-8", "replace").strip()[-200:]
        raise ArchiveError(f"Docker stopped exporting the image {ref} part-way: {reason}")


def export_course(
    client: docker.DockerClient,
    course: Course,
    target: Path,
    *,
    overwrite: bool = False,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    work: WorkPlan | None = None,
) -> ExportResult:
    """Write the course's installed image and catalogue entry to ``target``; with
    ``work``, the databases and the student's folder too (format version 2)."""
    cancel = cancel or CancelToken()
    target = target.expanduser().absolute()
    check_can_write_file(target, "The export")
    _check_target(target, overwrite)
    with translate_engine_errors(f"exporting {course.display_name}"):
        try:
            image = client.images.get(course.image)
        except docker.errors.ImageNotFound:
            raise ImageNotFound(
                f"{course.display_name} is not installed on this computer, so there is "
                "nothing to export.",
                f"Install it first (course-launcher install {course.id}), then export.",
            ) from None
    estimate = int(image.attrs.get("Size") or 0)
    free = shutil.disk_usage(target.parent).free
    if free < estimate:
        raise _no_space(target.parent, estimate, free)
    comment = (
        f"{course.display_name}: exported by Course Launcher {__version__}\n"
        f"from the catalogue {course.source or '(unknown)'}."
    )
    catalogue = course_to_toml(course, comment).encode("utf-8")
    manifest = manifest_bytes(
        course, str(image.id), __version__,
        databases=work.databases if work else (), folder=work is not None,
    )  # fmt: skip

    def report(done: int) -> None:
        progress(ArchiveProgress(ArchivePhase.EXPORTING, done, estimate, total_is_estimate=True))

    report(0)
    # An export killed mid-way (power cut, SIGKILL) leaves its .partial file behind;
    # the next export to this folder removes those of processes that are gone.
    for stale in sweep_stale_temporaries(target.parent, target.name, suffix="partial"):
        log.info("Removed %s, left by an export that did not finish", stale)
    for stale in sweep_stale_scratch_folders(target.parent, target.name):
        log.info("Removed the folder %s, left by an export that did not finish", stale)
    fd, tmp_name = tempfile.mkstemp(
        prefix=temporary_prefix(target.name), suffix=".partial", dir=target.parent
    )
    tmp = Path(tmp_name)
    try:
        # The databases are dumped next to the file (where the room is), and only when
        # the work is carried: a plain export leaves nothing else behind if killed.
        scratch_folder = (
            tempfile.TemporaryDirectory(
                prefix=temporary_prefix(target.name), suffix=".work", dir=target.parent
            )
            if work is not None
            else contextlib.nullcontext("")
        )
        with os.fdopen(fd, "w+b") as out, scratch_folder as scratch:
            writer = ArchiveWriter(out)
            writer.add_bytes(MANIFEST, manifest)
            writer.add_bytes(CATALOGUE, catalogue)
            with translate_engine_errors(f"exporting {course.display_name}"):
                writer.add_stream(IMAGE, _saved_image(client, course.image, cancel), report)
                if work is not None:
                    write_work(client, course, work, writer, Path(scratch), progress, cancel)
            writer.finish()
            out.flush()
            os.fsync(out.fileno())
            size = out.tell()
        tmp.chmod(0o644)
        tmp.replace(target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _no_space(target.parent, estimate) from exc
        raise
    progress(ArchiveProgress(ArchivePhase.DONE, size, size))
    return ExportResult(target, size, str(image.id))


# --- import --------------------------------------------------------------------


def register_course(launcher: LauncherContext, export: ExportFile) -> tuple[Path | None, list[str]]:
    """Make the imported course known: saved as a local catalogue source unless a
    catalogue (other than an earlier import) already offers it."""
    course = export.course
    target = launcher.paths.data / "imported" / f"{course.id}.toml"
    if course.id in launcher.catalogue and launcher.course(course.id).source != str(target):
        known = launcher.course(course.id)
        if known.image == course.image:
            return None, []
        return None, [
            f"Your catalogue's {known.display_name} uses the image {known.image}, but the file "
            f"holds {course.image}. The catalogue's version is what Start uses (and downloads "
            "if needed); ask your tutor which one is right."
        ]
    with contextlib.suppress(OSError):
        if course.id in launcher.catalogue and target.read_text("utf-8") == export.catalogue_text:
            return None, []  # imported before, the same entry
    write_text_atomic(target, export.catalogue_text, mode=0o644)
    launcher.add_catalogue(str(target))
    return target, []


def _replaced_course(launcher: LauncherContext, export: ExportFile) -> Course | None:
    """A course of another catalogue source whose image the file would replace."""
    ref = export.course.image_ref
    present = current_image(launcher.engine.client, ref)
    if present is None or present == export.image_id:
        return None  # nothing is replaced: not installed yet, or the very same image
    own = str(launcher.paths.data / "imported" / f"{export.course.id}.toml")
    for course in launcher.catalogue:
        if course.source != own and names_the_course(str(course.image_ref), ref):
            return course
    return None


def import_course(
    launcher: LauncherContext,
    path: Path,
    *,
    replace: bool = False,
    folder: Path | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ImportResult:
    """Check ``path``, load its image, and register its course when it is new. The file is
    read through one handle, and its image once, as it streams to the engine. A file with
    the student's work restores it: the folder into ``folder`` (new or empty), then the
    databases, with the course started on that folder."""
    cancel = cancel or CancelToken()
    client = launcher.engine.client  # no engine: say so before a long check
    path = path.expanduser().absolute()
    with open_export_file(path) as handle:
        export = read_export(path, handle, hash_image=False, progress=progress, cancel=cancel)
        if export.work:
            folder = _work_folder(export, folder)
        checked = check_image_names(
            path, handle, export.image_offset, export.image_size, export.image, export.image_id
        )
        known = None if replace else _replaced_course(launcher, export)
        if known is not None:
            raise ImageWouldBeReplaced(
                f"The file {path} holds another image {export.image} than the one installed "
                f"for {known.display_name}, which comes from {known.source or 'the catalogue'}. "
                "Importing it would replace that image.",
                "Nothing was changed. If the file is the one to trust (your tutor sent it), "
                f"import it with: course-launcher import {path} --replace",
            )
        image_id = load_export(client, export, handle, checked, progress=progress, cancel=cancel)
        launcher.pulled_images.add(image_id)
        catalogue_file, notices = register_course(launcher, export)
        if export.work and folder is not None:
            notices += restore_work(launcher, export, handle, folder, progress, cancel)
    progress(ArchiveProgress(ArchivePhase.DONE, export.image_size, export.image_size))
    return ImportResult(
        export.course, image_id, catalogue_file, tuple(notices),
        folder=folder if export.work else None,
    )  # fmt: skip


def _work_folder(export: ExportFile, folder: Path | None) -> Path:
    """Where the file's folder goes: given, and new or empty (checked before loading)."""
    if folder is None:
        raise UsageError(
            f"The file {export.path} also holds your course folder and databases.",
            "Say where your folder should be restored: a new or empty folder "
            f"(course-launcher import {export.path} --folder DIR).",
        )
    folder = folder.expanduser().absolute()
    check_folder_target(folder)
    return folder
