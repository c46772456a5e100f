"""Fixtures every test shares: an isolated launcher home, and the real test engine.

Tests that take ``testbed`` (or a fixture built on it) run against the private
dockerd and registry of ``tests/testbed``. With ``CI=true`` they fail when the
engine cannot start; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.helpers.ci import IN_CI
from tests.testbed.config import locations
from tests.testbed.lock import exclusive_use
from tests.testbed.testbed import (
    TestbedState,
    TestbedUnavailable,
    bring_up,
    read_state,
    tear_down,
    with_current_images,
)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Fixtures the integration and window tests share (a launcher on the test engine …).
pytest_plugins = ["tests.helpers.fixtures"]


@pytest.fixture(autouse=True)
def launcher_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own launcher folders and file-based secrets, and no real engine."""
    home = tmp_path / "launcher-home"
    monkeypatch.setenv("COURSE_LAUNCHER_HOME", str(home))
    monkeypatch.setenv("COURSE_LAUNCHER_SECRETS", "file")
    # Nothing may reach the developer's own engine by accident.
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))
    # The login entry (Settings: start at login) goes under XDG_CONFIG_HOME/autostart.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    return home


@pytest.fixture(scope="session")
def testbed() -> Iterator[TestbedState]:
    with exclusive_use(locations().run):
        state = read_state()
        started_here = False
        if state is not None:
            state = with_current_images(state)
        else:
            try:
                state = bring_up()
            except TestbedUnavailable as exc:
                reason = f"the test Docker engine could not start: {exc}"
                if IN_CI:
                    pytest.fail(reason, pytrace=False)
                pytest.skip(reason + " (run `python3 dev.py test` as root on Debian to get one)")
            started_here = True
        yield state
        if started_here:
            tear_down()


@pytest.fixture(scope="session")
def docker_client(testbed: TestbedState) -> Iterator[docker.DockerClient]:
    client = testbed.client()
    yield client
    client.close()


@pytest.fixture
def clean_engine(docker_client: docker.DockerClient) -> Iterator[docker.DockerClient]:
    """The engine with no containers or volumes left by an earlier test."""
    yield docker_client
    for container in docker_client.containers.list(all=True):
        container.remove(force=True, v=True)
    docker_client.volumes.prune()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "testbed" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.engine)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for outcome in counts:
        for report in terminalreporter.stats.get(outcome, []):
            if "engine" in getattr(report, "keywords", {}) and report.when in ("call", "setup"):
                if outcome == "passed" and report.when != "call":
                    continue
                counts[outcome] += 1
    terminalreporter.write_line(
        "engine tests (real dockerd + registry): "
        f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
    )
