"""Adding and removing a catalogue is one facade call: it loads the catalogue, saves
the settings and changes the catalogue the window shows, whoever calls it."""

from __future__ import annotations

from pathlib import Path

import pytest

from launcher.core.errors import CatalogueError
from launcher.core.launcher import Launcher
from launcher.core.local.settings_file import load_settings

COURSE = """
schema = 1

[[course]]
id = "added-course"
code = "ADD1"
presentation = "24J"
title = "A course from an added catalogue"
image = "registry.invalid/add/course:1"
workspace = "/home/ou/ADD1-24J"
[[course.services]]
name = "Jupyter"
port = 8888
path = "/tree"
"""


def test_adding_a_catalogue_shows_its_courses_and_remembers_it(tmp_path: Path) -> None:
    source = tmp_path / "added.toml"
    source.write_text(COURSE, encoding="utf-8")
    launcher = Launcher.open(offline=True)
    assert "added-course" not in launcher.catalogue
    bundled = {course.id for course in launcher.catalogue}

    added = launcher.add_catalogue(str(source))

    assert [course.id for course in added] == ["added-course"]
    assert "added-course" in launcher.catalogue  # the list the window draws
    assert bundled <= {course.id for course in launcher.catalogue}
    assert launcher.catalogue_sources() == [str(source)]
    assert load_settings(launcher.paths).settings.catalogue_sources == (str(source),)
    launcher.add_catalogue(str(source))  # twice: remembered once
    assert launcher.catalogue_sources() == [str(source)]

    launcher.remove_catalogue(str(source))
    assert "added-course" not in launcher.catalogue
    assert bundled <= {course.id for course in launcher.catalogue}
    assert load_settings(launcher.paths).settings.catalogue_sources == ()


def test_a_catalogue_that_does_not_load_is_not_remembered(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('schema = 1\n[[course]]\nid = "x"\n', encoding="utf-8")
    launcher = Launcher.open(offline=True)
    before = launcher.catalogue
    with pytest.raises(CatalogueError):
        launcher.add_catalogue(str(broken))
    assert launcher.catalogue is before
    assert launcher.catalogue_sources() == []
