"""Student folders as the tests make and compare them."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

STUDENT_UID = 2000  # not the image user's 1000: the Linux ownership case


def make_student_folder(parent: Path, name: str) -> Path:
    folder = parent / name
    folder.mkdir()
    if os.geteuid() == 0:
        os.chown(folder, STUDENT_UID, STUDENT_UID)
    return folder


def folder_hashes(folder: Path) -> dict[str, str]:
    """Every file of a student's folder and its hash (backups the launcher adds left out)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file() and "backups" not in p.relative_to(folder).parts
    }


def folder_size(folder: Path) -> int:
    return sum(p.lstat().st_size for p in folder.rglob("*") if not p.is_dir())
