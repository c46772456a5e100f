"""The exported DockerSpawner settings, run by a real JupyterHub on the test engine.

A real JupyterHub (PyPI ``jupyterhub`` + ``dockerspawner``) with the dummy
authenticator and ``configurable-http-proxy`` (npm, run by the system's Node.js)
listens on 127.0.0.1; its ``jupyterhub_config.py`` loads the fragment that
``course-launcher hub export`` wrote, as the deployment guide says. The course image
is the Jupyter test course with Debian's ``jupyterhub`` package in it. A test user's
server is started and stopped through the hub's REST API (a service token with admin
scopes), and reached only through the hub's proxy.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import docker
import pytest
import requests

from tests.helpers.ci import IN_CI
from tests.testbed.config import locations
from tests.testbed.services import free_port
from tests.testbed.testbed import TestbedState

HUB_TITLE = "TEST9 24J — Hub test course"
USER = "student"


def catalogue_text(testbed: TestbedState) -> str:
    # The course a hub should not pick by default comes first: what the hub starts for
    # the hub course must come from the options of the course the user picked.
    return f"""
schema = 1

[[course]]
id = "test-jupyter"
code = "TEST1"
presentation = "24J"
title = "Jupyter test course"
image = "{testbed.images["jupyter"]}"
workspace = "/home/ou/TM351-24J"
[course.token]
env = "JUPYTER_TOKEN"
[[course.services]]
name = "Jupyter"
port = 8888

[[course]]
id = "test-hub"
code = "TEST9"
presentation = "24J"
title = "Hub test course"
image = "{testbed.images["hub"]}"
workspace = "/home/ou/TM351-24J"
memory = "512m"
hub_ready = true
[course.token]
env = "JUPYTER_TOKEN"
[course.env]
COURSE_NOTE = "set by the catalogue"
[[course.services]]
name = "Jupyter"
port = 8888
path = "/tree"
ready = "/api/status"
"""


def proxy_command() -> Path:
    """configurable-http-proxy from npm, installed once into the testbed's cache."""
    prefix = locations().cache / "configurable-http-proxy"
    program = prefix / "node_modules" / ".bin" / "configurable-http-proxy"
    if not program.exists():
        npm = shutil.which("npm")
        problem = "npm is not installed" if npm is None else ""
        if npm is not None:
            done = subprocess.run(
                [npm, "install", "--no-audit", "--no-fund", "--prefix", str(prefix),
                 "configurable-http-proxy@4"],
                capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
            problem = "" if done.returncode == 0 else f"npm failed: {done.stderr[-500:]}"
        if problem:
            reason = f"configurable-http-proxy could not be installed: {problem}"
            if IN_CI:
                pytest.fail(reason, pytrace=False)
            pytest.skip(reason)
    return program


@dataclass
class RunningHub:
    url: str
    token: str
    log: Path

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(
            method, f"{self.url}/hub/api{path}", headers=headers, timeout=30, **kwargs
        )

    def server(self, path: str, method: str = "GET", **kwargs: Any) -> requests.Response:
        """A request to the user's server, through the hub's proxy."""
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(
            method, f"{self.url}/user/{USER}{path}", headers=headers, timeout=30,
            allow_redirects=False, **kwargs,
        )  # fmt: skip

    def logs(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def wait_for(self, ready: bool, timeout: float = 150) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            servers = self.api("GET", f"/users/{USER}").json()["servers"]
            server = servers.get("", {})
            if (server.get("ready") and not server.get("pending")) if ready else not servers:
                return dict(server)
            time.sleep(0.5)
        raise AssertionError(f"the server did not become {'ready' if ready else 'stopped'}:\n"
                             + self.logs())  # fmt: skip


@pytest.fixture
def hub(
    testbed: TestbedState, clean_engine: docker.DockerClient, tmp_path: Path
) -> Iterator[RunningHub]:
    proxy = proxy_command()
    folder = tmp_path / "hub"
    folder.mkdir()
    catalogue = tmp_path / "courses.toml"
    catalogue.write_text(catalogue_text(testbed))
    exported = subprocess.run(
        [sys.executable, "-m", "launcher", "hub", "export", "test-jupyter", "test-hub",
         "--format", "dockerspawner", "--output", str(folder / "courses_config.py"),
         "--catalogue", str(catalogue)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    warnings = [line for line in exported.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and 'Course "test-jupyter": its image' in warnings[0]

    # The servers call the hub's API at the test engine's bridge address.
    gateway = clean_engine.networks.get("bridge").attrs["IPAM"]["Config"][0]["Gateway"]
    port, token = free_port(), secrets.token_hex(32)
    (folder / "jupyterhub_config.py").write_text(
        f"""
c = get_config()  # noqa: F821
load_subconfig("courses_config.py")  # noqa: F821 - the exported courses
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://{gateway}:{free_port()}"
c.ConfigurableHTTPProxy.command = [{str(proxy)!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.db_url = "sqlite:///{folder}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{folder}/cookie_secret"
c.JupyterHub.services = [{{"name": "course-test", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{
    "name": "course-test",
    "scopes": ["admin:users", "admin:servers", "access:servers"],
    "services": ["course-test"],
}}]
c.DockerSpawner.client_kwargs = {{"base_url": {testbed.docker_host!r}}}
c.Spawner.start_timeout = 150
c.Spawner.http_timeout = 120
"""
    )
    log = folder / "jupyterhub.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(folder / "jupyterhub_config.py")],
            cwd=folder, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "DOCKER_HOST": testbed.docker_host}, start_new_session=True,
        )  # fmt: skip
    running = RunningHub(f"http://127.0.0.1:{port}", token, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{running.url}/hub/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None, "JupyterHub exited:\n" + running.logs()
            assert time.monotonic() < deadline, "JupyterHub did not answer:\n" + running.logs()
            time.sleep(0.25)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)  # the hub stops its servers and its proxy
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the proxy, if the hub left it behind


def start_course(hub: RunningHub) -> dict[str, Any]:
    started = hub.api("POST", f"/users/{USER}/server", json={"image": HUB_TITLE})
    assert started.status_code in (201, 202), started.text + hub.logs()
    return hub.wait_for(ready=True)


@pytest.mark.timeout(400)
def test_a_hub_runs_the_exported_course_and_keeps_the_users_files(
    hub: RunningHub, testbed: TestbedState, clean_engine: docker.DockerClient
) -> None:
    assert hub.api("POST", f"/users/{USER}").status_code == 201
    start_course(hub)

    (container,) = clean_engine.containers.list()
    attrs = container.attrs
    env = dict(line.split("=", 1) for line in attrs["Config"]["Env"])
    assert attrs["Config"]["Image"] == testbed.images["hub"]
    assert attrs["Config"]["Cmd"][0] == "jupyterhub-singleuser"
    assert env["COURSE_NOTE"] == "set by the catalogue"
    assert env["JUPYTERHUB_DEFAULT_URL"] == "/tree"
    assert "JUPYTER_TOKEN" not in env  # the hub gave the server its own token
    assert attrs["HostConfig"]["Memory"] == 512 * 1024**2
    mounts = {m["Name"]: m["Destination"] for m in attrs["Mounts"] if m["Type"] == "volume"}
    assert mounts == {f"jupyterhub-{USER}-test-hub": "/home/ou/TM351-24J"}

    status = hub.server("/api/status")
    assert status.status_code == 200, status.text + hub.logs()
    assert "started" in status.json()
    landing = hub.server("/")
    assert landing.status_code == 302
    assert urlsplit(landing.headers["Location"]).path == f"/user/{USER}/tree"  # default_url
    saved = hub.server(
        "/api/contents/kept.txt",
        method="PUT",
        data=json.dumps({"type": "file", "format": "text", "content": "written via the hub"}),
    )
    assert saved.status_code in (200, 201), saved.text

    stopped = hub.api("DELETE", f"/users/{USER}/server")
    assert stopped.status_code in (202, 204), stopped.text
    hub.wait_for(ready=False)
    assert clean_engine.containers.list(all=True) == []  # removed; the files are in the volume
    assert hub.server("/api/contents/kept.txt").status_code != 200

    start_course(hub)
    again = hub.server("/api/contents/kept.txt")
    assert again.status_code == 200, again.text
    assert again.json()["content"] == "written via the hub"
