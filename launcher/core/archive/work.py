"""The student's work in a take-away file (``export --with-work``): the course's
databases, saved with the backups its catalogue declares, and the student's folder.

Export: :func:`plan_work` says what will be carried and how large it is before
anything starts; :func:`write_work` dumps the databases (the course must be running)
and adds them and the folder to the file. Import: :func:`restore_work` puts the folder
into a new one the student chose (:mod:`launcher.core.archive.folder_tar`), starts the
course with it, and feeds each database backup, checked against ``SHA256SUMS`` as it
is copied out of the file, to the catalogue's ``restore`` command.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import docker

from launcher.core.archive.folder_tar import (
    FolderSize,
    measure_folder,
    restore_folder,
    write_folder_tar,
)
from launcher.core.archive.format import (
    CHUNK,
    FOLDER,
    ArchiveWriter,
    database_member,
)
from launcher.core.archive.reader import ExportFile, WorkPart
from launcher.core.catalogue.model import Course
from launcher.core.engine.errors import translate_engine_errors
from launcher.core.environments.backups import backup_databases, restore_database
from launcher.core.environments.state import EnvironmentState
from launcher.core.errors import ArchiveError, BackupFailed, WorkspaceError
from launcher.core.local.settings import with_course
from launcher.core.operation import CancelToken, Progress
from launcher.core.text import human_size

if TYPE_CHECKING:
    from launcher.core.context import LauncherContext


@dataclass(frozen=True)
class WorkPlan:
    """What ``export --with-work`` carries besides the image."""

    folder: Path
    folder_size: FolderSize
    databases: tuple[str, ...]
    image_size: int  # bytes, as the engine counts the installed image

    def describe(self) -> str:
        lines = [
            f"The file will carry the course image (about {human_size(self.image_size)}),",
            f"your folder {self.folder} ({self.folder_size.files} files, "
            f"{human_size(self.folder_size.size)})",
        ]
        if self.databases:
            lines.append(f"and the databases {', '.join(self.databases)} (saved first).")
        if self.folder_size.skipped:
            lines.append(
                f"Links and other non-files are left out: {', '.join(self.folder_size.skipped[:5])}"
            )
        return "\n".join(lines)


def plan_work(launcher: LauncherContext, course: Course) -> WorkPlan:
    folder = launcher.folder_for(course.id)
    if folder is None or not folder.is_dir() or folder.is_symlink():
        raise WorkspaceError(
            f"{course.display_name} has no course folder on this computer yet, so there is "
            "no work to take.",
            f"Start it once with your folder (course-launcher start {course.id} --folder DIR), "
            "or export without --with-work.",
        )
    if course.backups and launcher.status(course.id).state != EnvironmentState.RUNNING:
        raise BackupFailed(
            f"{course.display_name} is not running, so its databases cannot be saved.",
            f"Start it first (course-launcher start {course.id}), then export again.",
        )
    with translate_engine_errors(f"looking at the image of {course.display_name}"):
        image = launcher.engine.client.images.get(course.image)
    size = int(image.attrs.get("Size") or 0)
    return WorkPlan(folder, measure_folder(folder), tuple(s.name for s in course.backups), size)


def write_work(
    client: docker.DockerClient, course: Course, plan: WorkPlan, writer: ArchiveWriter,
    scratch: Path, progress: Progress, cancel: CancelToken,
) -> None:  # fmt: skip
    """Add the databases (dumped into ``scratch`` first) and the folder to the file."""
    # A course without databases carries only its folder (a backup of none is refused).
    saved = (
        backup_databases(client, course, scratch, progress=progress, cancel=cancel)
        if course.backups
        else []
    )
    for backup in saved:
        with backup.path.open("rb") as source:
            writer.add_file(database_member(backup.name), source, lambda _done: None)
    progress(f"Adding your folder {plan.folder}…")
    with writer.member_sink(FOLDER) as sink:
        write_folder_tar(plan.folder, sink, cancel)  # type: ignore[arg-type]


def _copy_checked(export: ExportFile, handle: BinaryIO, part: WorkPart, out: BinaryIO) -> None:
    handle.seek(part.offset)
    digest, left = hashlib.sha256(), part.size
    while left:
        chunk = handle.read(min(CHUNK, left))
        if not chunk:
            raise EOFError
        digest.update(chunk)
        out.write(chunk)
        left -= len(chunk)
    if digest.hexdigest() != part.sha256:
        raise ArchiveError(
            f"The file {export.path} cannot be imported: the checksum of its part "
            f"{part.name} does not match.",
            "Your folder was restored; the databases were not. Copy the file again, or ask "
            "for a new one.",
        )


def restore_work(
    launcher: LauncherContext, export: ExportFile, handle: BinaryIO, folder: Path,
    progress: Progress, cancel: CancelToken,
) -> tuple[str, ...]:  # fmt: skip
    """Restore the folder into ``folder`` and, with the course started on it, the
    databases; returns what the student should be told."""
    notices: list[str] = []
    part = export.folder
    if part is not None:
        progress(f"Restoring your folder into {folder}…")
        restore_folder(export.path, handle, (part.offset, part.size, part.sha256), folder, cancel)
    course = launcher.course(export.course.id)
    if not export.databases:  # nothing to start it for: the next start uses the folder
        launcher.update_settings(lambda s: with_course(s, course.id, folder=folder))
        return (f"Your folder was restored into {folder}; {course.display_name} uses it.",)
    specs = {spec.name: spec for spec in course.backups}
    progress(f"Starting {course.display_name} to restore its databases…")
    launcher.start(course.id, folder, progress=progress, cancel=cancel)
    with tempfile.TemporaryDirectory(prefix=".import-", dir=launcher.paths.data) as scratch:
        for database in export.databases:
            spec = specs.get(database.database)
            if spec is None:
                notices.append(
                    f"The file holds the database {database.database}, which "
                    f"{course.display_name} in your catalogue does not have; it was left out."
                )
                continue
            copy = Path(scratch) / f"{database.database}.backup"
            fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                _copy_checked(export, handle, database, out)
            restore_database(launcher.engine.client, course, copy, spec=spec, progress=progress)
    notices.append(f"{course.display_name} is running with your restored work.")
    return tuple(notices)
