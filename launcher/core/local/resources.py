"""Find the launcher's data files, from a source tree, a wheel or a frozen bundle."""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path


def resource_path(name: str) -> Path:
    """Path of a file shipped in ``resources/``."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:  # PyInstaller unpacks data files beside the executable
        return Path(bundle) / "resources" / name
    return Path(str(files("launcher.resources").joinpath(name)))
