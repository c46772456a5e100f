"""Course icons in the window, from the catalogue's ``logo`` key.

One job fetches (or finds in the cache) every course's logo through the facade and
decodes it on the worker thread: ``QImage`` may be made off the GUI thread, a
``QPixmap`` may not, so the GUI thread only turns the small decoded images into
icons. Decoding goes through ``QImageReader`` with the header checked first (PNG or
JPEG, at most ``MAX_SIDE`` pixels a side) and the picture scaled while it is read:
a hostile file is a course without an icon, never a crash or a stall.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QImageReader, QPixmap

from launcher.core.launcher import Launcher
from launcher.ui.jobs import Job, JobRunner

log = logging.getLogger(__name__)

ICON_SIDE = 64  # decoded at this size; drawn smaller by the lists (scaling-sharp)
MAX_SIDE = 1024
FORMATS = (b"png", b"jpeg")
JOB_KEY = "course-icons"


def decode_logo(path: Path) -> QImage | None:
    """The logo scaled to ``ICON_SIDE``, or None if it is not a picture to show."""
    reader = QImageReader(str(path))
    reader.setDecideFormatFromContent(True)
    if bytes(reader.format().data()) not in FORMATS:
        return None
    size = reader.size()
    if not size.isValid() or not (0 < size.width() <= MAX_SIDE and 0 < size.height() <= MAX_SIDE):
        return None
    reader.setScaledSize(
        size.scaled(QSize(ICON_SIDE, ICON_SIDE), Qt.AspectRatioMode.KeepAspectRatio)
    )
    image = reader.read()
    if image.isNull():
        log.info("logo %s not shown: %s", path, reader.errorString())
        return None
    return image


class CourseIcons(QObject):
    """The icons of the catalogue's courses; ``changed`` when new ones are ready."""

    changed = Signal()

    def __init__(self, launcher: Launcher, runner: JobRunner, parent: QObject | None = None):
        super().__init__(parent)
        self.launcher = launcher
        self.runner = runner
        self.icons: dict[str, QIcon] = {}

    def load(self) -> Job | None:
        """Fetch and decode in a job (none when no course has a logo)."""
        if not any(course.logo for course in self.launcher.catalogue):
            return None
        launcher = self.launcher

        def work() -> dict[str, QImage]:
            decoded = {cid: decode_logo(path) for cid, path in launcher.course_logos().items()}
            return {cid: image for cid, image in decoded.items() if image is not None}

        job = Job.call(JOB_KEY, "Fetching the course icons", work)
        job.succeeded.connect(self._decoded)
        return self.runner.submit(job)

    def _decoded(self, images: dict[str, QImage]) -> None:
        self.icons = {cid: QIcon(QPixmap.fromImage(image)) for cid, image in images.items()}
        self.changed.emit()
