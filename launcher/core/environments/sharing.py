"""Keep the student's folder usable from both sides of a Linux bind mount.

On Linux the container's user (uid 1000 in most course images) and the student
(often another uid) see the same files with their own numeric ids, so files made
on one side end up read-only on the other. Docker Desktop on Windows and macOS
maps ownership itself; on Linux the launcher adds POSIX ACL entries instead:

* a *default* ACL on every folder, so new files and folders grant read and write
  to both the student and the container's user, whichever side makes them;
* an *access* ACL entry for the container's user on what is already there.

Owners and modes are never changed (nothing is chowned); entries that are already
there are kept. Files the student does not own (made by the container before) are
left as they are: they already carry the folder's default ACL.

Only who must write is granted, and only when that grants no other person anything:
the container's uid is shared with when no account on this computer has it, or when
the account that has it cannot reach the folder on this computer (a folder above it
shuts that account out, as a home folder of mode 0700 does). Otherwise nothing is
granted and the student is told why (``sharing_refusal``).
"""

from __future__ import annotations

import errno
import os
import pwd
import stat
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_ACCESS = "system.posix_acl_access"
_DEFAULT = "system.posix_acl_default"
_VERSION = 2
_USER_OBJ, _USER, _GROUP_OBJ, _GROUP, _MASK, _OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
_NO_ID = 0xFFFFFFFF
_GROUP_CLASS = (_USER, _GROUP_OBJ, _GROUP)

Entry = tuple[int, int, int]  # (tag, permission bits rwx, uid or gid)


@dataclass(frozen=True)
class SharingResult:
    applied: bool
    skipped: int  # items the launcher could not change (not the student's own)
    reason: str = ""  # why nothing was applied, for the log


def encode_acl(entries: Iterable[Entry]) -> bytes:
    ordered = sorted(entries, key=lambda e: (e[0], e[2]))
    return struct.pack("<I", _VERSION) + b"".join(struct.pack("<HHI", *e) for e in ordered)


def decode_acl(blob: bytes) -> list[Entry]:
    if len(blob) < 4 or (len(blob) - 4) % 8 or struct.unpack_from("<I", blob)[0] != _VERSION:
        raise ValueError("not a POSIX ACL")
    return [struct.unpack_from("<HHI", blob, offset) for offset in range(4, len(blob), 8)]


def acl_with_users(base: list[Entry], mode: int, users: dict[int, int]) -> list[Entry]:
    """``base`` (or the ACL that ``mode`` implies) plus named ``users``, with a fitting mask."""
    entries = {(tag, ident): perm for tag, perm, ident in base}
    if not entries:
        entries = {
            (_USER_OBJ, _NO_ID): (mode >> 6) & 7,
            (_GROUP_OBJ, _NO_ID): (mode >> 3) & 7,
            (_OTHER, _NO_ID): mode & 7,
        }
    for uid, perm in users.items():
        entries[(_USER, uid)] = entries.get((_USER, uid), 0) | perm
    mask = 0
    for (tag, _ident), perm in entries.items():
        if tag in _GROUP_CLASS:
            mask |= perm
    entries[(_MASK, _NO_ID)] = mask
    return [(tag, perm, ident) for (tag, ident), perm in entries.items()]


def _read(path: Path, name: str) -> list[Entry]:
    try:
        return decode_acl(os.getxattr(path, name, follow_symlinks=False))
    except OSError as exc:
        if exc.errno in (errno.ENODATA, errno.ENOENT):
            return []
        raise


def _share_one(
    path: Path, info: os.stat_result, users: dict[int, int], dir_users: dict[int, int]
) -> None:
    access = acl_with_users(_read(path, _ACCESS), info.st_mode, users)
    os.setxattr(path, _ACCESS, encode_acl(access), follow_symlinks=False)
    if stat.S_ISDIR(info.st_mode):
        default = acl_with_users(_read(path, _DEFAULT), info.st_mode | 0o700, dir_users)
        os.setxattr(path, _DEFAULT, encode_acl(default), follow_symlinks=False)


def share_folder(folder: Path, host_uid: int, container_uid: int) -> SharingResult:
    """Give ``container_uid`` and ``host_uid`` read/write on ``folder`` and what it will hold."""
    if host_uid == container_uid:
        return SharingResult(applied=False, skipped=0, reason="same user on both sides")
    users = {container_uid: 0o6} if container_uid != 0 else {}
    dir_users = {uid: 0o7 for uid in (host_uid, container_uid) if uid != 0}
    skipped = 0
    try:
        top = folder.stat()
        _share_one(folder, top, {u: 0o7 for u in users}, dir_users)
    except OSError as exc:
        if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
            return SharingResult(False, 0, f"the file system of {folder} has no ACLs")
        raise
    for root, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            path = Path(root) / name
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                continue
            if info.st_uid != os.geteuid() and os.geteuid() != 0:
                skipped += 1
                continue
            perms = {u: (0o7 if stat.S_ISDIR(info.st_mode) else p) for u, p in users.items()}
            try:
                _share_one(path, info, perms, dir_users)
            except PermissionError:
                skipped += 1
    return SharingResult(applied=True, skipped=skipped)


def needs_sharing(folder: Path, container_uid: int) -> bool:
    """False when the folder's default ACL already names the container's user."""
    if container_uid == 0:
        return not any(tag == _USER for tag, _p, _i in _read(folder, _DEFAULT))
    return not any(
        tag == _USER and ident == container_uid for tag, _p, ident in _read(folder, _DEFAULT)
    )


def _shuts_out(directory: Path, uid: int, groups: set[int]) -> bool:
    """True when ``uid`` cannot pass through ``directory`` (mode bits only: a folder
    with named ACL entries might let it through, so it never counts as shut)."""
    info = directory.stat()
    if any(tag in (_USER, _GROUP) for tag, _p, _i in _read(directory, _ACCESS)):
        return False
    if info.st_uid == uid:
        return not info.st_mode & stat.S_IXUSR
    if info.st_gid in groups:
        return not info.st_mode & stat.S_IXGRP
    return not info.st_mode & stat.S_IXOTH


def sharing_refusal(folder: Path, container_uid: int, host_uid: int) -> str | None:
    """Why the folder must not be shared with ``container_uid``, or None when it may be."""
    if container_uid in (0, host_uid):
        return None  # root needs no grant; the student's own uid is the student
    try:
        account = pwd.getpwuid(container_uid)
    except KeyError:
        return None  # no one on this computer has that uid
    groups = set(os.getgrouplist(account.pw_name, account.pw_gid))
    for directory in folder.resolve().parents:
        try:
            if _shuts_out(directory, container_uid, groups):
                return None
        except OSError:
            continue
    return (
        f"the environment writes files as uid {container_uid}, which is the account "
        f"“{account.pw_name}” on this computer, and that account can reach {folder}"
    )
