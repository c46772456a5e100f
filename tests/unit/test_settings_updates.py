"""Settings changed from two threads at once (a start finishing in a job while the
Settings dialog saves) keep both changes, in memory and on disk."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

from launcher.core.launcher import Launcher
from launcher.core.local.settings import Settings, with_course
from launcher.core.local.settings_file import load_settings


def test_a_change_made_while_another_is_applied_is_not_lost(tmp_path: Path) -> None:
    launcher = Launcher.open(offline=True)
    assert launcher.settings.open_browser is True
    reading = threading.Event()

    def slow_start(settings: Settings) -> Settings:
        reading.set()
        time.sleep(0.2)  # the other change arrives while this one is being made
        return with_course(settings, "course-a", folder=tmp_path / "a", ports={"8888": 8351})

    start = threading.Thread(target=launcher.update_settings, args=(slow_start,))
    start.start()
    assert reading.wait(10)
    launcher.update_settings(lambda settings: replace(settings, open_browser=False))
    start.join(timeout=10)

    on_disk = load_settings(launcher.paths).settings
    assert on_disk == launcher.settings
    assert on_disk.open_browser is False
    assert on_disk.course("course-a").ports == {"8888": 8351}
