"""Update, Export and Import from the window's Course menu, and what the course list
says of each course (installed, size to download, update available), on the real
engine and registry."""

from __future__ import annotations

from pathlib import Path

import docker
import requests
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from launcher.core.launcher import Launcher
from launcher.core.text import human_size
from launcher.ui.main_window import MainWindow
from launcher.ui.widgets.course_list import ID_ROLE
from tests.helpers.images import remove_all_images
from tests.helpers.registry import UPDATE_COURSE_ID, Published, publish_new_version
from tests.helpers.window import CapturedOpener, open_window, screenshot
from tests.testbed.testbed import TestbedState

MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
    ]
)


def registry_layer_total(testbed: TestbedState, reference: str) -> int:
    """The sum of the image's layer sizes as the registry lists them (asked directly)."""
    repository, _, tag = reference.removeprefix(f"{testbed.registry}/").rpartition(":")
    response = requests.get(
        f"http://{testbed.registry}/v2/{repository}/manifests/{tag}",
        headers={"Accept": MANIFEST_TYPES},
        timeout=10,
    )
    response.raise_for_status()
    return sum(int(layer["size"]) for layer in response.json()["layers"])


def list_line(window: MainWindow, course_id: str) -> str:
    for row in range(window.course_list.count()):
        item = window.course_list.item(row)
        if item.data(ID_ROLE) == course_id:
            return str(item.text()).split("\n", 1)[1]
    raise AssertionError(f"{course_id} is not listed")


def test_list_tells_installed_size_and_update_then_update_from_the_menu(
    qtbot: QtBot, published: Published, testbed: TestbedState, course_catalogue: Path,
    clean_engine: docker.DockerClient, opener: CapturedOpener,
) -> None:  # fmt: skip
    old_id = clean_engine.images.get(published.ref).id
    new_id = publish_new_version(clean_engine, published, 2)
    launcher = Launcher.open(
        catalogues=[str(published.catalogue), str(course_catalogue)], engine=testbed.docker_host
    )
    window = open_window(qtbot, launcher, opener)
    try:
        qtbot.waitUntil(
            lambda: {UPDATE_COURSE_ID, "test-jupyter"} <= window.state.facts.keys(), timeout=30_000
        )
        assert list_line(window, UPDATE_COURSE_ID) == "Installed · update available"
        expected = human_size(registry_layer_total(testbed, testbed.images["jupyter"]))
        assert list_line(window, "test-jupyter") == f"Not installed · {expected} to download"
        window.select_course(UPDATE_COURSE_ID)
        screenshot(window, "course-list-update-available")

        window.image_actions.update_action.trigger()
        qtbot.waitUntil(lambda: window.image_actions.removal_question is not None, timeout=120_000)
        assert UPDATE_COURSE_ID not in window.state.errors
        name = launcher.course(UPDATE_COURSE_ID).display_name
        assert (
            window.statusBar().currentMessage().startswith(f"Updated {name} to the newest version.")
        )
        assert clean_engine.images.get(published.ref).id == new_id
        question = window.image_actions.removal_question
        assert question is not None
        screenshot(question, "update-remove-old-question")
        question.button(question.StandardButton.Yes).click()
        qtbot.waitUntil(
            lambda: "old version was removed" in window.statusBar().currentMessage(),
            timeout=60_000,
        )
        assert old_id not in {image.id for image in clean_engine.images.list(all=True)}
        qtbot.waitUntil(lambda: list_line(window, UPDATE_COURSE_ID) == "Installed", timeout=15_000)
    finally:
        window.close()
        launcher.close()


def test_export_and_import_from_the_menu(
    qtbot: QtBot, window: MainWindow, clean_engine: docker.DockerClient, tmp_path: Path,
) -> None:  # fmt: skip
    window.launcher.install("test-jupyter")
    image_id = clean_engine.images.get(window.launcher.course("test-jupyter").image).id
    window.select_course("test-jupyter")
    target = tmp_path / "carry" / "test-jupyter.course.tar"
    target.parent.mkdir()
    seen: list[str] = []
    window.draw_timer.timeout.connect(lambda: seen.append(window.page.status_text.text()))

    job = window.image_actions.export_selected(target)
    assert job is not None
    qtbot.waitUntil(lambda: not window.runner.busy("env:test-jupyter"), timeout=120_000)
    assert "test-jupyter" not in window.state.errors
    message = window.statusBar().currentMessage()
    course = window.launcher.course("test-jupyter")
    assert message.startswith(f"Exported {course.display_name} to {target} (")
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no partial left
    assert any(text.startswith(("Writing the file", "Docker is preparing")) for text in seen)

    remove_all_images(clean_engine)
    window.refresh()
    qtbot.waitUntil(lambda: list_line(window, "test-jupyter").startswith("Not installed"),
                    timeout=15_000)  # fmt: skip

    cut = tmp_path / "cut.course.tar"
    cut.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    window.image_actions.import_file(cut)
    qtbot.waitUntil(lambda: not window.runner.busy("import"), timeout=60_000)
    refused = window.statusBar().currentMessage()
    assert "Imported" not in refused and refused, refused
    assert image_id not in {image.id for image in clean_engine.images.list(all=True)}

    job = window.image_actions.import_file(target)
    assert job is not None
    assert window.image_actions.strip.isVisible()
    screenshot(window, "importing")
    qtbot.waitUntil(lambda: not window.runner.busy("import"), timeout=120_000)
    assert "Imported" in window.statusBar().currentMessage()
    assert not window.image_actions.strip.isVisible()
    assert clean_engine.images.get(window.launcher.course("test-jupyter").image).id == image_id
    qtbot.waitUntil(lambda: list_line(window, "test-jupyter") == "Installed", timeout=15_000)


def test_import_asks_before_replacing_another_sources_image(
    qtbot: QtBot, window: MainWindow, testbed: TestbedState, clean_engine: docker.DockerClient,
    course_catalogue: Path, tmp_path: Path,
) -> None:  # fmt: skip
    from launcher.core.archive.transfer import export_course

    launcher = window.launcher
    launcher.install("test-jupyter")
    course = launcher.course("test-jupyter")
    installed = clean_engine.images.get(course.image).id
    base = testbed.images["base"]
    other_id = clean_engine.images.pull(base).id
    # A file of the course holding another image under its name (the base image).
    clean_engine.images.get(base).tag(course.image_ref.name, course.image_ref.tag)
    other = tmp_path / "other.course.tar"
    export_course(clean_engine, course, other)
    clean_engine.images.get(installed).tag(course.image_ref.name, course.image_ref.tag)

    try:
        window.image_actions.import_file(other)
        qtbot.waitUntil(lambda: window.image_actions.replace_question is not None, timeout=120_000)
        question = window.image_actions.replace_question
        assert question is not None and question.isVisible()
        assert str(course_catalogue) in question.text() and str(other) in question.text()
        assert clean_engine.images.get(course.image).id == installed  # nothing yet
        no_button = question.button(QMessageBox.StandardButton.No)
        qtbot.mouseClick(no_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.image_actions.replace_question is None, timeout=5_000)
        assert clean_engine.images.get(course.image).id == installed
        assert "kept" in window.statusBar().currentMessage()

        window.image_actions.import_file(other)
        qtbot.waitUntil(lambda: window.image_actions.replace_question is not None, timeout=120_000)
        question = window.image_actions.replace_question
        assert question is not None
        qtbot.mouseClick(question.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda: window.statusBar().currentMessage().startswith("Imported"), timeout=120_000
        )
        assert clean_engine.images.get(course.image).id == other_id
    finally:  # later tests expect the course's name on the course's image
        clean_engine.images.remove(course.image, force=True)
