"""What a killed launcher leaves (temporary and partial files, redirect pages) is
removed later, and nothing else is."""

from __future__ import annotations

import os
import time
from pathlib import Path

from launcher.core.environments.browser import remove_once_read, write_redirect_file
from launcher.core.local.files import (
    sweep_stale_scratch_folders,
    sweep_stale_temporaries,
    write_atomic,
)

DEAD_PID = 2**22 + 12345  # above Linux's largest pid: no such process


def test_only_the_temporaries_of_dead_or_stuck_writers_are_swept(tmp_path: Path) -> None:
    dead = tmp_path / f".settings.json.{DEAD_PID}.abcdefgh.tmp"
    live = tmp_path / f".settings.json.{os.getppid()}.abcdefgh.tmp"
    stuck = tmp_path / f".settings.json.{os.getppid()}.zzzzzzzz.tmp"
    mine = tmp_path / f".settings.json.{os.getpid()}.mmmmmmmm.tmp"
    other_file = tmp_path / f".settings.json.bak.{DEAD_PID}.abcdefgh.tmp"
    not_ours = tmp_path / ".settings.json.old.tmp"
    partial = tmp_path / f".settings.json.{DEAD_PID}.abcdefgh.partial"
    for path in (dead, live, stuck, mine, other_file, not_ours, partial):
        path.write_text("x")
    os.utime(stuck, (0, 0))
    folder = tmp_path / f".settings.json.{DEAD_PID}.folder00.tmp"
    folder.mkdir()
    link = tmp_path / f".settings.json.{DEAD_PID}.link0000.tmp"
    link.symlink_to(live)

    removed = sweep_stale_temporaries(tmp_path, "settings.json")

    assert sorted(removed) == sorted([dead, stuck])
    for kept in (live, mine, other_file, not_ours, partial, folder, link):
        assert kept.exists() or kept.is_symlink(), kept
    assert sweep_stale_temporaries(tmp_path, "settings.json", suffix="partial") == [partial]


def test_a_killed_exports_scratch_folder_is_swept_and_nothing_it_links_to(
    tmp_path: Path,
) -> None:
    """A ``.NAME.PID.RANDOM.work`` folder of a dead export goes, with what is in it; a
    live export's folder, other names, a link with the pattern's name and whatever a
    link inside the stale folder leads to all stay."""
    outside = tmp_path / "student"
    outside.mkdir()
    precious = outside / "notes.txt"
    precious.write_text("keep me")
    stale = tmp_path / f".tm351.clexport.{DEAD_PID}.abcd1234.work"
    stale.mkdir()
    (stale / "postgres.backup").write_bytes(b"-- dump")
    (stale / ".postgres.part.x1y2").write_bytes(b"-- half")
    (stale / "inner").mkdir()
    (stale / "inner" / "file").write_text("x")
    (stale / "link-to-student").symlink_to(outside)
    (stale / "link-to-notes").symlink_to(precious)
    live = tmp_path / f".tm351.clexport.{os.getppid()}.live5678.work"
    live.mkdir()
    (live / "postgres.backup").write_bytes(b"-- dump in progress")
    linked = tmp_path / f".tm351.clexport.{DEAD_PID}.link9999.work"
    linked.symlink_to(outside)
    stale_file = tmp_path / f".tm351.clexport.{DEAD_PID}.file0000.work"
    stale_file.write_text("not a folder")
    other_name = tmp_path / f".other.clexport.{DEAD_PID}.abcd1234.work"
    other_name.mkdir()
    odd_suffix = tmp_path / f".tm351.clexport.{DEAD_PID}.abcd1234.works"
    odd_suffix.mkdir()

    removed = sweep_stale_scratch_folders(tmp_path, "tm351.clexport")

    assert removed == [stale]
    assert not stale.exists()
    assert precious.read_text() == "keep me"
    assert sorted(p.name for p in outside.iterdir()) == ["notes.txt"]
    assert (live / "postgres.backup").read_bytes() == b"-- dump in progress"
    assert linked.is_symlink() and outside.is_dir()
    for kept in (stale_file, other_name, odd_suffix):
        assert kept.exists(), kept
    # The file sweep leaves folders alone, as before.
    assert sweep_stale_temporaries(tmp_path, "tm351.clexport", suffix="work") == [stale_file]


def test_an_atomic_write_sweeps_what_a_killed_writer_left(tmp_path: Path) -> None:
    debris = tmp_path / f".notes.json.{DEAD_PID}.abcdefgh.tmp"
    debris.write_text('{"half": ')
    write_atomic(tmp_path / "notes.json", b"{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.json"]


def test_redirect_page_is_removed_soon_after_the_browser_reads_it(tmp_path: Path) -> None:
    page = write_redirect_file("http://127.0.0.1:1/?token=t0k3n", tmp_path / "open")
    time.sleep(0.05)  # a browser starts later than the page is written
    assert "t0k3n" in page.read_text()  # the browser reads it
    info = page.stat()
    atime_kept = info.st_atime_ns > info.st_mtime_ns  # not on a noatime file system
    began = time.monotonic()
    assert remove_once_read(page, keep_seconds=3 if not atime_kept else 20, grace=0.2) is (
        atime_kept
    )
    assert time.monotonic() - began < 5
    assert not page.exists()


def test_redirect_page_never_read_is_removed_at_the_limit(tmp_path: Path) -> None:
    page = write_redirect_file("http://127.0.0.1:1/?token=t0k3n", tmp_path / "open")
    assert remove_once_read(page, keep_seconds=0.3) is False
    assert not page.exists()
