"""A full disk during an import, in the window: the message says what removing the
unused course images would free, as the command line says it (the advice is made in
the core, once, for both)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from launcher.core.launcher import Launcher
from launcher.core.text import human_size
from tests.helpers.faults import private_engine_for_test
from tests.helpers.window import CapturedOpener, open_window

DISK_MB = 3072  # the private engine's data root: room for one course image and a bit


@pytest.mark.timeout(600)
def test_a_full_disk_during_an_import_tells_what_unused_images_take(
    qtbot: QtBot, launcher: Launcher, course_catalogue: Path, opener: CapturedOpener,
    tmp_path: Path,
) -> None:  # fmt: skip
    launcher.install("test-multi")
    archive = launcher.export("test-multi", tmp_path / "multi.course.tar").path

    with private_engine_for_test(disk_mb=DISK_MB) as engine:
        small = Launcher.open(catalogues=[str(course_catalogue)], engine=engine.docker_host)
        try:
            small.install("test-db")  # a course image that no environment uses
            unused = [image for image in small.images() if image.unused]
            assert [image.names for image in unused] != []
            # Docker unpacks the file on its own disk first: leave less room than that.
            room = archive.stat().st_size // 3
            engine.fill((engine.free_bytes() - room) // 2**20)

            window = open_window(qtbot, small, opener)
            qtbot.waitUntil(lambda: window.watch.engine_ok, timeout=30_000)
            assert window.image_actions.import_file(archive) is not None
            qtbot.waitUntil(lambda: not window.runner.busy("import"), timeout=300_000)
            message = window.statusBar().currentMessage()

            assert "not enough free disk space" in message, message
            freed = human_size(sum(image.size for image in small.images() if image.unused))
            assert f"Unused course images take up to {freed}." in message, message
            assert "Imported" not in message
            window.close()
        finally:
            small.close()
