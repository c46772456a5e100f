"""The frozen app's bundle: what it is made from, building it, and clearing out old ones.

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
from importlib.metadata import distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAME = "course-launcher"


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


def build(target: Path) -> float:
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


def forget_unused(root: Path, keep: str) -> None:
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
