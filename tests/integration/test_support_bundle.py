"""The support bundle leaks nothing: a token, passwords in the settings, the log and a
container's environment are planted for real, and none of them is in the bundle."""

from __future__ import annotations

import json
import logging
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
import requests

from launcher.core.doctor.support_bundle import write_support_bundle
from launcher.core.launcher import Launcher
from launcher.core.local.log_file import setup_logging
from launcher.core.local.paths import app_paths
from tests.helpers.catalogue import catalogue_text
from tests.helpers.folders import make_student_folder
from tests.testbed.services import free_port
from tests.testbed.testbed import TestbedState

SECRET_COURSE = "test-secret"


def secret_course(testbed: TestbedState, db_password: str) -> str:
    return f"""
[[course]]
id = "{SECRET_COURSE}"
code = "TEST3"
presentation = "24J"
title = "Course with a database password"
image = "{testbed.images["jupyter"]}"
workspace = "/home/ou/TM351-24J"
preferred_port = {free_port()}
[course.token]
env = "JUPYTER_TOKEN"
[course.env]
DB_PASSWORD = "{db_password}"
DB_NAME = "coursework"
[[course.services]]
name = "Jupyter"
port = 8888
path = "/tree"
ready = "/api/status"
auth = "token"
"""


@pytest.fixture
def launcher_log(launcher_home: Path) -> Iterator[logging.Logger]:
    """The launcher's log file in this process, as the app writes it; removed afterwards."""
    logger = logging.getLogger("launcher")
    before = list(logger.handlers)
    setup_logging(app_paths())  # the home of this test (COURSE_LAUNCHER_HOME)
    yield logger
    for handler in logger.handlers[:]:
        if handler not in before:
            logger.removeHandler(handler)
            handler.close()


def read_bundle(path: Path) -> str:
    data = path.read_bytes()
    assert not data.startswith(b"PK"), "a single text file"
    return data.decode("utf-8")


def test_no_secret_reaches_the_bundle(
    testbed: TestbedState, tmp_path: Path, student_area: Path, launcher_log: logging.Logger,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    db_password = f"Db-Pa55-{secrets.token_hex(8)}"
    settings_password = f"Pa55-{secrets.token_hex(8)}"
    catalogue = tmp_path / "catalogue.toml"
    catalogue.write_text(
        catalogue_text(testbed, free_port(), free_port()) + secret_course(testbed, db_password)
    )
    folder = make_student_folder(student_area, "secret")
    started = Launcher.open(catalogues=[str(catalogue)], engine=testbed.docker_host)
    try:
        result = started.start(SECRET_COURSE, folder)
        token = started.secrets.get(SECRET_COURSE)
        assert token and len(token) >= 40
        # The container's own log gets the token in a query string.
        url = started.service_url(SECRET_COURSE)
        assert f"token={token}" in url
        assert requests.get(url, timeout=10).status_code == 200
    finally:
        started.close()
    env = clean_engine.containers.get(result.status.container).attrs["Config"]["Env"]
    assert f"DB_PASSWORD={db_password}" in env and f"JUPYTER_TOKEN={token}" in env

    # A password in the settings file (unknown keys are kept) ...
    settings_file = started.paths.settings_file
    document = json.loads(settings_file.read_text())
    document["registry_password"] = settings_password
    document["courses"][SECRET_COURSE]["proxy_credentials"] = {"password": settings_password}
    settings_file.write_text(json.dumps(document))
    # ... and the token and passwords in the launcher's log.
    launcher_log.warning("token is %s, registry password %s", token, settings_password)
    launcher_log.warning("Authorization: token %s", token)
    launcher_log.warning("logging in to https://alice:%s@registry.example/v2/", settings_password)
    launcher_log.warning(
        "database at postgres://u:%s@db/x, DB_PASSWORD=%s", db_password, db_password
    )
    for handler in launcher_log.handlers:
        handler.flush()
    log_text = started.paths.log_file.read_text()
    assert token in log_text and settings_password in log_text and db_password in log_text

    # Written by the command line, as a student would, and from the core directly.
    from_cli = tmp_path / "from-cli.txt"
    run = subprocess.run(
        [sys.executable, "-m", "launcher", "support-bundle", str(from_cli),
         "--engine", testbed.docker_host, "--catalogue", str(catalogue)],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert str(from_cli) in run.stderr
    reopened = Launcher.open(catalogues=[str(catalogue)], engine=testbed.docker_host)
    try:
        assert reopened.settings.extra["registry_password"] == settings_password
        from_core = write_support_bundle(reopened, tmp_path / "from-core.txt")
    finally:
        reopened.close()

    version = clean_engine.version()["Version"]
    for path in (from_cli, from_core):
        bundle = read_bundle(path)
        for secret in (token, settings_password, db_password):
            assert secret not in bundle, f"a secret leaked into {path.name}"
        # It says first what it contains ...
        head = "\n".join(bundle.splitlines()[:12])
        assert "This file contains" in head and "does not contain" in bundle[:2000]
        # ... and it contains what a tutor needs.
        assert SECRET_COURSE in bundle and "test-jupyter" in bundle
        assert f"version {version}" in bundle
        assert "[ok] engine.reachable" in bundle and f"course.{SECRET_COURSE}.folder" in bundle
        assert "org.course-launcher.course=" + SECRET_COURSE in bundle
        assert "DB_NAME=coursework" in bundle and "DB_PASSWORD=********" in bundle
        assert "JUPYTER_TOKEN=********" in bundle
        assert "registry_password" in bundle and str(folder) in bundle
        assert "token is ********, registry password ********" in bundle
        assert "Docker SDK for Python" in bundle and "PySide6" in bundle
        assert "Last 200 lines of its log" in bundle
    assert from_core.stat().st_mode & 0o077 == 0
