"""The window's Open: the browser gets a private page, which is gone once it was read."""

from __future__ import annotations

import sys
import time
import webbrowser
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from launcher.core.launcher import Launcher
from launcher.ui.opener import BrowserOpener

BROWSER = """#!{python}
import sys
from pathlib import Path
from urllib.parse import urlparse, unquote
page = Path(unquote(urlparse(sys.argv[1]).path))
mode = oct(page.stat().st_mode & 0o777)
Path({log!r}).write_text(mode + "\\n" + page.read_text())
"""


def test_the_page_is_private_and_removed_once_the_browser_read_it(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = tmp_path / "browser-saw.txt"
    browser = tmp_path / "browser"
    browser.write_text(BROWSER.format(python=sys.executable, log=str(seen)))
    browser.chmod(0o755)
    monkeypatch.setenv("BROWSER", str(browser))
    monkeypatch.setattr(webbrowser, "_tryorder", None)  # read BROWSER again
    launcher = Launcher.open()  # its folders are under the test's own home
    folder = launcher.paths.state / "open"
    opener = BrowserOpener(launcher)

    started = time.monotonic()
    opener("http://127.0.0.1:8351/lab?token=not-for-anyone-else")
    qtbot.waitUntil(lambda: seen.exists() and seen.stat().st_size > 0, timeout=10_000)
    mode, page = seen.read_text().split("\n", 1)
    assert mode == "0o600" and "token=not-for-anyone-else" in page
    qtbot.waitUntil(lambda: not any(folder.iterdir()), timeout=10_000)
    assert time.monotonic() - started < 10  # gone soon after the read, not after 30 s
    assert folder.stat().st_mode & 0o777 == 0o700
