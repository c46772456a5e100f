"""The frozen app keeps its tokens in a real system keyring, and ``purge`` takes them out.

A Secret Service (GNOME Keyring) runs in a private D-Bus session, as on a Linux
desktop: the bundle must carry keyring's backends, their metadata, secretstorage
and cryptography for this to work. Needs ``dbus-run-session`` and
``gnome-keyring-daemon``; as root on Debian they are installed when missing,
otherwise (outside CI) the test is skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import docker

from launcher.core.engine import labels
from tests.helpers.catalogue import catalogue_text
from tests.helpers.debian import debian_tools
from tests.testbed.services import free_port
from tests.testbed.testbed import TestbedState

TOOLS = {"dbus-run-session": "dbus-daemon", "gnome-keyring-daemon": "gnome-keyring"}

# Runs inside the D-Bus session: the frozen app makes and purges a token; keyring
# (from the test's Python) looks into the Secret Service before and after.
DRIVER = """
import json, subprocess, sys
import keyring
app, folder, *common = sys.argv[1:]
def run(*args):
    done = subprocess.run([app, *args, *common], capture_output=True, text=True, timeout=240)
    return [done.returncode, done.stderr]
found = {"backend": type(keyring.get_keyring()).__module__}
found["start"] = run("start", "test-jupyter", "--folder", folder, "--create-folder", "--no-browser")
found["token_after_start"] = keyring.get_password("course-launcher", "test-jupyter")
found["purge"] = run("purge", "--yes")
found["token_after_purge"] = keyring.get_password("course-launcher", "test-jupyter")
print(json.dumps(found))
"""


def test_frozen_app_token_in_secret_service_and_purged(
    frozen_bundle: Path, testbed: TestbedState, clean_engine: docker.DockerClient,
    tmp_path: Path,
) -> None:  # fmt: skip
    debian_tools(TOOLS, "a Secret Service")
    home = tmp_path / "home"
    home.mkdir()
    catalogue = tmp_path / "catalogue.toml"
    catalogue.write_text(catalogue_text(testbed, free_port(), free_port()))
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    keep = ("PATH", "LANG", "LC_ALL", "COURSE_LAUNCHER_HOME")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env |= {"HOME": str(home), "COURSE_LAUNCHER_SECRETS": "keyring"}  # the keyring or fail
    common = ["--catalogue", str(catalogue), "--engine", testbed.docker_host]
    app = str(frozen_bundle / "course-launcher")
    inside = (
        'echo -n "test" | gnome-keyring-daemon --unlock --components=secrets >/dev/null'
        ' && exec "$@"'
    )
    done = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", inside, "sh",
         sys.executable, str(driver), app, str(tmp_path / "student"), *common],
        capture_output=True, text=True, timeout=400, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["backend"] == "keyring.backends.SecretService"
    assert found["start"][0] == 0, found["start"][1]
    assert found["token_after_start"], "the frozen app did not keep its token in the keyring"
    assert found["purge"][0] == 0, found["purge"][1]
    assert found["token_after_purge"] is None
    assert clean_engine.containers.list(all=True, filters=labels.managed_filter()) == []
