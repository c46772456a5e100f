"""Whether a file or folder can be written where a person chose to put it (an export,
a support bundle, backups). Asked before any work starts, so a long export does not
end in an error nobody understands, and root's or a read-only disk's answer is the
kernel's own: a small file is made there and removed again."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from launcher.core.errors import DestinationNotWritable

HINT = "Choose another folder you can write to, such as one in your Documents, and try again."
_REASONS = {
    errno.EACCES: "you do not have permission to write there",
    errno.EPERM: "you do not have permission to write there",
    errno.EROFS: "that disk is read-only (write-protected)",
    errno.ENOSPC: "that disk is full",
    errno.EDQUOT: "your share of that disk is used up",
}


def _reason(exc: OSError) -> str:
    return _REASONS.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()


def _nearest_existing(folder: Path, what: str) -> Path:
    """``folder`` or its closest parent that exists: the operation makes the rest."""
    existing = folder
    try:
        while not existing.exists() and existing.parent != existing:
            existing = existing.parent
    except OSError as exc:  # a parent that cannot even be looked into
        raise DestinationNotWritable(
            f"{what} cannot be saved in {folder}: {_reason(exc)}.", HINT
        ) from exc
    if not existing.is_dir():
        raise DestinationNotWritable(
            f"{what} cannot be saved in {folder}: {existing} is a file, not a folder.", HINT
        )
    return existing


def check_can_write_in(folder: Path, what: str) -> None:
    """New files can be made in ``folder`` (or in the folders that would be made for it);
    ``what`` names them for the message, e.g. "The backups"."""
    folder = folder.expanduser().absolute()
    existing = _nearest_existing(folder, what)
    try:
        fd, probe = tempfile.mkstemp(prefix=".course-launcher-write-check-", dir=existing)
    except OSError as exc:
        raise DestinationNotWritable(
            f"{what} cannot be saved in {folder}: {_reason(exc)}.", HINT
        ) from exc
    os.close(fd)
    Path(probe).unlink()


def check_can_write_file(target: Path, what: str) -> None:
    """The file ``target`` can be written (made, or replaced)."""
    target = target.expanduser().absolute()
    if target.is_dir():
        raise DestinationNotWritable(
            f"{what} cannot be saved as {target}: that is a folder.",
            "Give the name of a file to write in it.",
        )
    check_can_write_in(target.parent, what)
