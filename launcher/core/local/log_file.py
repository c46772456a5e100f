"""The log file: details (and tracebacks) for tutors; people see messages only."""

from __future__ import annotations

import logging
import logging.handlers

from launcher.core.local.paths import AppPaths

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(paths: AppPaths, level: int = logging.INFO) -> None:
    """Send the ``launcher`` loggers to a rotating file in the log folder (once)."""
    root = logging.getLogger("launcher")
    root.setLevel(level)
    target = str(paths.log_file)
    for old in list(root.handlers):
        if isinstance(old, logging.FileHandler):
            if old.baseFilename == target:
                return
            root.removeHandler(old)  # another home (tests, tutors' scripts): one file at a time
            old.close()
    paths.log.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        target, maxBytes=1_000_000, backupCount=3, encoding="utf-8", delay=True
    )
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
