"""The frozen app, built once per session from build.spec and cached between sessions
(:mod:`tests.helpers.bundle` says where and how)."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.bundle import NAME, build, bundle_key, cache_root, forget_unused
from tests.helpers.ci import IN_CI
from tests.helpers.folders import folder_size

FIGURES: dict[str, str] = {}  # shown at the end of the run


@pytest.fixture(scope="session")
def frozen_bundle() -> Iterator[Path]:
    """The one-folder bundle (``…/course-launcher/``), built or taken from the cache."""
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        reason = "PyInstaller is not installed (it is in the test extras)"
        if IN_CI:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    key = bundle_key()
    ready = root / key
    with (root / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # builds and clean-ups happen one at a time
        if not (ready / "dist" / NAME / NAME).exists():
            shutil.rmtree(ready, ignore_errors=True)
            scratch = root / f"building-{os.getpid()}"
            shutil.rmtree(scratch, ignore_errors=True)
            scratch.mkdir()
            seconds = build(scratch)
            scratch.rename(ready)
            FIGURES["bundle build"] = f"{seconds:.0f} s"
        else:
            FIGURES["bundle build"] = "cached, 0 s"
        in_use = (root / f"{key}.in-use").open("w")
        fcntl.flock(in_use, fcntl.LOCK_SH)  # held while this session uses the bundle
        forget_unused(root, keep=key)
    bundle = ready / "dist" / NAME
    FIGURES["bundle size"] = f"{folder_size(bundle) / 1e6:.1f} MB ({bundle})"
    try:
        yield bundle
    finally:
        in_use.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for name, value in FIGURES.items():
        terminalreporter.write_line(f"packaging: {name}: {value}")
