"""Fixtures of the flows that run for real; those the window tests share with them are
in :mod:`tests.helpers.fixtures`."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from launcher.core.launcher import Launcher
from tests.testbed.testbed import TestbedState


@pytest.fixture
def testbed_registry_stopped(testbed: TestbedState, launcher: Launcher) -> Iterator[None]:
    """The course image is installed, then the registry is frozen (SIGSTOP): any request
    to it would hang and fail, as on a train with no network."""
    launcher.install("test-jupyter")
    os.kill(testbed.registry_pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(testbed.registry_pid, signal.SIGCONT)
