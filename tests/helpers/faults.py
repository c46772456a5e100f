"""Private fault engines for a test (:mod:`tests.testbed.fault_engine`), and what one
has downloaded so far."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.helpers.ci import IN_CI
from tests.testbed import tools
from tests.testbed.fault_engine import FaultEngine, fault_run_folder


@contextmanager
def private_engine_for_test(disk_mb: int | None = None) -> Iterator[FaultEngine]:
    """A fault engine; where none can start, the test fails in CI and is skipped elsewhere
    (as the shared testbed's tests are)."""
    engine = FaultEngine(fault_run_folder(), disk_mb=disk_mb)
    try:
        try:
            engine.prepare()
            engine.start()
        except tools.TestbedUnavailable as exc:
            reason = f"the private fault engine could not start: {exc}"
            if IN_CI:
                pytest.fail(reason, pytrace=False)
            pytest.skip(reason + " (it needs root: its own bridge and loop-mounted disk)")
        yield engine
    finally:
        engine.stop()


def downloaded_bytes(engine: FaultEngine) -> int:
    """What the engine has written of a pull so far (its download folder and layers)."""
    total = 0
    for folder in (engine.data_root / "tmp", engine.data_root / "overlay2"):
        for path in folder.rglob("*"):
            try:
                if path.is_file() and not path.is_symlink():
                    total += path.stat().st_size
            except OSError:
                pass
    return total
