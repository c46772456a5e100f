"""The facade's verbs for one course's environment: status, stop, remove, the
addresses of its services, reset, repair, backup, restore, logs and shell.

:class:`launcher.core.launcher.Launcher` inherits them, so ``launcher.`` lists
every verb; each is a thin call into this package. The steps load on first use
(the Docker SDK with them), not when the window opens.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from launcher.core.catalogue.definitions import refuse_changed_definition
from launcher.core.context import LauncherContext
from launcher.core.environments.state import EnvironmentState, EnvironmentStatus
from launcher.core.errors import UsageError
from launcher.core.operation import CancelToken, Progress, no_progress

# Annotations only: the modules that do the work load when a verb runs.
if TYPE_CHECKING:
    from launcher.core.environments.backup_files import BackupFile
    from launcher.core.environments.reset import ResetResult

REDIRECT_KEEP_SECONDS = 30.0  # at the latest, where the file system keeps no access times


class EnvironmentOperations:
    def status(self: LauncherContext, course_id: str) -> EnvironmentStatus:
        from launcher.core.environments.containers import environment_status

        return environment_status(self.engine.client, self.course(course_id))

    def statuses(self: LauncherContext) -> list[EnvironmentStatus]:
        from launcher.core.environments.containers import environment_statuses

        return environment_statuses(self.engine.client, self.catalogue)

    def stop(self: LauncherContext, course_id: str) -> bool:
        from launcher.core.environments.containers import stop_environment

        return stop_environment(self.engine.client, self.course(course_id))

    def remove(self: LauncherContext, course_id: str, *, volumes: bool = False) -> bool:
        from launcher.core.environments.containers import remove_environment

        return remove_environment(self.engine.client, self.course(course_id), volumes=volumes)

    def service_url(self: LauncherContext, course_id: str, service: str | None = None) -> str:
        """The address of a running service, with the token (like ``jupyter server list``).
        Refused while the course's definition changed unaccepted (``DefinitionChanged``)."""
        refuse_changed_definition(self.course(course_id), self.settings)
        status = self.status(course_id)
        if not status.endpoints:
            raise UsageError(
                f"{self.course(course_id).display_name} is not running.",
                f"Start it first: course-launcher start {course_id}",
            )
        chosen = status.endpoints[0]
        if service is not None:
            matches = [e for e in status.endpoints if e.name.lower() == service.lower()]
            if not matches:
                names = ", ".join(e.name for e in status.endpoints)
                raise UsageError(f"No service called {service!r}.", f"Choose one of: {names}.")
            chosen = matches[0]
        from launcher.core.remote.forwards import through_forward

        url = through_forward(self.engine, self.paths.state, course_id, chosen.url)
        token = self.ensure_token(course_id) if chosen.needs_token else None
        if not token:
            return url
        separator = "&" if "?" in url else "?"
        return f"{url}{separator}token={token}"

    def terminal_url(self: LauncherContext, course_id: str) -> str:
        """Jupyter's own terminal page for a running course, with its token: the shell
        a student or tutor can always reach, whatever is installed on the computer."""
        course = self.course(course_id)
        jupyter = next((s for s in course.services if s.auth == "token"), None)
        if jupyter is None:
            raise UsageError(
                f"{course.display_name} has no Jupyter service to open a terminal in.",
                f"Use: course-launcher shell {course_id}",
            )
        address = self.service_url(course_id, jupyter.name)
        base, _, query = address.partition("?")
        root = base[: len(base) - len(jupyter.path)] if base.endswith(jupyter.path) else base
        page = "/lab/terminals/1" if jupyter.path.startswith("/lab") else "/terminals/1"
        return f"{root.rstrip('/')}{page}" + (f"?{query}" if query else "")

    def ready_services(
        self: LauncherContext, course_id: str, status: EnvironmentStatus | None = None
    ) -> set[str]:
        """Names of the course's services that answer now (for Open buttons); pass the
        status when it is known, to save asking the engine again."""
        from launcher.core.environments.readiness import answering, ready_checks, ready_url
        from launcher.core.remote.forwards import reachable_ports

        course = self.course(course_id)
        status = status or self.status(course_id)
        if status.state != EnvironmentState.RUNNING:
            return set()
        ports = reachable_ports(self.engine, self.paths.state, course_id, status.ports)
        if ports is None:  # on another computer, and not forwarded here (yet)
            return set()
        checks = ready_checks(course, ports, self.ensure_token(course_id))
        answered = answering(checks)
        up = {check.url for check in checks if check.service in answered}
        return {
            service.name
            for service in course.services
            if service.port in ports and ready_url(service, ports) in up
        }

    def open_page(self: LauncherContext, url: str) -> Path:
        """Open ``url`` in the browser through a private redirect file (no token on any
        command line); returns the file for :meth:`remove_page_once_read`. ``OSError``
        when no browser could be started."""
        from launcher.core.environments.browser import open_in_browser

        return open_in_browser(url, self.paths.state / "open")

    def remove_page_once_read(
        self: LauncherContext, page: Path, keep_seconds: float = REDIRECT_KEEP_SECONDS
    ) -> bool:
        """Wait (blocking) until the browser has read the page, then remove it."""
        from launcher.core.environments.browser import remove_once_read

        return remove_once_read(page, keep_seconds)

    def reset(
        self: LauncherContext,
        course_id: str,
        *,
        databases: bool = False,
        backup: bool = True,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> ResetResult:
        """Make the environment new; the folder is kept (and the databases, unless asked)."""
        from launcher.core.environments.reset import reset_environment

        return reset_environment(
            self, course_id, databases=databases, backup=backup, progress=progress, cancel=cancel
        )

    def repair(
        self: LauncherContext,
        course_id: str,
        *,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> ResetResult:
        """Download the course image again, then reset."""
        from launcher.core.environments.reset import repair_environment

        return repair_environment(self, course_id, progress=progress, cancel=cancel)

    def backups_folder(self: LauncherContext, course_id: str) -> Path:
        """Where backups of the course's databases go: ``FOLDER/backups``."""
        from launcher.core.environments.backup_files import backups_folder

        course = self.course(course_id)
        folder = self.folder_for(course.id)
        if folder is None:
            raise UsageError(f"{course.display_name} has no folder yet.", "Start it first.")
        return backups_folder(Path(folder))

    def backup(
        self: LauncherContext,
        course_id: str,
        target: Path | None = None,
        *,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> list[BackupFile]:
        """Back up the course's databases (into ``target``, else the backups folder)."""
        from launcher.core.environments.backups import backup_databases
        from launcher.core.local.destinations import check_can_write_in

        course = self.course(course_id)
        target = target or self.backups_folder(course.id)
        check_can_write_in(target, "The backups")  # before Docker is even asked
        return backup_databases(
            self.engine.client, course, target, progress=progress, cancel=cancel
        )

    def restore(
        self: LauncherContext, course_id: str, file: Path, *, progress: Progress = no_progress
    ) -> None:
        from launcher.core.environments.backups import restore_database

        restore_database(self.engine.client, self.course(course_id), file, progress=progress)

    def logs(self: LauncherContext, course_id: str, *, tail: int = 200) -> str:
        """The last lines of the environment's log, tokens blanked."""
        from launcher.core.environments.logs import read_logs

        course = self.course(course_id)
        secrets = [t for t in (self.known_token(course.id),) if t]
        return read_logs(self.engine.client, course, secrets=secrets, tail=tail)

    def follow_logs(
        self: LauncherContext,
        course_id: str,
        sink: Callable[[str], None],
        cancel: CancelToken,
        *,
        tail: int = 200,
    ) -> None:
        """Send each new log line (tokens blanked) to ``sink`` until the environment
        stops or ``cancel`` is set. Blocks: run it off the GUI thread."""
        from launcher.core.environments.logs import follow_logs

        course = self.course(course_id)
        secrets = [t for t in (self.known_token(course.id),) if t]
        follow_logs(self.engine.client, course, sink, cancel, secrets=secrets, tail=tail)

    def shell_command(
        self: LauncherContext,
        course_id: str,
        *,
        shell: str = "bash",
        interactive_terminal: bool = True,
    ) -> list[str]:
        """The ``docker exec`` command that opens a shell in the running environment."""
        from launcher.core.environments.shell import shell_command

        return shell_command(
            self.engine.client, self.engine.address, self.course(course_id), shell=shell,
            interactive_terminal=interactive_terminal,
            terminal_page=lambda: self.terminal_url(course_id).split("?")[0],
        )  # fmt: skip
