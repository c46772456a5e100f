"""The facade's verbs for a course on another computer (``--engine ssh://…``): hold
the forwards of its services here, and copy work between its folder and this
computer. :class:`launcher.core.launcher.Launcher` inherits them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from launcher.core.context import LauncherContext
from launcher.core.errors import UsageError
from launcher.core.operation import Progress, no_progress

# Annotations only: the SSH side loads when a verb runs.
if TYPE_CHECKING:
    from launcher.core.remote.engine import RemoteEngine
    from launcher.core.remote.forwards import HeldForwards
    from launcher.core.remote.work_files import Copied


def _remote_engine(launcher: LauncherContext) -> RemoteEngine:
    from launcher.core.remote.engine import RemoteEngine

    engine = launcher.engine
    if not isinstance(engine, RemoteEngine):
        raise UsageError(
            "This works only for a course on another computer.",
            "Give that computer's engine: --engine ssh://user@computer",
        )
    return engine


class RemoteOperations:
    def remote_computer(self: LauncherContext) -> str:
        """The name of the other computer the courses run on (``--engine ssh://…``)."""
        engine = _remote_engine(self)
        return engine.target.host if engine.target else engine.address

    def hold_forwards(self: LauncherContext, course_id: str) -> HeldForwards:
        """Forward each service of the running course to a port of this computer's
        127.0.0.1 until ``close()``; ``url`` and ``open`` use them meanwhile."""
        from launcher.core.remote.forwards import hold_forwards

        engine = _remote_engine(self)
        status = self.status(course_id)
        return hold_forwards(engine, status, self.paths.data, self.paths.state)

    def download_work(
        self: LauncherContext, course_id: str, target: Path, progress: Progress = no_progress
    ) -> Copied:
        """Copy the course's folder (on the other computer) into ``target`` here."""
        from launcher.core.remote.work_files import download_work

        course = self.course(course_id)
        return download_work(self.engine.client, course, target.expanduser().absolute(), progress)

    def upload_files(
        self: LauncherContext,
        course_id: str,
        sources: Sequence[Path],
        progress: Progress = no_progress,
    ) -> Copied:
        """Copy files and folders from here into the course's folder over there."""
        from launcher.core.remote.work_files import upload_files

        paths = [path.expanduser().absolute() for path in sources]
        return upload_files(self.engine.client, self.course(course_id), paths, progress)
