"""A catalogue cannot quietly take over a course, in the window: a course started under
catalogue A, then redefined by catalogue B (added in Settings) with another image. Start
asks, naming both catalogues and both images; "Keep it as it was" changes nothing, "Use
the new definition" starts it on B's image in the same folder with a new token."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import docker
import pytest
from pytestqt.qtbot import QtBot

from launcher.core.catalogue.definitions import definition_of
from launcher.core.environments.state import EnvironmentState
from launcher.core.local.settings import with_course, with_definition
from launcher.ui.jobs import env_key
from launcher.ui.main_window import MainWindow
from tests.helpers.folders import make_student_folder
from tests.helpers.window import screenshot
from tests.testbed.testbed import TestbedState

COURSE = "test-jupyter"
IMAGE_LABEL = "org.course-launcher.image"


@pytest.mark.gallery
def test_start_asks_before_a_new_definition_gets_the_folder_and_token(
    qtbot: QtBot, window: MainWindow, testbed: TestbedState, course_catalogue: Path,
    student_area: Path, clean_engine: docker.DockerClient, tmp_path: Path,
) -> None:  # fmt: skip
    launcher = window.launcher
    folder = make_student_folder(student_area, "TM351 work")
    launcher.start(COURSE, folder)  # under catalogue A, before B exists
    launcher.settings = replace(launcher.settings, open_browser=False)
    first_token = launcher.known_token(COURSE)
    old = clean_engine.containers.get(f"course-launcher-{COURSE}")
    assert old.labels[IMAGE_LABEL] == testbed.images["jupyter"]
    made_for = launcher.settings.course(COURSE).made_for
    assert made_for is not None and made_for.source == str(course_catalogue)

    other = tmp_path / "other-catalogue.toml"
    other.write_text(
        course_catalogue.read_text().replace(
            f'image = "{testbed.images["jupyter"]}"', f'image = "{testbed.images["multi"]}"', 1
        )
    )
    launcher.add_catalogue(str(other))
    window.catalogue_changed()
    launcher.stop(COURSE)  # so Start is offered
    window.select_course(COURSE)
    qtbot.waitUntil(window.page.start.isEnabled, timeout=20_000)

    def asked() -> bool:
        question = window.course_actions.definition_question
        return question is not None and question.isVisible()

    # No: everything stays as it was.
    window.page.start.click()
    qtbot.waitUntil(asked, timeout=10_000)
    question = window.course_actions.definition_question
    assert question is not None
    text = question.text()
    assert str(course_catalogue) in text and str(other) in text
    jupyter, multi = (testbed.images[name].rsplit(":", 1)[0] for name in ("jupyter", "multi"))
    assert jupyter in text and multi in text and "/home/ou/TM351-24J" in text
    assert question.defaultButton() is question.keep_button
    for button in (question.accept_button, question.keep_button):
        assert button.accessibleName()
    shot = screenshot(question, "gallery-new-definition-question")
    assert shot.stat().st_size > 0
    question.keep_button.click()
    qtbot.waitUntil(lambda: not question.isVisible(), timeout=5_000)
    qtbot.wait(500)  # time for a job that must not start
    assert not window.runner.busy(env_key(COURSE))
    assert launcher.settings.course(COURSE).made_for == made_for
    assert launcher.known_token(COURSE) == first_token
    unchanged = clean_engine.containers.get(f"course-launcher-{COURSE}")
    assert unchanged.id == old.id and unchanged.status == "exited"

    # Yes: started on B's image, same folder, a new token.
    window.page.start.click()
    qtbot.waitUntil(asked, timeout=10_000)
    again = window.course_actions.definition_question
    assert again is not None and again is not question
    again.accept_button.click()

    def started_or_failed() -> bool:
        status = window.state.statuses.get(COURSE)
        return COURSE in window.state.errors or (
            status is not None and status.state == EnvironmentState.RUNNING
        )

    qtbot.waitUntil(started_or_failed, timeout=120_000)
    assert COURSE not in window.state.errors, window.state.errors[COURSE]
    new = clean_engine.containers.get(f"course-launcher-{COURSE}")
    assert new.id != old.id and new.labels[IMAGE_LABEL] == testbed.images["multi"]
    assert window.state.statuses[COURSE].folder == str(folder)
    new_token = launcher.known_token(COURSE)
    assert new_token and new_token != first_token
    recorded = launcher.settings.course(COURSE).made_for
    assert recorded is not None and recorded.source == str(other)
    assert launcher.definition_change(COURSE) is None


def test_a_new_workspace_is_accepted_and_the_folder_chosen_again(
    qtbot: QtBot, window: MainWindow, testbed: TestbedState, course_catalogue: Path,
    student_area: Path, clean_engine: docker.DockerClient, tmp_path: Path,
) -> None:  # fmt: skip
    launcher = window.launcher
    folder = make_student_folder(student_area, "TM351 work")
    made_for = definition_of(launcher.course(COURSE))  # as a start under A records it
    launcher.update_settings(
        lambda s: with_definition(with_course(s, COURSE, folder=folder), COURSE, made_for)
    )
    token = launcher.ensure_token(COURSE)
    other = tmp_path / "other-catalogue.toml"
    other.write_text(
        course_catalogue.read_text().replace(
            'workspace = "/home/ou/TM351-24J"', 'workspace = "/home/other/work"', 1
        )
    )
    launcher.add_catalogue(str(other))
    window.catalogue_changed()
    window.select_course(COURSE)
    start = window.page.start  # the next step: Install, or Start when the image is here
    qtbot.waitUntil(lambda: start.isVisible() and start.isEnabled(), timeout=20_000)

    start.click()
    qtbot.waitUntil(lambda: window.course_actions.definition_question is not None, timeout=10_000)
    question = window.course_actions.definition_question
    assert question is not None and question.isVisible()
    assert "/home/other/work" in question.text() and "choose the folder again" in question.text()
    question.accept_button.click()
    qtbot.waitUntil(
        lambda: "choose its folder again" in window.statusBar().currentMessage(), timeout=10_000
    )
    assert str(folder) in window.statusBar().currentMessage()
    saved = launcher.settings.course(COURSE)
    assert saved.folder is None and saved.made_for is not None
    assert saved.made_for.workspace == "/home/other/work" and saved.made_for.source == str(other)
    assert launcher.known_token(COURSE) != token
    assert folder.is_dir()  # kept as it was
    assert not window.runner.busy(env_key(COURSE))  # nothing installed or started on its own
    assert clean_engine.containers.list(all=True) == []
