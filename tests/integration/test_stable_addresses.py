"""Addresses survive a restart: a web UI that closes its connections first (Adminer on
PHP's built-in server) leaves them in TIME_WAIT on its published port, and that port
is still free for the next start. Only a real listener moves a service."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
import requests

from launcher.core.environments.state import ServiceEndpoint
from launcher.core.launcher import Launcher
from tests.helpers.folders import make_student_folder
from tests.helpers.tcp_states import time_wait_ports
from tests.testbed.services import free_port
from tests.testbed.testbed import TestbedState

COURSE = "test-adminer"
JUPYTER, ADMINER = 8888, 8080


def adminer_catalogue(image: str, preferred_port: int) -> str:
    return f"""
schema = 1

[[course]]
id = "{COURSE}"
code = "TEST4"
presentation = "24J"
title = "Database web UI test course"
image = "{image}"
workspace = "/home/ou/TM351-24J"
preferred_port = {preferred_port}
[course.token]
env = "JUPYTER_TOKEN"
[[course.services]]
name = "Jupyter"
port = {JUPYTER}
path = "/tree"
ready = "/api/status"
auth = "token"
[[course.services]]
name = "Adminer"
port = {ADMINER}
path = "/"
auth = "none"
"""


@pytest.fixture
def adminer_launcher(
    testbed: TestbedState, tmp_path: Path, clean_engine: docker.DockerClient
) -> Iterator[Launcher]:
    path = tmp_path / "adminer-catalogue.toml"
    path.write_text(adminer_catalogue(testbed.images["adminer"], free_port()))
    launcher = Launcher.open(catalogues=[str(path)], engine=testbed.docker_host)
    yield launcher
    launcher.close()


def visit_every_service(launcher: Launcher, endpoints: tuple[ServiceEndpoint, ...]) -> None:
    """What a student does in the browser: open each service, a few pages each."""
    token = launcher.ensure_token(COURSE)
    for endpoint in endpoints:
        headers = {"Authorization": f"token {token}"} if endpoint.needs_token else {}
        for _visit in range(3):
            response = requests.get(endpoint.url, headers=headers, timeout=10)
            assert response.status_code == 200, (endpoint.name, response.status_code)
    assert "Adminer" in requests.get(endpoints[1].url, timeout=10).text


def test_every_address_is_unchanged_after_a_restart_at_once(
    adminer_launcher: Launcher, student_area: Path
) -> None:
    first = adminer_launcher.start(COURSE, make_student_folder(student_area, "web"))
    assert [e.name for e in first.endpoints] == ["Jupyter", "Adminer"]
    visit_every_service(adminer_launcher, first.endpoints)
    # PHP's server closed each connection first: the host keeps them on Adminer's port.
    assert first.ports[ADMINER] in time_wait_ports()
    adminer_launcher.stop(COURSE)
    assert first.ports[ADMINER] in time_wait_ports()  # still lingering at the restart

    again = adminer_launcher.start(COURSE)

    assert again.ports == first.ports
    assert [e.url for e in again.endpoints] == [e.url for e in first.endpoints]
    assert again.notices == ()
    visit_every_service(adminer_launcher, again.endpoints)


def test_a_real_listener_on_a_port_moves_only_that_service_and_says_why(
    adminer_launcher: Launcher, student_area: Path
) -> None:
    first = adminer_launcher.start(COURSE, make_student_folder(student_area, "web"))
    visit_every_service(adminer_launcher, first.endpoints)
    adminer_launcher.stop(COURSE)
    old = first.ports[ADMINER]
    with socket.socket() as other_program:  # a server, so it sets SO_REUSEADDR as most do
        other_program.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other_program.bind(("127.0.0.1", old))
        other_program.listen()
        again = adminer_launcher.start(COURSE)

    assert again.ports[JUPYTER] == first.ports[JUPYTER]  # its connections only lingered
    new = again.ports[ADMINER]
    assert new != old
    assert again.notices == (
        f"Port {old} is used by another program, so Adminer is now at port {new}: "
        "its address has changed.",
    )
    assert requests.get(again.endpoints[1].url, timeout=10).status_code == 200
