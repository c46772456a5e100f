"""The uid that writes an image's workspace, remembered per image id.

On a native Linux engine the student's folder is shared with that uid (sharing.py).
Finding it (environments/folder_writer.py) costs a probe container before the first
start and a look at the running container after it. An image id names one content
for good, so the answer is kept in a small file in the launcher's cache: it is only
ever a shortcut, and a missing or damaged file just means asking the image again.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from launcher.core.local.files import write_text_atomic

# Earlier versions kept the image's USER alone in image-users.json; that file is not
# read, so an image they read as root is asked again.
FILE_NAME = "image-writers.json"
KEEP = 64  # images remembered; older ones are asked again if they come back
log = logging.getLogger(__name__)


class ImageUsers:
    def __init__(self, file: Path | None) -> None:
        self._file = file  # None: remember for this process only
        self._uids: dict[str, int] | None = None
        self._lock = threading.Lock()

    def uid(self, image_id: str) -> int | None:
        with self._lock:
            return self._loaded().get(image_id)

    def remember(self, image_id: str, uid: int) -> None:
        with self._lock:
            uids = self._loaded()
            uids.pop(image_id, None)
            uids[image_id] = uid  # newest last, so the oldest are dropped first
            while len(uids) > KEEP:
                del uids[next(iter(uids))]
            if self._file is None:
                return
            try:
                write_text_atomic(self._file, json.dumps(uids, indent=1) + "\n", mode=0o644)
            except OSError as exc:  # a cache that cannot be written is asked again next time
                log.info("could not remember image users in %s: %s", self._file, exc)

    def _loaded(self) -> dict[str, int]:
        if self._uids is None:
            self._uids = _read(self._file) if self._file is not None else {}
        return self._uids


def _read(file: Path) -> dict[str, int]:
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.info("ignoring unreadable %s: %s", file, exc)
        return {}
    if not isinstance(raw, dict):
        return {}
    return {
        str(key): value
        for key, value in raw.items()
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0
    }
