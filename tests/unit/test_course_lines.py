"""The line under each course's name in the course list."""

from __future__ import annotations

import pytest

from launcher.core.catalogue.list_lines import RegistryFacts, list_line
from launcher.core.environments.state import EnvironmentState, EnvironmentStatus


def status(state: EnvironmentState) -> EnvironmentStatus:
    return EnvironmentStatus("c", state)


@pytest.mark.parametrize(
    ("state", "installed", "facts", "expected"),
    [
        (None, None, None, ""),  # Docker not reached yet: nothing is claimed
        (EnvironmentState.ABSENT, False, None, "Not installed"),
        (EnvironmentState.ABSENT, False, RegistryFacts(download_size=1_500_000_000),
         "Not installed · 1.5 GB to download"),
        (EnvironmentState.ABSENT, True, None, "Installed"),
        (EnvironmentState.ABSENT, True, RegistryFacts(update_available=True),
         "Installed · update available"),
        (EnvironmentState.ABSENT, True, RegistryFacts(update_available=False), "Installed"),
        (EnvironmentState.RUNNING, True, RegistryFacts(update_available=True),
         "Running · update available"),
        (EnvironmentState.STOPPED, True, None, "Stopped"),
        (EnvironmentState.CREATED, False, None, "Stopped"),
        # a size learnt before the install is not shown once it is installed
        (EnvironmentState.ABSENT, True, RegistryFacts(download_size=10), "Installed"),
    ],
)  # fmt: skip
def test_list_line(
    state: EnvironmentState | None,
    installed: bool | None,
    facts: RegistryFacts | None,
    expected: str,
) -> None:
    assert list_line(None if state is None else status(state), installed, facts) == expected
