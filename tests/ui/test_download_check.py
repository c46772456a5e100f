"""The check before a download, in the real window: a warning is a question asked before
a byte is fetched, and a disk that cannot hold the download is a refusal on the page."""

from __future__ import annotations

from pathlib import Path

import docker
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from launcher.core.launcher import Launcher
from launcher.core.text import human_size
from launcher.ui.main_window import MainWindow
from tests.helpers.catalogue import catalogue_text
from tests.helpers.faults import downloaded_bytes, private_engine_for_test
from tests.helpers.images import remove_all_images
from tests.helpers.window import CapturedOpener, open_window, screenshot
from tests.testbed.services import free_port
from tests.testbed.testbed import TestbedState

LEFT = Qt.MouseButton.LeftButton
# The Jupyter test image, for a course that asks more memory than any test machine has.
HUNGRY = """
[[course]]
id = "test-hungry"
code = "TEST9"
presentation = "24J"
title = "Memory-hungry test course"
image = "{image}"
workspace = "/home/ou/TM351-24J"
memory = "4096g"
[[course.services]]
name = "Jupyter"
port = 8888
"""


def offers_install(window: MainWindow) -> bool:
    """The page's next step is Install (the course's state is known, no image here)."""
    button = window.page.start
    return button.isVisible() and button.accessibleName().startswith("Install")


@pytest.fixture
def hungry_launcher(
    testbed: TestbedState, tmp_path: Path, clean_engine: docker.DockerClient
) -> Launcher:
    path = tmp_path / "hungry.toml"
    text = catalogue_text(testbed, free_port(), free_port())
    path.write_text(text + HUNGRY.format(image=testbed.images["jupyter"]))
    return Launcher.open(catalogues=[str(path)], engine=testbed.docker_host)


@pytest.mark.gallery
def test_a_warning_is_asked_before_the_download_and_cancel_fetches_nothing(
    qtbot: QtBot, hungry_launcher: Launcher, opener: CapturedOpener,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    remove_all_images(clean_engine)
    window = open_window(qtbot, hungry_launcher, opener)
    try:
        qtbot.waitUntil(lambda: window.watch.engine_ok, timeout=15_000)
        window.select_course("test-hungry")
        qtbot.waitUntil(lambda: offers_install(window), timeout=15_000)
        qtbot.mouseClick(window.page.start, LEFT)  # Install: the check, then the start
        flow = window.course_actions.install_flow
        qtbot.waitUntil(lambda: flow.question is not None, timeout=30_000)
        box = flow.question
        assert isinstance(box, QMessageBox) and box.isVisible()
        words = box.informativeText()
        assert "may use up to 4096.0 GiB of memory, and Docker can use only" in words
        assert "Settings > Resources > Memory" in words
        size = hungry_launcher.check_download("test-hungry").download_bytes
        assert size is not None and human_size(size) in box.text()
        assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
        screenshot(box, "gallery-download-check-warning")

        box.button(QMessageBox.StandardButton.Cancel).click()
        qtbot.waitUntil(lambda: flow.question is None, timeout=5_000)
        assert not window.runner.busy("env:test-hungry")
        assert "Not downloaded." in window.statusBar().currentMessage()
        assert clean_engine.images.list() == []

        window.page.download_action.trigger()  # More > Download only: checked the same
        qtbot.waitUntil(lambda: flow.question is not None, timeout=30_000)
        [go] = [b for b in flow.question.buttons() if b.accessibleName() == "Download anyway"]
        go.click()
        qtbot.waitUntil(lambda: window.runner.busy("env:test-hungry"), timeout=5_000)
        job = window.runner.active("env:test-hungry")
        assert job is not None and job.title == "Downloading TEST9"
        qtbot.waitUntil(lambda: not window.runner.busy("env:test-hungry"), timeout=180_000)
        assert "test-hungry" not in window.state.errors
        assert hungry_launcher.check_download("test-hungry").installed
    finally:
        window.close()
        hungry_launcher.close()


@pytest.mark.gallery
@pytest.mark.timeout(600)
def test_a_disk_that_cannot_hold_the_download_is_a_refusal_on_the_page(
    qtbot: QtBot, course_catalogue: Path, opener: CapturedOpener
) -> None:
    with private_engine_for_test(disk_mb=512) as engine:
        small = Launcher.open(catalogues=[str(course_catalogue)], engine=engine.docker_host)
        window = open_window(qtbot, small, opener)
        try:
            size = small.check_download("test-jupyter").download_bytes
            assert size is not None
            engine.fill((engine.free_bytes() - size // 2) // 2**20)
            qtbot.waitUntil(lambda: window.watch.engine_ok, timeout=30_000)
            window.select_course("test-jupyter")
            qtbot.waitUntil(lambda: offers_install(window), timeout=15_000)
            qtbot.mouseClick(window.page.start, LEFT)  # Install
            qtbot.waitUntil(lambda: "test-jupyter" in window.state.errors, timeout=30_000)
            qtbot.waitUntil(lambda: not window.runner.busy("env:test-jupyter"), timeout=10_000)

            message, hint = window.state.errors["test-jupyter"]
            assert f"the download is {human_size(size)}, and only" in message
            assert "images --prune" in hint
            window.redraw()
            assert message in window.page.status_text.text()
            assert window.course_actions.install_flow.question is None  # refused, not asked
            assert downloaded_bytes(engine) == 0
            screenshot(window, "gallery-download-check-refused")
        finally:
            window.close()
            small.close()
