"""The student's folder: it must exist (or be made on request) and be writable.

It is never deleted, moved or chowned by any operation.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from launcher.core.errors import LinkRefused, WorkspaceError


def check_folder(folder: Path, *, create: bool = False) -> Path:
    """The folder as an absolute path, ready to mount; else a ``WorkspaceError``."""
    folder = folder.expanduser()
    if not folder.is_absolute():
        folder = folder.absolute()
    if folder.is_symlink():
        # Shared through ACLs and mounted by Docker, a link would act on where it leads.
        raise LinkRefused(
            f"{folder} is a link to {folder.resolve()}, not a folder itself.",
            f"Choose {folder.resolve()} as the course folder instead.",
        )
    if folder.is_file():
        raise WorkspaceError(
            f"{folder} is a file, not a folder.",
            "Choose a folder for your course work (or create a new, empty one).",
        )
    if not folder.exists():
        if not create:
            raise WorkspaceError(
                f"The folder {folder} does not exist.",
                "Choose an existing folder, or let the launcher create it (--create-folder).",
            )
        try:
            folder.mkdir(parents=True)
        except OSError as exc:
            raise WorkspaceError(
                f"The folder {folder} could not be created: {exc.strerror}.",
                "Choose a folder in your Documents or home folder.",
            ) from exc
    if not folder.is_dir():
        raise WorkspaceError(f"{folder} is not a folder.", "Choose a folder for your course work.")
    _check_writable(folder)
    return folder


def _check_writable(folder: Path) -> None:
    # os.access is not enough (ACLs, read-only mounts, Windows): really write a file.
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".course-launcher-check-"):
            pass
    except OSError as exc:
        raise WorkspaceError(
            f"The launcher cannot write in {folder} ({exc.strerror or exc}).",
            "Choose a folder you own, for example one in your Documents folder.",
        ) from exc


def folder_owner(folder: Path) -> int:
    """The uid the student's files belong to (the folder's owner; the user on Windows)."""
    if os.name == "nt":
        return 0
    return folder.stat().st_uid


def default_folder(code: str, presentation: str) -> Path:
    """Where a course's files go unless the student picks another folder:
    ``Documents/TM351-24J`` (the folder name the course guides use)."""
    from platformdirs import user_documents_dir

    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in f"{code}-{presentation}")
    return Path(user_documents_dir()) / safe
