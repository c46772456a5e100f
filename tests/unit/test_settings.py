"""The settings file: defaults, round trip, damaged files set aside, atomic writes."""

from __future__ import annotations

import json
import os
import stat
import sys
from datetime import datetime
from pathlib import Path

import pytest

from launcher.core.errors import HomeNotWritable
from launcher.core.local.paths import AppPaths, app_paths
from launcher.core.local.settings import CourseSettings, Settings, with_course, without_course
from launcher.core.local.settings_file import load_settings, save_settings, set_aside


@pytest.fixture
def paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppPaths:
    monkeypatch.setenv("COURSE_LAUNCHER_HOME", str(tmp_path / "home"))
    return app_paths()


def sample() -> Settings:
    settings = Settings(
        catalogue_sources=("https://example.org/catalogue.toml",),
        engine_address="unix:///run/docker.sock",
        open_browser=False,
        start_at_login=True,
    )
    settings = with_course(
        settings, "tm351-25j", folder=Path("/home/sam/TM351 ünï"), ports={"jupyter": 8351}
    )
    return with_course(settings, "tm351-25j", ports={"openrefine": 3333})


def test_missing_file_gives_defaults(paths: AppPaths) -> None:
    result = load_settings(paths)
    assert result.settings == Settings()
    assert result.warning is None
    assert result.settings.open_browser is True
    assert result.settings.start_at_login is False
    assert not paths.settings_file.exists()


def test_round_trip(paths: AppPaths) -> None:
    save_settings(paths, sample())
    result = load_settings(paths)
    assert result.warning is None
    assert result.settings == sample()
    course = result.settings.course("tm351-25j")
    assert course.folder == Path("/home/sam/TM351 ünï")
    assert course.ports == {"jupyter": 8351, "openrefine": 3333}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_file_is_private(paths: AppPaths) -> None:
    save_settings(paths, sample())
    assert stat.S_IMODE(paths.settings_file.stat().st_mode) == 0o600


DAMAGED = {
    "garbage bytes": b"\x00\xff\xfe\x89PNG\r\n\x1a\n",
    "empty": b"",
    "a list": b"[]",
    "courses not an object": b'{"courses": 5}',
    "truncated": b'{"courses": {"tm351-25j": {"folder": "/x", "ports": {"jupyter": 83',
    "flag as text": b'{"open_browser": "yes"}',
    "port as bool": b'{"courses": {"tm351-25j": {"ports": {"jupyter": true}}}}',
    "port out of range": b'{"courses": {"tm351-25j": {"ports": {"jupyter": 70000}}}}',
    "folder as number": b'{"courses": {"tm351-25j": {"folder": 3}}}',
    "sources not a list": b'{"catalogue_sources": "https://x"}',
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("content", DAMAGED.values(), ids=DAMAGED.keys())
def test_damaged_file_is_set_aside(paths: AppPaths, content: bytes) -> None:
    paths.config.mkdir(parents=True)
    paths.settings_file.write_bytes(content)
    result = load_settings(paths)
    assert result.settings == Settings()
    kept = list(paths.config.glob("settings.json.corrupt-*"))
    assert len(kept) == 1
    assert kept[0].read_bytes() == content  # never deleted, never changed
    assert not paths.settings_file.exists()
    assert result.warning == (
        "Your settings file was damaged, so the launcher started with default settings. "
        f"The old file was kept at {kept[0]}."
    )
    # The next start is quiet again.
    save_settings(paths, result.settings)
    assert load_settings(paths).warning is None


def test_set_aside_never_overwrites(tmp_path: Path) -> None:
    when = datetime(2025, 2, 3, 4, 5, 6)
    names = []
    for text in ("one", "two", "three"):
        damaged = tmp_path / "settings.json"
        damaged.write_text(text)
        names.append(set_aside(damaged, when).name)
    assert names == [
        "settings.json.corrupt-20250203-040506",
        "settings.json.corrupt-20250203-040506-1",
        "settings.json.corrupt-20250203-040506-2",
    ]
    assert (tmp_path / names[1]).read_text() == "two"


def test_unreadable_file_gives_defaults_and_a_warning(paths: AppPaths) -> None:
    paths.settings_file.mkdir(parents=True)  # a folder where the file should be
    result = load_settings(paths)
    assert result.settings == Settings()
    assert result.warning is not None and "could not be read" in result.warning
    assert paths.settings_file.is_dir()  # left alone


def test_failed_write_leaves_old_file_intact(
    paths: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_settings(paths, sample())
    before = paths.settings_file.read_bytes()

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(HomeNotWritable, match="No space"):  # a sentence, not an OSError
        save_settings(paths, Settings())
    monkeypatch.undo()
    assert paths.settings_file.read_bytes() == before
    assert load_settings(paths).settings == sample()
    assert sorted(p.name for p in paths.config.iterdir()) == ["settings.json"]  # no temp left


def test_unknown_keys_are_kept(paths: AppPaths) -> None:
    paths.config.mkdir(parents=True)
    paths.settings_file.write_text(
        json.dumps(
            {
                "version": 2,
                "theme": "dark",
                "courses": {"tm351-25j": {"folder": "/w", "ports": {}, "colour": "blue"}},
            }
        )
    )
    result = load_settings(paths)
    assert result.warning is None
    settings = with_course(result.settings, "tm351-25j", ports={"jupyter": 8351})
    save_settings(paths, settings)
    saved = json.loads(paths.settings_file.read_text())
    assert saved["theme"] == "dark"
    assert saved["courses"]["tm351-25j"] == {
        "colour": "blue",
        "folder": "/w",
        "ports": {"jupyter": 8351},
    }


def test_with_course_returns_a_new_settings() -> None:
    original = sample()
    changed = with_course(original, "tm351-25j", ports={"jupyter": 9000})
    assert original.course("tm351-25j").ports["jupyter"] == 8351
    assert changed.course("tm351-25j").ports == {"jupyter": 9000, "openrefine": 3333}
    assert changed.course("tm351-25j").folder == original.course("tm351-25j").folder
    assert changed.catalogue_sources == original.catalogue_sources


def test_course_never_seen_is_empty() -> None:
    assert Settings().course("m269-25j") == CourseSettings()


def test_with_course_refuses_bad_ports() -> None:
    with pytest.raises(ValueError, match="port"):
        with_course(Settings(), "tm351-25j", ports={"jupyter": 0})


def test_without_course_forgets_only_that_course() -> None:
    settings = with_course(sample(), "m269-25j", folder=Path("/m269"))
    left = without_course(settings, "tm351-25j")
    assert list(left.courses) == ["m269-25j"]
    assert list(settings.courses) == ["tm351-25j", "m269-25j"]
