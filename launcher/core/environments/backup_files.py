"""Where database backups go and what they are called: plain values, no engine.

The window's Reset dialog names the folder before anything runs; the backups
themselves are made by :mod:`launcher.core.environments.backups`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BACKUP_SUFFIX = ".backup"


@dataclass(frozen=True)
class BackupFile:
    name: str  # the catalogue's backup name, e.g. "postgres"
    path: Path
    size: int


def backups_folder(student_folder: Path) -> Path:
    return student_folder / "backups"
