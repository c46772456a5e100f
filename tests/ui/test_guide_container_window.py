"""Coming from the course guide, in the window: Start on TM351 asks about the container
made with the guide's ``docker run`` line; "Stop it and use its folder" starts TM351
in that folder at the address the student knew, and keeps the container."""

from __future__ import annotations

import docker
import pytest
from pytestqt.qtbot import QtBot

from launcher.core.environments.state import EnvironmentState
from launcher.ui.main_window import MainWindow
from tests.helpers.guide import GUIDE_PORT, GuideSetup
from tests.helpers.guide import guide_setup as guide_setup  # the fixture
from tests.helpers.window import screenshot

COURSE = "tm351-24j"


@pytest.mark.gallery
def test_start_asks_then_adopts_the_guides_container(
    qtbot: QtBot, window: MainWindow, guide_setup: GuideSetup, clean_engine: docker.DockerClient
) -> None:
    launcher = window.launcher
    launcher.settings = type(launcher.settings)(open_browser=False)
    window.select_course(COURSE)
    qtbot.waitUntil(window.page.start.isEnabled, timeout=10_000)
    window.page.start.click()

    qtbot.waitUntil(lambda: window.course_actions.guide_question is not None, timeout=30_000)
    question = window.course_actions.guide_question
    assert question is not None and question.isVisible()
    text = question.text()
    assert "tm351vce" in text and str(guide_setup.folder) in text and "does not delete" in text
    for button in (question.adopt_button, question.leave_button, question.cancel_button):
        assert button.accessibleName()
    screenshot(question, "gallery-guide-container-question")
    assert clean_engine.containers.get(guide_setup.container).status == "running"

    question.adopt_button.click()
    qtbot.waitUntil(
        lambda: (
            window.state.statuses.get(COURSE) is not None
            and window.state.statuses[COURSE].state == EnvironmentState.RUNNING
        ),
        timeout=120_000,
    )
    status = window.state.statuses[COURSE]
    assert status.folder == str(guide_setup.folder)
    assert status.ports[8888] == GUIDE_PORT
    assert COURSE not in window.state.errors
    assert "“tm351vce” is stopped and kept" in window.state.notices[COURSE]
    assert clean_engine.containers.get(guide_setup.container).status == "exited"
    assert launcher.settings.course(COURSE).folder == guide_setup.folder
