"""The frozen app (PyInstaller bundle) runs: its version, the doctor against the test
engine, and its window, with nothing unexpected on stderr."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from launcher import __version__
from launcher.ui.single_instance import server_name
from tests.helpers.folders import folder_size
from tests.testbed.testbed import TestbedState

WINDOW_TIMEOUT = 60
MAX_BUNDLE_BYTES = 150_000_000
# What the app may say on stderr; any other line fails the test.
DOCTOR_LINES = (
    r"Checking Docker, your environments and this computer…",
    r"\d+ errors?, \d+ warnings?\.",
)
WINDOW_LINES = (
    r"course-launcher-bench: window shown at [\d.]+",
    r"This plugin does not support propagateSizeHints\(\)",  # offscreen platform only
)


def frozen_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "PYTHON"))}
    return {**env, "COURSE_LAUNCHER_HOME": str(home), "COURSE_LAUNCHER_SECRETS": "file", **extra}


def unexpected(stderr: str, allowed: tuple[str, ...]) -> list[str]:
    return [
        line
        for line in stderr.splitlines()
        if line.strip() and not any(re.fullmatch(pattern, line) for pattern in allowed)
    ]


def test_the_bundle_holds_only_what_it_needs(frozen_bundle: Path) -> None:
    internal = frozen_bundle / "_internal"
    assert (internal / "resources" / "catalogue.toml").is_file()
    assert (internal / "resources" / "icon.svg").is_file()
    names = {p.name for p in internal.rglob("*")}
    for left_out in ("libQt6Qml.so.6", "libQt6Quick.so.6", "libQt6Pdf.so.6", "libgtk-3.so.0"):
        assert left_out not in names
    assert not any(n.startswith(("PyQt5", "PyQt6")) for n in names)
    assert not list(internal.rglob("translations/*.qm"))
    # About 137 MB on Debian 12 (installers/README.md says what takes the room): a
    # ceiling that catches a Qt module or a second binding creeping back in.
    assert folder_size(frozen_bundle) < MAX_BUNDLE_BYTES


def test_frozen_version(frozen_bundle: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [str(frozen_bundle / "course-launcher"), "--version"],
        capture_output=True, text=True, timeout=60, check=False, env=frozen_env(tmp_path),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"course-launcher {__version__}"
    assert done.stderr == ""


def test_frozen_doctor_against_the_test_engine(
    frozen_bundle: Path, testbed: TestbedState, tmp_path: Path
) -> None:
    env = frozen_env(tmp_path / "home", DOCKER_HOST=testbed.docker_host)
    done = subprocess.run(
        [str(frozen_bundle / "course-launcher"), "doctor", "--json"],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    checks = {check["id"]: check for check in json.loads(done.stdout)}
    assert checks["engine.reachable"]["status"] == "ok", checks["engine.reachable"]
    assert checks["engine.version"]["status"] == "ok"
    assert checks["secrets.backend"]["status"] == "ok"  # keyring's metadata made it in
    errors = [c for c in checks.values() if c["status"] == "error"]
    assert done.returncode == (1 if errors else 0), done.stderr
    assert unexpected(done.stderr, DOCTOR_LINES) == []


def test_frozen_window_opens(frozen_bundle: Path, tmp_path: Path) -> None:
    env = frozen_env(
        tmp_path / "home", QT_QPA_PLATFORM="offscreen", COURSE_LAUNCHER_BENCH="1",
        DOCKER_HOST=f"unix://{tmp_path}/no-engine.sock",
    )  # fmt: skip
    began = time.monotonic()
    app = subprocess.Popen(
        [str(frozen_bundle / "course-launcher")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    lines: list[str] = []
    shown = threading.Event()

    def read() -> None:
        assert app.stderr is not None
        for line in app.stderr:
            lines.append(line.rstrip("\n"))
            if "window shown" in line:
                shown.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert shown.wait(WINDOW_TIMEOUT), f"no window in {WINDOW_TIMEOUT} s: {lines}"
        seconds = time.monotonic() - began
        time.sleep(1)  # a moment for anything the first paint would print
        assert app.poll() is None, f"the app exited: {lines}"
    finally:
        app.send_signal(signal.SIGTERM)
        try:
            app.wait(timeout=20)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()
        reader.join(timeout=10)
        for pipe in (app.stdout, app.stderr):
            if pipe is not None:
                pipe.close()
        # SIGTERM gives Qt no chance to remove the single-instance socket.
        (Path(tempfile.gettempdir()) / server_name(env)).unlink(missing_ok=True)
    assert unexpected("\n".join(lines), WINDOW_LINES) == []
    print(f"frozen window shown after {seconds:.2f} s")
