"""GUI fixtures: the real main window over a launcher pointed at the test engine."""

from __future__ import annotations

from collections.abc import Iterator

import docker
import pytest
from pytestqt.qtbot import QtBot

from launcher.core.launcher import Launcher
from launcher.ui.main_window import MainWindow
from tests.helpers.window import CapturedOpener, open_window


@pytest.fixture
def opener() -> CapturedOpener:
    return CapturedOpener()


@pytest.fixture
def window(
    qtbot: QtBot, launcher: Launcher, opener: CapturedOpener, clean_engine: docker.DockerClient
) -> Iterator[MainWindow]:
    main = open_window(qtbot, launcher, opener)
    qtbot.waitUntil(lambda: main.watch.engine_ok, timeout=15_000)
    yield main
    main.close()
