"""Opening a service never puts its token on a command line."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from launcher.core.environments.browser import write_redirect_file

URL = "http://127.0.0.1:8351/lab?token=s3cr3t-token-value"


def test_redirect_file_is_private_and_leads_to_the_url(tmp_path: Path) -> None:
    page = write_redirect_file(URL, tmp_path / "open")
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "open").stat().st_mode) == 0o700
    text = page.read_text()
    assert "url=http://127.0.0.1:8351/lab?token=s3cr3t-token-value" in text
    assert "s3cr3t-token-value" not in page.name


def test_the_browser_is_given_the_file_not_the_token(tmp_path: Path) -> None:
    record = tmp_path / "argv.txt"
    browser = tmp_path / "fake-browser"
    browser.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\ncat "${{1#file://}}" >> {record}\n'
    )
    browser.chmod(0o755)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from launcher.core.environments.browser import open_in_browser\n"
        f"open_in_browser({URL!r}, Path({str(tmp_path / 'open')!r}))\n"
    )
    env = dict(os.environ, BROWSER=str(browser))
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=30)
    argv, _, page = record.read_text().partition("\n")
    assert argv.startswith("file://")
    assert "token" not in argv
    assert "s3cr3t-token-value" in page  # the page the browser read carries it


def test_old_redirect_files_are_swept(tmp_path: Path) -> None:
    folder = tmp_path / "open"
    old = write_redirect_file(URL, folder)
    os.utime(old, (0, 0))
    write_redirect_file(URL, folder)
    assert not old.exists()


def test_no_browser_leaves_no_file(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from launcher.core.environments.browser import open_in_browser\n"
        "try:\n"
        f"    open_in_browser({URL!r}, Path({str(tmp_path / 'open')!r}))\n"
        "except OSError:\n"
        "    sys.exit(7)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["BROWSER"] = "false"  # a browser that fails to start
    done = subprocess.run([sys.executable, "-c", code], env=env, check=False, timeout=30)
    assert done.returncode == 7
    assert list((tmp_path / "open").iterdir()) == []
