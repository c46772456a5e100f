"""The facade's verbs for take-away files: export a course's environment to one
file, import one (no download). :class:`launcher.core.launcher.Launcher` inherits them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from launcher.core.context import LauncherContext
from launcher.core.errors import DiskFull
from launcher.core.operation import CancelToken, Progress, no_progress

# Annotations only: the archive code (and the Docker SDK) load when a verb runs.
if TYPE_CHECKING:
    from launcher.core.archive.transfer import ExportResult, ImportResult
    from launcher.core.archive.work import WorkPlan


class ArchiveOperations:
    def export(
        self: LauncherContext,
        course_id: str,
        target: Path,
        *,
        overwrite: bool = False,
        work: WorkPlan | None = None,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> ExportResult:
        """Write the course's environment to ``target`` (in a folder: ``COURSE`` + suffix);
        with ``work`` (from :meth:`work_plan`), the databases and the folder too."""
        from launcher.core.archive.transfer import export_course

        course = self.course(course_id)
        target = ArchiveOperations.export_target(self, course_id, target)
        return export_course(
            self.engine.client, course, target, overwrite=overwrite, progress=progress,
            cancel=cancel, work=work,
        )  # fmt: skip

    def work_plan(self: LauncherContext, course_id: str) -> WorkPlan:
        """What ``export --with-work`` would carry (folder, databases, sizes), to say
        before anything starts; the course must be running when it has databases."""
        from launcher.core.archive.work import plan_work

        return plan_work(self, self.course(course_id))

    def export_target(self: LauncherContext, course_id: str, target: Path) -> Path:
        """The file an export to ``target`` writes, checked writable before any work (and
        before Docker is even asked)."""
        from launcher.core.archive.format import SUFFIX
        from launcher.core.local.destinations import check_can_write_file

        target = target.expanduser()
        if target.is_dir():
            target = target / f"{self.course(course_id).id}{SUFFIX}"
        check_can_write_file(target, "The export")
        return target

    def archive_carries_work(self: LauncherContext, path: Path) -> bool:
        """Whether a take-away file says it carries the student's work (only to ask for a
        folder first: the import checks everything)."""
        from launcher.core.archive.reader import declares_work

        return declares_work(path)

    def import_archive(
        self: LauncherContext,
        path: Path,
        *,
        replace: bool = False,
        folder: Path | None = None,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> ImportResult:
        """Install a course's environment from an exported file; its course is added.
        ``replace``: the file may replace the image of a course from another catalogue;
        ``folder``: a new or empty folder for the student's folder the file carries."""
        from launcher.core.archive.transfer import import_course

        try:
            return import_course(
                self, path, replace=replace, folder=folder, progress=progress, cancel=cancel
            )
        except DiskFull as exc:
            raise self.with_prune_advice(exc) from exc
