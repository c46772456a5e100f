"""The images the launcher itself downloaded or imported, by id, in its data folder.

A catalogue chooses the names of its courses' images, so a name says nothing about who
put an image on this computer: a catalogue naming ``ubuntu:latest`` would otherwise make
the student's own ``ubuntu:latest`` look like a course image to prune. Every pull the
launcher makes (install, update, a start that has to download) records the id it left
under the course's name, and import the id it loaded; a start that finds the image
already there records nothing. ``images --prune`` and ``purge --images`` remove only
recorded images; one pulled before this record existed is kept (the safe side).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from launcher.core.local.files import write_text_atomic

FILE_NAME = "pulled-images.json"
_VERSION = 1
log = logging.getLogger(__name__)


class PulledImages:
    """``<data>/pulled-images.json``: ``{"version": 1, "images": ["sha256:…", …]}``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def ids(self) -> set[str]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return set()
        except (OSError, ValueError):
            log.warning("Could not read %s; no image counts as the launcher's", self.path)
            return set()
        images = data.get("images") if isinstance(data, dict) else None
        if not isinstance(images, list):
            return set()
        return {str(image) for image in images if isinstance(image, str)}

    def add(self, image_id: str) -> None:
        known = self.ids()
        if not image_id or image_id in known:
            return
        text = json.dumps({"version": _VERSION, "images": sorted(known | {image_id})}, indent=2)
        try:
            write_text_atomic(self.path, text + "\n", mode=0o644)
        except OSError:  # the image is kept later: the safe side
            log.warning("Could not record the pulled image %s in %s", image_id, self.path)
