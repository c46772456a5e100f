"""Jobs run off the GUI thread, at a lower priority than it."""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from launcher.core.operation import CancelToken
from launcher.ui.jobs import WORKER_NICENESS, Job, JobRunner


@pytest.mark.skipif(sys.platform != "linux", reason="niceness is per thread on Linux only")
def test_jobs_run_niced_on_a_worker_thread(qtbot: QtBot) -> None:
    gui_thread = threading.get_native_id()
    gui_niceness = os.getpriority(os.PRIO_PROCESS, gui_thread)
    seen: dict[str, int] = {}

    def work(_report: Any, _cancel: CancelToken) -> str:
        seen["thread"] = threading.get_native_id()
        seen["niceness"] = os.getpriority(os.PRIO_PROCESS, seen["thread"])
        return "done"

    runner = JobRunner(QApplication.instance())  # Qt deletes it, after its queued signals
    job = Job("probe", "Probing", work)
    with qtbot.waitSignal(job.succeeded, timeout=10_000) as outcome:
        runner.submit(job)
    qtbot.waitUntil(lambda: not runner.any_active())
    assert outcome.args == ["done"]
    assert seen["thread"] != gui_thread
    assert seen["niceness"] == max(WORKER_NICENESS, gui_niceness)
    assert os.getpriority(os.PRIO_PROCESS, gui_thread) == gui_niceness  # the GUI is untouched
    runner.deleteLater()
