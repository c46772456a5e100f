#!/usr/bin/env python3
"""Set up and run Course Launcher from a source checkout.

    python3 dev.py run [ARGS...]    create .venv if needed, install, start the app
    python3 dev.py test [PYTEST ARGS...]
                                    the same with the test tools, then the checks:
                                    ruff, ruff format, mypy --strict on launcher,
                                    and pytest against a real Docker engine and
                                    registry that it starts (tests/testbed) and stops.

Only the standard library is used here, so it runs before anything is installed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv
from collections.abc import Callable, Iterator
from pathlib import Path

Step = Callable[[str, list[str]], int]

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
GALLERY = "COURSE_LAUNCHER_GALLERY"  # where tests/helpers/window.py saves gallery pictures
GALLERY_DIR = ROOT / "docs" / "screenshots"


def say(text: str) -> None:
    print(f"dev: {text}", file=sys.stderr, flush=True)


def ensure_venv() -> None:
    if PYTHON.exists():
        return
    say(f"creating {VENV}")
    try:
        venv.EnvBuilder(with_pip=True).create(VENV)
    except (OSError, subprocess.CalledProcessError):
        shutil.rmtree(VENV, ignore_errors=True)
        if os.name == "posix" and os.geteuid() == 0 and Path("/etc/debian_version").exists():
            say("python3-venv is missing; installing it with apt-get")
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
            subprocess.run(["apt-get", "install", "-y", "-q", "python3-venv"], check=True, env=env)
            venv.EnvBuilder(with_pip=True).create(VENV)
        else:
            sys.exit("dev: cannot create a virtual environment; install python3-venv and retry")


def ensure_installed(extras: str) -> None:
    """pip install -e .[extras], skipped when pyproject.toml has not changed since."""
    ensure_venv()
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode())
    stamp = VENV / f".installed-{digest.hexdigest()[:16]}"
    if stamp.exists():
        return
    target = f".[{extras}]" if extras else "."
    say(f"installing {target} into {VENV}")
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-e", target],
        cwd=ROOT, check=True,
    )  # fmt: skip
    for old in VENV.glob(".installed-*"):
        old.unlink()
    stamp.touch()


def run_app(args: list[str]) -> int:
    ensure_installed("")
    return subprocess.run([str(PYTHON), "-m", "launcher", *args], cwd=ROOT, check=False).returncode


def run_checks(pytest_args: list[str]) -> int:
    ensure_installed("test")
    in_ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    failures: list[str] = []
    timings: list[str] = []

    def step(name: str, command: list[str]) -> int:
        say(f"{name}: {' '.join(command)}")
        started = time.monotonic()
        code = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
        timings.append(f"{name} {time.monotonic() - started:.1f} s")
        if code != 0:
            failures.append(f"{name} (exit {code})")
        return code

    step("ruff", [str(PYTHON), "-m", "ruff", "check", "."])
    step("ruff format", [str(PYTHON), "-m", "ruff", "format", "--check", "."])
    step("mypy", [str(PYTHON), "-m", "mypy", "--strict", "launcher"])
    testbed = [str(PYTHON), "-m", "tests.testbed"]
    with testbed_lock(env):
        run_tests(step, testbed, env, in_ci, failures, pytest_args)
    say("timings: " + ", ".join(timings))
    if failures:
        say("FAILED: " + ", ".join(failures))
        return 1
    say("all checks passed")
    return 0


def run_tests(step: Step, testbed: list[str], env: dict[str, str], in_ci: bool,
              failures: list[str], pytest_args: list[str]) -> None:  # fmt: skip
    try:
        if step("testbed up", [*testbed, "up"]) == 3 and not in_ci:
            # No engine can start here: pytest skips the engine tests and says why.
            failures.remove("testbed up (exit 3)")
        if step("pytest", [str(PYTHON), "-m", "pytest", *pytest_args]) == 5:
            failures.append("pytest collected no tests")
        picture_gallery(step, env, in_ci, failures, pytest_args)
    finally:
        step("testbed down", [*testbed, "down"])


def picture_gallery(step: Step, env: dict[str, str], in_ci: bool, failures: list[str],
                    pytest_args: list[str]) -> None:  # fmt: skip
    """The tests marked ``gallery`` again, on a real X server, saving their pictures in
    docs/screenshots (tests/testbed/xvfb.py). Outside CI a machine without Xvfb skips it."""
    sys.path.insert(0, str(ROOT))
    from tests.testbed.xvfb import XvfbUnavailable, running

    try:
        with running(say) as display:
            env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", **{GALLERY: str(GALLERY_DIR)})
            try:
                # Exit 5 (nothing collected) is fine here: the arguments chose no gallery test.
                command = [str(PYTHON), "-m", "pytest", "-m", "gallery", "-q", *pytest_args]
                if step("gallery", command) == 5:
                    failures.remove("gallery (exit 5)")
            finally:
                for name in ("DISPLAY", "QT_QPA_PLATFORM", GALLERY):
                    env.pop(name, None)
    except XvfbUnavailable as problem:
        say(f"gallery: no X server ({problem})")
        if in_ci:
            failures.append("gallery (no X server)")


@contextlib.contextmanager
def testbed_lock(env: dict[str, str]) -> Iterator[None]:
    """Wait for any other test run on this machine's testbed, and hold it until the
    tests are done (tests/testbed/lock.py; standard library only, like this file)."""
    if os.name != "posix":
        yield
        return
    sys.path.insert(0, str(ROOT))
    from tests.testbed.config import locations
    from tests.testbed.lock import HELD_VARIABLE, exclusive_use, lock_path

    run = locations().run
    with exclusive_use(run, log=say):
        env[HELD_VARIABLE] = str(lock_path(run))  # the testbed and pytest run under it
        yield


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__, file=sys.stderr)
        return 2
    if argv[0] == "run":
        return run_app(argv[1:])
    return run_checks(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
