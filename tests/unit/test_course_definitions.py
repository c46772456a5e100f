"""A catalogue cannot quietly take over a course: the folder and token stay with the
definition they were made for until the person accepts a new one.

No engine here: every refusal must come before the engine is asked (the conftest points
Docker at a socket that does not exist, so reaching it raises ``EngineUnavailable``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from launcher.core.catalogue.definitions import BUNDLED, definition_of, redefinitions
from launcher.core.catalogue.sources import load_catalogues
from launcher.core.errors import DefinitionChanged, EngineUnavailable, WorkspaceError
from launcher.core.launcher import Launcher
from launcher.core.local.settings import (
    BoundDefinition,
    settings_from_json,
    settings_to_json,
    with_course,
    with_definition,
)
from launcher.core.local.settings_file import load_settings, save_settings

COURSE = "tm351-24j"  # the bundled catalogue's own entry
BUNDLED_IMAGE = "docker.io/ousefulcoursecontainers/ou-tm351"
BUNDLED_WORKSPACE = "/home/ou/TM351-24J"


def redefinition(image: str, workspace: str = BUNDLED_WORKSPACE) -> str:
    return f"""
schema = 1

[[course]]
id = "{COURSE}"
code = "TM351"
presentation = "24J"
title = "Data management and analysis"
image = "{image}"
workspace = "{workspace}"
[course.token]
env = "JUPYTER_TOKEN"
[[course.services]]
name = "Jupyter"
port = 8888
path = "/tree"
"""


def write_catalogue(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def started_under_bundled(tmp_path: Path) -> tuple[Path, str]:
    """A student who started TM351 from the bundled catalogue: its folder, its token.
    The start itself fails at the engine, after recording what they were made for."""
    folder = tmp_path / "TM351 work"
    folder.mkdir()
    launcher = Launcher.open(offline=True)
    token = launcher.ensure_token(COURSE)
    assert token
    with pytest.raises(EngineUnavailable):
        launcher.start(COURSE, folder)
    launcher.update_settings(lambda s: with_course(s, COURSE, folder=folder))
    return folder, token


def test_a_start_records_the_definition_the_folder_and_token_are_for(tmp_path: Path) -> None:
    started_under_bundled(tmp_path)
    made_for = Launcher.open(offline=True).settings.course(COURSE).made_for
    assert made_for == BoundDefinition.of(BUNDLED, BUNDLED_IMAGE, BUNDLED_WORKSPACE)
    assert made_for.source == "bundled"  # not the installation's path, which changes


def test_a_later_catalogue_with_another_image_is_refused_naming_both(tmp_path: Path) -> None:
    folder, token = started_under_bundled(tmp_path)
    other = write_catalogue(tmp_path, "other.toml", redefinition("evil.example/take/over:1"))
    launcher = Launcher.open(catalogues=[str(other)], offline=True)
    settings_before = launcher.settings

    warning = " ".join(launcher.warnings)
    assert str(other) in warning and "the catalogue that comes with the launcher" in warning
    assert "evil.example/take/over" in warning and BUNDLED_IMAGE in warning
    for attempt in (
        lambda: launcher.start(COURSE, folder),
        lambda: launcher.start(COURSE),
        lambda: launcher.install(COURSE),
        lambda: launcher.service_url(COURSE),
        lambda: launcher.terminal_url(COURSE),
    ):
        with pytest.raises(DefinitionChanged) as refused:
            attempt()
        change = refused.value
        assert change.course_id == COURSE
        assert str(other) in change.message and str(folder) in change.message
        assert "the catalogue that comes with the launcher" in change.message
        assert f"another image (evil.example/take/over instead of {BUNDLED_IMAGE})" in (
            change.message
        )
        assert "workspace" not in change.message
        assert "--accept-new-definition" in change.hint and "--folder" not in change.hint
        assert (change.was.source, change.now.source) == (BUNDLED, str(other))
    assert launcher.definition_change(COURSE) is not None
    assert launcher.settings == settings_before
    assert launcher.known_token(COURSE) == token


def test_a_new_version_of_the_same_image_is_the_same_course(tmp_path: Path) -> None:
    started_under_bundled(tmp_path)
    newer = write_catalogue(
        tmp_path, "newer.toml", redefinition("ousefulcoursecontainers/ou-tm351:25j")
    )
    launcher = Launcher.open(catalogues=[str(newer)], offline=True)
    assert launcher.warnings == []
    assert launcher.definition_change(COURSE) is None
    with pytest.raises(EngineUnavailable):  # past the check, at the engine
        launcher.start(COURSE)


def test_accepting_keeps_the_folder_when_the_workspace_is_the_same(tmp_path: Path) -> None:
    folder, token = started_under_bundled(tmp_path)
    other = write_catalogue(tmp_path, "other.toml", redefinition("evil.example/take/over:1"))
    launcher = Launcher.open(catalogues=[str(other)], offline=True)

    with pytest.raises(EngineUnavailable):
        launcher.start(COURSE, accept_new_definition=True)

    saved = load_settings(launcher.paths).settings.course(COURSE)
    assert saved.made_for == definition_of(launcher.course(COURSE))
    assert saved.made_for.source == str(other)
    assert saved.folder == folder
    assert launcher.known_token(COURSE) is None  # the old token never reaches the new image
    new_token = launcher.ensure_token(COURSE)
    assert new_token and new_token != token
    assert launcher.definition_change(COURSE) is None
    assert Launcher.open(catalogues=[str(other)], offline=True).warnings == []


def test_a_new_workspace_needs_the_folder_chosen_again(tmp_path: Path) -> None:
    folder, token = started_under_bundled(tmp_path)
    other = write_catalogue(
        tmp_path, "other.toml", redefinition("evil.example/take/over:1", "/home/evil/work")
    )
    launcher = Launcher.open(catalogues=[str(other)], offline=True)
    change = launcher.definition_change(COURSE)
    assert change is not None and change.workspace_changed
    assert "another workspace (/home/evil/work instead of /home/ou/TM351-24J)" in change.message
    assert "--folder" in change.hint

    with pytest.raises(WorkspaceError) as refused:
        launcher.start(COURSE, accept_new_definition=True)  # no folder given
    assert "Nothing was changed" in refused.value.message
    assert launcher.settings.course(COURSE).folder == folder
    assert launcher.known_token(COURSE) == token

    notices = launcher.accept_new_definition(COURSE)
    assert any(str(folder) in notice and "choose" in notice for notice in notices)
    saved = load_settings(launcher.paths).settings.course(COURSE)
    assert saved.folder is None and saved.made_for is not None
    assert saved.made_for.workspace == "/home/evil/work"
    assert launcher.known_token(COURSE) is None
    assert folder.is_dir()  # never moved or deleted


def test_a_redefinition_among_sources_is_a_warning_even_before_a_start(tmp_path: Path) -> None:
    first = write_catalogue(tmp_path, "first.toml", redefinition("first.example/tm351:1"))
    second = write_catalogue(tmp_path, "second.toml", redefinition("second.example/tm351:1"))
    loaded = load_catalogues([str(first), str(second)], tmp_path / "cache")
    assert [(a.source, b.source) for a, b in loaded.redefined] == [
        (str(Path(__file__).parents[2] / "resources" / "catalogue.toml"), str(first)),
        (str(first), str(second)),
    ]
    launcher = Launcher.open(catalogues=[str(second)], offline=True)
    assert len(launcher.warnings) == 1
    assert str(second) in launcher.warnings[0]
    assert "the catalogue that comes with the launcher" in launcher.warnings[0]
    # Nothing was made for the course yet, so nothing is refused; the start records it.
    assert launcher.definition_change(COURSE) is None
    assert redefinitions([launcher.catalogue, launcher.catalogue]) == []


def test_the_record_survives_the_settings_file(tmp_path: Path) -> None:
    made_for = BoundDefinition.of("https://example.org/c.toml", "docker.io/a/b", "/w")
    launcher = Launcher.open(offline=True)
    settings = with_definition(launcher.settings, COURSE, made_for)
    assert settings_from_json(settings_to_json(settings)).course(COURSE).made_for == made_for
    save_settings(launcher.paths, settings)
    assert load_settings(launcher.paths).settings.course(COURSE).made_for == made_for
    assert made_for.fingerprint != BoundDefinition.of("x", "docker.io/a/b", "/v").fingerprint
    assert made_for.fingerprint == BoundDefinition.of("x", "docker.io/a/b", "/w").fingerprint
