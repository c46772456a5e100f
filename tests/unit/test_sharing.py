"""POSIX ACLs that keep a Linux bind mount usable from both sides."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from launcher.core.environments.sharing import (
    acl_with_users,
    decode_acl,
    encode_acl,
    needs_sharing,
    share_folder,
)

USER_OBJ, USER, GROUP_OBJ, MASK, OTHER = 0x01, 0x02, 0x04, 0x10, 0x20
NO_ID = 0xFFFFFFFF


def test_encoding_round_trips_and_is_sorted() -> None:
    entries = [(OTHER, 5, NO_ID), (USER, 7, 1000), (USER_OBJ, 7, NO_ID), (GROUP_OBJ, 5, NO_ID),
               (MASK, 7, NO_ID)]  # fmt: skip
    decoded = decode_acl(encode_acl(entries))
    assert decoded == sorted(entries, key=lambda e: (e[0], e[2]))


@pytest.mark.parametrize("blob", [b"", b"\x01\x00\x00\x00", b"\x02\x00\x00\x00\x01"])
def test_decoding_rejects_what_is_not_an_acl(blob: bytes) -> None:
    with pytest.raises(ValueError, match="not a POSIX ACL"):
        decode_acl(blob)


def test_acl_from_mode_keeps_owner_group_other_and_widens_only_the_mask() -> None:
    acl = {(tag, ident): perm for tag, perm, ident in acl_with_users([], 0o640, {1000: 6})}
    assert acl[(USER_OBJ, NO_ID)] == 6
    assert acl[(GROUP_OBJ, NO_ID)] == 4
    assert acl[(OTHER, NO_ID)] == 0
    assert acl[(USER, 1000)] == 6
    assert acl[(MASK, NO_ID)] == 6


def test_existing_entries_are_kept() -> None:
    base = [(USER_OBJ, 7, NO_ID), (USER, 5, 1234), (GROUP_OBJ, 0, NO_ID), (MASK, 5, NO_ID),
            (OTHER, 0, NO_ID)]  # fmt: skip
    acl = {(tag, ident): perm for tag, perm, ident in acl_with_users(base, 0o700, {1000: 7})}
    assert acl[(USER, 1234)] == 5
    assert acl[(USER, 1000)] == 7
    assert acl[(MASK, NO_ID)] == 7


def test_share_folder_on_a_real_file_system(tmp_path: Path) -> None:
    folder = tmp_path / "course"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.txt").write_text("a")
    mode_before = (folder / "sub" / "a.txt").stat().st_mode
    assert needs_sharing(folder, 1000)
    result = share_folder(folder, host_uid=os.geteuid(), container_uid=1000)
    assert result.applied
    assert not needs_sharing(folder, 1000)
    access = decode_acl(os.getxattr(folder / "sub" / "a.txt", "system.posix_acl_access"))
    assert (USER, 6, 1000) in access
    default = decode_acl(os.getxattr(folder / "sub", "system.posix_acl_default"))
    assert (USER, 7, 1000) in default
    # A file made afterwards inherits the grant; owner and type are unchanged.
    (folder / "sub" / "b.txt").write_text("b")
    inherited = decode_acl(os.getxattr(folder / "sub" / "b.txt", "system.posix_acl_access"))
    assert any(tag == USER and ident == 1000 for tag, _p, ident in inherited)
    after = (folder / "sub" / "a.txt").stat()
    assert after.st_uid == os.geteuid()
    assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(mode_before)


def test_same_user_on_both_sides_changes_nothing(tmp_path: Path) -> None:
    result = share_folder(tmp_path, host_uid=1000, container_uid=1000)
    assert not result.applied
    with pytest.raises(OSError):
        os.getxattr(tmp_path, "system.posix_acl_default")
