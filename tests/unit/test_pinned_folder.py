"""Folders the container can change are used without following a link (real files, no engine)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from launcher.core.environments import pinned_folder as pinned_folder_module
from launcher.core.environments.pinned_folder import open_regular_file, pinned_folder
from launcher.core.errors import LinkRefused, WorkspaceError


@pytest.fixture(params=["dir_fd", "lstat"], autouse=True)
def way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways of opening: with dir_fd, and the lstat checks used where there is none."""
    if request.param == "lstat":
        monkeypatch.setattr(pinned_folder_module, "_WITH_DIR_FD", False)
    return str(request.param)


@pytest.fixture
def area(tmp_path: Path) -> tuple[Path, Path]:
    student, outside = tmp_path / "student", tmp_path / "outside"
    student.mkdir()
    outside.mkdir()
    (outside / "bashrc").write_text("alias ll='ls -l'\n")
    return student, outside


def test_a_new_file_goes_into_the_folder_and_replaces_a_link_at_its_name(
    area: tuple[Path, Path],
) -> None:
    student, outside = area
    (student / "backups").mkdir()
    (student / "backups" / "db.backup").symlink_to(outside / "bashrc")
    with pinned_folder(student / "backups", student, create=True) as folder:
        out, partial = folder.create_file("db.backup")
        with out:
            out.write(b"dump")
        assert partial.startswith(".db.backup.") and partial.endswith(".part")
        assert folder.place(partial, "db.backup") == "db.backup"
    assert (outside / "bashrc").read_text() == "alias ll='ls -l'\n"
    assert not (student / "backups" / "db.backup").is_symlink()
    assert (student / "backups" / "db.backup").read_bytes() == b"dump"
    assert (student / "backups" / "db.backup").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in (student / "backups").iterdir()) == ["db.backup"]


def test_a_real_file_of_the_same_name_is_kept(area: tuple[Path, Path]) -> None:
    student, _ = area
    (student / "db.backup").write_bytes(b"first")
    with pinned_folder(student, student, create=True) as folder:
        for expected in ("db-2.backup", "db-3.backup"):
            out, partial = folder.create_file("db.backup")
            with out:
                out.write(expected.encode())
            assert folder.place(partial, "db.backup") == expected
    assert (student / "db.backup").read_bytes() == b"first"
    assert (student / "db-3.backup").read_bytes() == b"db-3.backup"


def test_missing_folders_are_made_inside(area: tuple[Path, Path]) -> None:
    student, _ = area
    with pinned_folder(student / "backups" / "2026", student, create=True) as folder:
        assert folder.path == student / "backups" / "2026"
    assert (student / "backups" / "2026").is_dir()


@pytest.mark.parametrize("where", ["backups", "deeper/backups"])
def test_a_linked_folder_below_the_student_folder_is_refused(
    area: tuple[Path, Path], where: str
) -> None:
    student, outside = area
    link = student / where.split("/")[0]
    link.symlink_to(outside)
    with (
        pytest.raises(LinkRefused) as refused,
        pinned_folder(student / where, student, create=True),
    ):
        pass
    assert f"{link} is a link (to {outside})" in refused.value.message
    assert sorted(p.name for p in outside.iterdir()) == ["bashrc"]


def test_a_folder_elsewhere_is_checked_at_its_last_part(area: tuple[Path, Path]) -> None:
    student, outside = area
    (outside / "linked").symlink_to(outside)
    with pytest.raises(LinkRefused), pinned_folder(outside / "linked", student, create=True):
        pass
    with pinned_folder(outside / "new" / "backups", student, create=True) as folder:
        assert folder.path.is_dir()


def test_a_file_in_the_way_of_the_folder_is_a_clear_error(area: tuple[Path, Path]) -> None:
    student, _ = area
    (student / "backups").write_text("not a folder")
    with (
        pytest.raises(WorkspaceError) as refused,
        pinned_folder(student / "backups", student, create=True),
    ):
        pass
    assert "is not a folder" in refused.value.message


def test_reading_refuses_links_and_what_is_not_a_regular_file(area: tuple[Path, Path]) -> None:
    student, outside = area
    (student / "good.backup").write_bytes(b"dump")
    (student / "link.backup").symlink_to(outside / "bashrc")
    (student / "through").symlink_to(outside)
    os.mkfifo(student / "fifo.backup")
    with open_regular_file(student / "good.backup", student) as handle:
        assert handle.read() == b"dump"
    with pytest.raises(LinkRefused):
        open_regular_file(student / "link.backup", student)
    with pytest.raises(LinkRefused):
        open_regular_file(student / "through" / "bashrc", student)
    with pytest.raises(WorkspaceError, match="not a regular file"):
        open_regular_file(student / "fifo.backup", student)
    with pytest.raises(FileNotFoundError):
        open_regular_file(student / "none.backup", student)
