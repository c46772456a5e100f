"""Open a service in the browser without putting its token on any command line.

As Jupyter does: the tokened address goes into a local HTML file readable only by
the student (0600, in a 0700 folder), and the browser is pointed at that file.

The file holds the token only until the browser has read it. The browser reads
it once, when it opens it; after that the page has sent it on and the file is
debris. :func:`remove_once_read` watches the file's access time and removes the
file a short grace after the first read (for a browser that reads twice, or a
desktop that sniffs the file type before handing it to the browser), and at the
latest after ``keep_seconds`` where access times are not kept (``noatime``).
Files a killed launcher left are swept on every open once they are older than
:data:`STALE_SECONDS`.
"""

from __future__ import annotations

import contextlib
import html
import json
import secrets
import time
from pathlib import Path

from launcher.core.local.files import write_text_atomic

STALE_SECONDS = 120


def _sweep(folder: Path, now: float) -> None:
    for old in folder.glob("open-*.html"):
        with contextlib.suppress(OSError):
            if now - old.stat().st_mtime > STALE_SECONDS:
                old.unlink()


def write_redirect_file(url: str, folder: Path) -> Path:
    """A 0600 HTML page that sends the browser on to ``url``."""
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        folder.chmod(0o700)
    _sweep(folder, time.time())
    target = html.escape(url, quote=True)
    # A JavaScript string that cannot end the script element: <, > and & as \u escapes.
    script_url = json.dumps(url).translate({ord(c): f"\\u{ord(c):04x}" for c in "<>&"})
    page = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<meta http-equiv='refresh' content='0; url={target}'>"
        "<title>Opening your course…</title></head><body>"
        f"<p><a href='{target}'>Open your course</a></p>"
        f"<script>window.location.replace({script_url});</script></body></html>"
    )
    path = folder / f"open-{secrets.token_hex(8)}.html"
    write_text_atomic(path, page, mode=0o600)
    return path


def open_in_browser(url: str, folder: Path) -> Path:
    """Open ``url`` through a redirect file; returns the file so the caller can remove it."""
    import webbrowser  # here: with subprocess and shlex it costs the window ~10 ms to show

    path = write_redirect_file(url, folder)
    if not webbrowser.open(path.as_uri()):
        with contextlib.suppress(OSError):
            path.unlink()
        raise OSError("no web browser could be started")
    return path


def remove_redirect_file(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


READ_GRACE_SECONDS = 2.0


def _read_since_written(path: Path) -> bool:
    info = path.stat()
    return info.st_atime_ns > info.st_mtime_ns


def remove_once_read(
    path: Path,
    keep_seconds: float,
    *,
    grace: float = READ_GRACE_SECONDS,
    poll: float = 0.1,
) -> bool:
    """Wait until the browser has read the redirect file (plus ``grace``), or at most
    ``keep_seconds``; then remove it. Returns True when a read was seen."""
    deadline = time.monotonic() + keep_seconds
    read = False
    while time.monotonic() < deadline:
        try:
            read = _read_since_written(path)
        except OSError:
            return False  # already gone
        if read:
            time.sleep(min(grace, max(0.0, deadline - time.monotonic())))
            break
        time.sleep(poll)
    remove_redirect_file(path)
    return read
