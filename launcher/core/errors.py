"""Errors a student or tutor can meet, each with a message and a next step.

The front ends show ``message`` and ``hint``; tracebacks go to the log file only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from launcher.core.environments.guide_state import GuideContainer

if TYPE_CHECKING:
    from launcher.core.engine.diagnosis import EngineDiagnosis
    from launcher.core.engine.model import Attempt
    from launcher.core.local.settings import BoundDefinition


class LauncherError(Exception):
    """Base of every error the launcher reports to a person."""

    #: Exit code the CLI uses for this kind of error.
    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message


class UsageError(LauncherError):
    exit_code = 2


class CatalogueError(LauncherError):
    exit_code = 2


class UnknownCourse(LauncherError):
    exit_code = 2


class EngineUnavailable(LauncherError):
    exit_code = 3


class ImageNotFound(LauncherError):
    pass


class PortInUse(LauncherError):
    pass


class WorkspaceError(LauncherError):
    """The student's folder is missing, is a file, or cannot be written."""


class LinkRefused(WorkspaceError):
    """A folder or file the launcher was to use inside the student's folder is a link
    (possibly planted by the course's container), so it is not followed."""


class HomeNotWritable(LauncherError):
    """The launcher's own folders (settings, logs) cannot be written."""


class NameClash(LauncherError):
    """A container the launcher did not make already has the name it needs."""


class StartFailed(LauncherError):
    """The environment did not become ready; the message carries its last log lines."""


class SecretStoreError(LauncherError):
    pass


class RegistryError(LauncherError):
    """The course image server refused a request or answered with something unusable."""


class RegistryUnreachable(RegistryError):
    """No answer from the course image server: offline, stopped, blocked or a wrong name."""


class RegistryAccessDenied(RegistryError):
    """The course image server wants a login the launcher does not have (or rejected it)."""


class RateLimited(RegistryError):
    """Docker Hub's download limit for this network (or account) has been reached."""


class UnsupportedPlatform(ImageNotFound):
    """The course image exists, but not for this computer's kind of processor."""


class PullFailed(LauncherError):
    """The engine stopped downloading the course image for a reason not covered above."""


class DiskFull(LauncherError):
    """No space left for the course image; ``needed_bytes`` is at least what is missing."""

    def __init__(self, message: str, hint: str = "", needed_bytes: int | None = None) -> None:
        super().__init__(message, hint)
        self.needed_bytes = needed_bytes


class ArchiveError(LauncherError):
    """A take-away file is not one, is incomplete or damaged, or cannot be written."""


class ImageWouldBeReplaced(ArchiveError):
    """A take-away file would replace the image of a course from another catalogue source."""


class DefinitionChanged(LauncherError):
    """A later catalogue source redefines a course with another image repository or
    workspace than its folder and token were made for; ``was`` and ``now`` are the two
    definitions. Start, Open and Install wait until the person accepts the new one."""

    def __init__(
        self,
        message: str,
        hint: str,
        course_id: str,
        was: BoundDefinition,
        now: BoundDefinition,
        shown_sources: tuple[str, str] = ("", ""),
    ) -> None:
        super().__init__(message, hint)
        self.course_id = course_id
        self.was = was
        self.now = now
        #: the two sources as a person reads them ("the catalogue that comes with …")
        self.shown_sources = shown_sources

    @property
    def workspace_changed(self) -> bool:
        return self.was.workspace != self.now.workspace


class UpdateCheckFailed(LauncherError):
    """Whether a newer course image exists cannot be told (offline, server down …)."""


class DestinationNotWritable(LauncherError):
    """The place chosen for an export, a support bundle or backups cannot be written."""


class GuideContainerFound(LauncherError):
    """A container the student made by hand with the course guide is there; ``found``
    lists them, most likely first. Starting waits for the student's answer."""

    def __init__(
        self, message: str, hint: str = "", found: tuple[GuideContainer, ...] = ()
    ) -> None:
        super().__init__(message, hint)
        self.found = found


class Cancelled(LauncherError):
    """The person cancelled a long operation; nothing was lost."""

    def __init__(self) -> None:
        super().__init__("Cancelled.", "Nothing was lost; you can start again at any time.")


class NoEngineFound(EngineUnavailable):
    """No engine answered; ``tried`` says where the launcher looked and why each failed."""

    def __init__(
        self,
        message: str,
        hint: str,
        tried: tuple[Attempt, ...],
        diagnosis: EngineDiagnosis | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.tried = tried
        self.diagnosis = diagnosis  # the case this computer is in, for the window's page


class DockerDesktopStartFailed(EngineUnavailable):
    """Docker Desktop is not installed here, or the system would not start it."""


class BackupFailed(LauncherError):
    """A backup or restore command failed; nothing was replaced."""


class AutostartError(LauncherError):
    """The login entry could not be written or removed."""


class KeyringUnavailable(SecretStoreError):
    """The system keyring is missing, locked or failed for this operation."""


CATALOGUE_FIX_HINT = (
    "Ask whoever publishes this catalogue to correct it, or remove it from the "
    "launcher's catalogue sources. Entries in lists are counted from 1."
)


class CatalogueEntryError(CatalogueError):
    """A mistake at one key of a catalogue; ``key`` is a path like ``services[2].port``."""

    def __init__(self, source: str, key: str, problem: str, course_id: str | None = None) -> None:
        where = f'in course "{course_id}", ' if course_id else ""
        stop = "" if problem.endswith((".", "?", ")")) else "."
        super().__init__(
            f'The course catalogue {source} has a mistake {where}at key "{key}": {problem}{stop}',
            hint=CATALOGUE_FIX_HINT,
        )
        self.source = source
        self.key = key
        self.problem = problem
        self.course_id = course_id


class ImageReferenceError(LauncherError, ValueError):
    """A text is not a valid image reference; the message says why.

    Also a ``ValueError``: callers that parse names they did not choose catch it as one."""

    exit_code = 2


class TokenRefused(LauncherError):
    """The registry's token server said no (``status`` is its HTTP status); the registry
    client turns it into :class:`RegistryAccessDenied` with what to do."""

    def __init__(self, status: int) -> None:
        super().__init__(f"The course image server's login service answered HTTP {status}.")
        self.status = status


class HostKeyUnknown(LauncherError):
    """The other computer's SSH key has not been accepted yet; ``fingerprint`` is its
    SHA256 fingerprint, to be compared with the one its owner gives."""

    exit_code = 4

    def __init__(self, message: str, hint: str, host: str, fingerprint: str) -> None:
        super().__init__(message, hint)
        self.host = host
        self.fingerprint = fingerprint


class HostKeyChanged(LauncherError):
    """The other computer answers with a key other than the one accepted before."""

    exit_code = 4


class RemoteUnavailable(EngineUnavailable):
    """The other computer cannot be reached over SSH, refused the login, or the
    connection to it was lost."""
