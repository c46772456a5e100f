"""Jobs run off the GUI thread, at a lower priority than it."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from launcher.core.operation import CancelToken
from launcher.ui.jobs import WORKER_NICENESS, Job, JobRunner, plain


@pytest.mark.skipif(sys.platform != "linux", reason="niceness is per thread on Linux only")
def test_jobs_run_niced_on_a_worker_thread(qtbot: QtBot, tmp_path: Path) -> None:
    gui_thread = threading.get_native_id()
    gui_niceness = os.getpriority(os.PRIO_PROCESS, gui_thread)
    seen: dict[str, int] = {}

    def work(_report: Any, _cancel: CancelToken) -> str:
        seen["thread"] = threading.get_native_id()
        seen["niceness"] = os.getpriority(os.PRIO_PROCESS, seen["thread"])
        return "done"

    # Qt deletes the runner, after its queued signals
    runner = JobRunner(QApplication.instance(), log_file=tmp_path / "launcher.log")
    job = Job("probe", "Probing", work)
    with qtbot.waitSignal(job.succeeded, timeout=10_000) as outcome:
        runner.submit(job)
    qtbot.waitUntil(lambda: not runner.any_active())
    assert outcome.args == ["done"]
    assert seen["thread"] != gui_thread
    assert seen["niceness"] == max(WORKER_NICENESS, gui_niceness)
    assert os.getpriority(os.PRIO_PROCESS, gui_thread) == gui_niceness  # the GUI is untouched
    runner.deleteLater()


def test_an_unexpected_failure_names_the_launchers_own_log_file(
    qtbot: QtBot, tmp_path: Path
) -> None:
    def broken() -> None:
        raise RuntimeError("a bug, not a student's mistake")

    log_file = tmp_path / "elsewhere" / "launcher.log"
    runner = JobRunner(QApplication.instance(), log_file=log_file)
    job = Job("probe", "Probing", plain(broken))
    with qtbot.waitSignal(job.failed, timeout=10_000) as outcome:
        runner.submit(job)
    qtbot.waitUntil(lambda: not runner.any_active())
    message, hint = outcome.args
    assert message == "Something went wrong while probing (RuntimeError)."
    assert hint == f"The details are in {log_file}; please send it to your tutor."
    runner.deleteLater()
