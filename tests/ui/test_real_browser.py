"""A real browser opens what "Open Jupyter" opens and arrives in Jupyter, logged in.

Debian's chromium (installed by the testbed tools) runs headless against the real
test course: it is given only the path of the launcher's private redirect file,
exactly as Open gives it to the student's browser, so the token is on no command line.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from launcher.core.environments.browser import remove_redirect_file, write_redirect_file
from launcher.core.environments.state import EnvironmentState
from launcher.core.launcher import Launcher
from tests.helpers.folders import make_student_folder
from tests.helpers.window import SCREENSHOTS
from tests.testbed import tools

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def chromium() -> str:
    try:
        tools.ensure_tools()  # as root on Debian this installs chromium when it is missing
    except tools.TestbedUnavailable as exc:
        if IN_CI:
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))
    found = tools.which("chromium")
    assert found, "ensure_tools() did not provide chromium"
    return found


def run_chromium(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1200,800",
        "--virtual-time-budget=10000", *args,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_chromium_opens_jupyter_logged_in(
    chromium: str, launcher: Launcher, student_area: Path, tmp_path: Path
) -> None:
    folder = make_student_folder(student_area, "browser")
    (folder / "hello-from-the-student.txt").write_text("kept in the student's folder\n")
    result = launcher.start("test-jupyter", folder)
    assert result.status.state == EnvironmentState.RUNNING
    url = launcher.service_url("test-jupyter", "Jupyter")
    token = launcher.ensure_token("test-jupyter")
    assert token and f"token={token}" in url

    # What Open does (launcher/ui/opener.py → core.browser.open_in_browser).
    page = write_redirect_file(url, launcher.paths.state / "open")
    assert page.stat().st_mode & 0o777 == 0o600
    try:
        target = page.as_uri()
        # Jupyter fills its file list by script once its API answers; on a loaded
        # machine that can come after the virtual time budget, so look again (the
        # page is the same, the checks below unchanged).
        for attempt in range(3):
            dom = run_chromium(chromium, tmp_path / f"profile-dom-{attempt}", "--dump-dom", target)
            if "hello-from-the-student.txt" in dom.stdout or dom.returncode != 0:
                break
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        picture = SCREENSHOTS / "browser-jupyter.png"
        picture.unlink(missing_ok=True)
        shot = run_chromium(chromium, tmp_path / "profile-shot", f"--screenshot={picture}", target)
    finally:
        remove_redirect_file(page)
    assert token not in " ".join(dom.args) and token not in " ".join(shot.args)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert 'id="notebook_list"' in html, html[:2000]  # notebook 6's file tree
    assert "Files" in html and "Running" in html
    assert "password_input" not in html  # not the login form
    assert "hello-from-the-student.txt" in html  # the student's folder, listed by Jupyter
    assert "Logout" in html
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert picture.exists() and picture.stat().st_size > 5_000
