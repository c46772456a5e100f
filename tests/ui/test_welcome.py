"""The first run's page, "Which course are you studying?": in the real window on the
test engine (the bundled catalogue and the test courses, sizes from the real
registry), and on its own over a catalogue of many courses (search, keyboard)."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from launcher.core.catalogue.model import Catalogue, parse_catalogue
from launcher.core.launcher import Launcher
from launcher.core.local.settings import with_course
from launcher.core.text import human_size
from launcher.ui.widgets.welcome import WelcomePage
from tests.helpers.images import remove_all_images
from tests.helpers.window import CapturedOpener, open_window, screenshot

SUBJECTS = ["Data management", "Chemistry in context", "Software engineering",
            "Statistics", "Databases", "Ecology", "Linear algebra", "Music"]  # fmt: skip


def many_courses(count: int = 64) -> Catalogue:
    text = "schema = 1\n"
    for number in range(count):
        subject = SUBJECTS[number % len(SUBJECTS)]
        text += f"""
[[course]]
id = "c{number:03d}"
code = "M{number:03d}"
presentation = "25J"
title = "{subject} {number // len(SUBJECTS) + 1}"
image = "example.org/course{number}:25j"
workspace = "/home/student/work"
[[course.services]]
name = "Jupyter"
port = 8888
"""
    return parse_catalogue(text, "many.toml")


def test_search_filters_many_courses_and_the_keyboard_chooses_one(qtbot: QtBot) -> None:
    page = WelcomePage()
    qtbot.addWidget(page)
    page.fill(many_courses())
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    page.setFocus()  # the page hands it to its search field
    qtbot.waitUntil(page.search.hasFocus, timeout=5_000)
    assert len(page.visible_ids()) == 64
    chosen: list[str] = []
    page.chosen.connect(chosen.append)

    qtbot.keyClicks(page.search, "chemistry")
    assert page.visible_ids() == [f"c{n:03d}" for n in range(1, 64, 8)]
    assert page.current_id() == "c001"  # Enter would choose the first match
    qtbot.keyClicks(page.search, " 3")  # each word, in the code or the title
    assert page.visible_ids() == ["c017", "c033"]  # "Chemistry in context 3", "M033"
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    assert chosen == ["c017"]  # the first match

    page.search.clear()
    qtbot.keyClicks(page.search, "m04")  # by code
    assert page.visible_ids() == [f"c{n:03d}" for n in range(40, 50)]
    qtbot.keyClick(page.search, Qt.Key.Key_Down)  # into the list, at the first match
    assert page.list.hasFocus() and page.current_id() == "c040"
    qtbot.keyClick(page.list, Qt.Key.Key_Down)
    qtbot.keyClick(page.list, Qt.Key.Key_Down)
    assert page.current_id() == "c042"
    qtbot.keyClick(page.list, Qt.Key.Key_Return)
    assert chosen == ["c017", "c042"]
    qtbot.keyClicks(page.list, "5")  # typing in the list goes on searching
    assert page.search.hasFocus() and page.search.text() == "m045"
    assert page.visible_ids() == ["c045"]

    page.search.setFocus()
    order = [page.focusWidget()]
    for _ in range(2):
        page.focusNextChild()
        order.append(page.focusWidget())
    assert order == [page.search, page.list, page.add_catalogue]  # Tab: search, list, link
    for widget in order:
        assert widget is not None and widget.accessibleName()

    page.search.setText("no such course")
    assert page.visible_ids() == [] and page.empty.isVisible()
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    assert chosen == ["c017", "c042"]  # nothing to choose
    QApplication.processEvents()


@pytest.mark.gallery
def test_a_first_run_welcomes_then_choosing_a_course_shows_it(
    qtbot: QtBot, launcher: Launcher, opener: CapturedOpener, clean_engine: docker.DockerClient
) -> None:
    remove_all_images(clean_engine)
    window = open_window(qtbot, launcher, opener, first_run=None)  # as the app opens it
    try:
        welcome = window.welcome
        assert welcome is not None and welcome.isVisible()
        assert welcome.heading.text() == "Which course are you studying?"
        listed = welcome.visible_ids()
        assert listed == [course.id for course in launcher.catalogue]  # bundled and test ones
        assert {"tm351-24j", "test-jupyter", "test-db"} <= set(listed)
        qtbot.waitUntil(lambda: window.watch.engine_ok, timeout=15_000)
        size = launcher.check_download("test-jupyter").download_bytes
        assert size is not None
        row = listed.index("test-jupyter")
        item = welcome.list.topLevelItem(row)
        assert item is not None and item.text(0) == "TEST1 24J"
        assert item.text(1) == "Jupyter test course"
        qtbot.waitUntil(lambda: item.text(2) == human_size(size), timeout=60_000)
        screenshot(window, "gallery-first-run")

        qtbot.keyClicks(welcome.search, "database test")
        assert welcome.visible_ids() == ["test-db"]
        qtbot.keyClick(welcome.search, Qt.Key.Key_Return)
        assert window.welcome is None
        assert window.views.currentIndex() == 0 and window.page.isVisible()
        assert window.selected_id() == "test-db"
        qtbot.waitUntil(
            lambda: (
                window.page.start.isVisible()
                and window.page.start.accessibleName().startswith("Install")
            ),
            timeout=10_000,
        )  # its next step: not on this computer yet
    finally:
        window.close()


def test_the_link_opens_the_catalogue_address_entry(
    qtbot: QtBot, launcher: Launcher, opener: CapturedOpener, clean_engine: docker.DockerClient
) -> None:
    window = open_window(qtbot, launcher, opener, first_run=True)
    try:
        assert window.welcome is not None
        qtbot.mouseClick(window.welcome.add_catalogue, Qt.MouseButton.LeftButton)
        dialog = window.settings_dialog
        assert dialog is not None and dialog.isVisible()
        qtbot.waitUntil(dialog.new_source.hasFocus, timeout=5_000)
        dialog.reject()
    finally:
        window.close()


def test_no_welcome_once_a_course_was_used_here_or_on_the_engine(
    qtbot: QtBot, launcher: Launcher, opener: CapturedOpener, clean_engine: docker.DockerClient,
    tmp_path: Path,
) -> None:  # fmt: skip
    launcher.update_settings(lambda s: with_course(s, "test-jupyter", folder=tmp_path))
    used = open_window(qtbot, launcher, opener, first_run=None)
    assert used.welcome is None and used.page.isVisible()
    used.close()

    remove_all_images(clean_engine)
    launcher.install("test-db")  # a course image from before, say a tutor's
    launcher.update_settings(lambda s: type(s)())  # the settings forgotten
    window = open_window(qtbot, launcher, opener, first_run=None)
    try:
        assert window.welcome is not None  # the settings know of no course...
        qtbot.waitUntil(lambda: window.welcome is None, timeout=30_000)  # ...the engine does
        assert window.page.isVisible()
    finally:
        window.close()
