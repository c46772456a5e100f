"""The frozen app, built once per session from build.spec and cached between sessions.

The bundle is cached under ``~/.cache/course-launcher-packaging/`` (or
``$XDG_CACHE_HOME``), keyed by a hash of the app's sources, resources, build.spec
and the installed package versions, so a rerun with nothing changed builds
nothing. PyInstaller's work folder lives there too, never in the work tree. Only
the bundles that a running session uses, and the newest one, are kept.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.metadata import distributions
from pathlib import Path

import pytest

from tests.helpers.ci import IN_CI
from tests.helpers.folders import folder_size

ROOT = Path(__file__).resolve().parents[2]
NAME = "course-launcher"
FIGURES: dict[str, str] = {}  # shown at the end of the run


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "course-launcher-packaging"


def bundle_key() -> str:
    """What the bundle is made from: sources, data files, recipe, Python and packages."""
    digest = hashlib.sha256()
    files = [ROOT / "build.spec", ROOT / "pyproject.toml"]
    files += sorted((ROOT / "launcher").rglob("*.py")) + sorted((ROOT / "resources").iterdir())
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    installed = sorted(f"{d.metadata['Name']}=={d.version}" for d in distributions())
    digest.update("\n".join([sys.version, *installed]).encode())
    return digest.hexdigest()[:16]


def _build(target: Path) -> float:
    """PyInstaller into ``target`` (dist/ and work/); returns the seconds it took."""
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(target / "dist"), "--workpath", str(target / "work"),
         str(ROOT / "build.spec")],
        capture_output=True, text=True, check=False, cwd=target,
    )  # fmt: skip
    if result.returncode != 0:
        pytest.fail(f"PyInstaller failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
    return time.monotonic() - began


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
            seconds = _build(scratch)
            scratch.rename(ready)
            FIGURES["bundle build"] = f"{seconds:.0f} s"
        else:
            FIGURES["bundle build"] = "cached, 0 s"
        in_use = (root / f"{key}.in-use").open("w")
        fcntl.flock(in_use, fcntl.LOCK_SH)  # held while this session uses the bundle
        _forget_unused(root, keep=key)
    bundle = ready / "dist" / NAME
    FIGURES["bundle size"] = f"{folder_size(bundle) / 1e6:.1f} MB ({bundle})"
    try:
        yield bundle
    finally:
        in_use.close()


def _forget_unused(root: Path, keep: str) -> None:
    """Remove the bundles of other sources that no session is using (under the lock).

    Each session holds a shared lock on ``KEY.in-use`` while it uses bundle KEY; one
    that nobody holds can go. Half-made builds (a killed session) go too.
    """
    for entry in root.iterdir():
        if entry.name.startswith("building-"):
            shutil.rmtree(entry, ignore_errors=True)
            continue
        if not entry.is_dir() or entry.name == keep:
            continue
        marker = root / f"{entry.name}.in-use"
        with marker.open("w") as other:
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # another session is testing that bundle now
            shutil.rmtree(entry, ignore_errors=True)
            marker.unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for name, value in FIGURES.items():
        terminalreporter.write_line(f"packaging: {name}: {value}")
