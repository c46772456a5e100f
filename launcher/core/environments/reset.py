"""Reset and repair: make a broken environment new again without losing work.

The student's folder is never touched. Databases (named volumes) are kept unless
asked for; when they are to be made new, a backup is written first, and if that
backup fails nothing is changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from launcher.core.context import LauncherContext
from launcher.core.engine.errors import translate_engine_errors
from launcher.core.environments.backup_files import BackupFile, backups_folder
from launcher.core.environments.backups import backup_databases
from launcher.core.environments.containers import remove_environment
from launcher.core.environments.start import StartResult
from launcher.core.environments.state import EnvironmentState
from launcher.core.errors import BackupFailed, WorkspaceError
from launcher.core.operation import CancelToken, Progress, no_progress


@dataclass(frozen=True)
class ResetResult:
    started: StartResult
    backups: tuple[BackupFile, ...] = ()


def reset_environment(
    launcher: LauncherContext,
    course_id: str,
    *,
    databases: bool = False,
    backup: bool = True,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ResetResult:
    course = launcher.course(course_id)
    folder = launcher.folder_for(course_id)
    if folder is None:
        raise WorkspaceError(
            f"{course.display_name} has not been started on this computer yet.",
            "There is nothing to reset: press Start.",
        )
    made: tuple[BackupFile, ...] = ()
    if databases and course.volumes and backup:
        if not course.backups:
            raise BackupFailed(
                f"{course.display_name} has no backup recipe, so its databases cannot be "
                "saved before they are made new.",
                "Nothing was changed. To reset the databases anyway, add --no-backup.",
            )
        if launcher.status(course_id).state != EnvironmentState.RUNNING:
            progress("Starting the environment to back up its databases…")
            launcher.start(course_id, progress=progress, cancel=cancel)
        made = tuple(
            backup_databases(
                launcher.engine.client, course, backups_folder(Path(folder)),
                progress=progress, cancel=cancel,
            )
        )  # fmt: skip
    progress("Removing the old environment (your files are kept)…")
    remove_environment(launcher.engine.client, course, volumes=databases)
    started = launcher.start(course_id, progress=progress, cancel=cancel)
    return ResetResult(started=started, backups=made)


def repair_environment(
    launcher: LauncherContext,
    course_id: str,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ResetResult:
    """Download the image again (for a damaged one), then reset, keeping the databases."""
    course = launcher.course(course_id)
    progress("Removing the old environment (your files are kept)…")
    remove_environment(launcher.engine.client, course)
    with translate_engine_errors(f"removing the image of {course.display_name}"):
        for image in launcher.engine.client.images.list(name=course.image):
            launcher.engine.client.images.remove(image.id, force=True)
    launcher.install(course_id, progress, cancel)
    return ResetResult(started=launcher.start(course_id, progress=progress, cancel=cancel))
