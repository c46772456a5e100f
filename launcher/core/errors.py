"""Errors a student or tutor can meet, each with a message and a next step.

The front ends show ``message`` and ``hint``; tracebacks go to the log file only.
"""

from __future__ import annotations


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


class NameClash(LauncherError):
    """A container the launcher did not make already has the name it needs."""


class StartFailed(LauncherError):
    """The environment did not become ready; the message carries its last log lines."""


class SecretStoreError(LauncherError):
    pass
