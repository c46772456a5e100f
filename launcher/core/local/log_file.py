"""The log file: details (and tracebacks) for tutors; people see messages only."""

from __future__ import annotations

import logging
import logging.handlers

from launcher.core.local.paths import AppPaths

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(paths: AppPaths, level: int = logging.INFO) -> str | None:
    """Send the ``launcher`` loggers to a rotating file in the log folder (once). When
    the folder cannot be written, nothing is logged and a note for the person is returned."""
    root = logging.getLogger("launcher")
    root.setLevel(level)
    target = str(paths.log_file)
    for old in list(root.handlers):
        if isinstance(old, logging.FileHandler):
            if old.baseFilename == target:
                return None
            root.removeHandler(old)  # another home (tests, tutors' scripts): one file at a time
            old.close()
    try:
        paths.log.mkdir(parents=True, exist_ok=True)
        with paths.log_file.open("a", encoding="utf-8"):  # fails now, not at first use
            pass
    except OSError as exc:
        # No file: details are dropped, not printed on the terminal by logging's last resort.
        if not any(isinstance(h, logging.NullHandler) for h in root.handlers):
            root.addHandler(logging.NullHandler())
        return (
            f"The launcher cannot write its log in {paths.log} ({exc.strerror or exc}), so it "
            "keeps no log this time. Set COURSE_LAUNCHER_HOME to a folder of your own, or "
            "ask your tutor to fix that folder's permissions."
        )
    handler = logging.handlers.RotatingFileHandler(
        target, maxBytes=1_000_000, backupCount=3, encoding="utf-8", delay=True
    )
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    return None
