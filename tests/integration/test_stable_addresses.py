"""Addresses survive a restart, on every course image of the test bed. The student's
visits leave connections in TIME_WAIT on the published ports: a web UI that closes
its connections first (Adminer on PHP's built-in server) leaves them after each
visit, and a tab still open when the environment stops leaves Docker's proxy to
close first. Those ports are still free for the next start. Only a real listener
moves a service."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
import requests

from launcher.core.environments.state import ServiceEndpoint
from launcher.core.launcher import Launcher
from tests.helpers.course_images import ADMINER, IMAGES, JUPYTER, WEB_UI, Image, catalogue
from tests.helpers.folders import make_student_folder
from tests.helpers.tcp_states import time_wait_ports
from tests.testbed.testbed import TestbedState

EVERY_IMAGE = (*IMAGES, ADMINER)


def open_launcher(testbed: TestbedState, tmp_path: Path, image: Image) -> Launcher:
    path = tmp_path / f"{image.recipe}-catalogue.toml"
    path.write_text(catalogue(testbed, image))
    return Launcher.open(catalogues=[str(path)], engine=testbed.docker_host)


@pytest.fixture
def adminer_launcher(
    testbed: TestbedState, tmp_path: Path, clean_engine: docker.DockerClient
) -> Iterator[Launcher]:
    launcher = open_launcher(testbed, tmp_path, ADMINER)
    yield launcher
    launcher.close()


def open_every_service(
    launcher: Launcher, image: Image, endpoints: tuple[ServiceEndpoint, ...]
) -> list[requests.Session]:
    """What a student does in the browser: open each service in a tab, a few pages
    each. The tabs stay open (a browser keeps its connections) until closed."""
    token = launcher.ensure_token(image.course)
    tabs = []
    for endpoint in endpoints:
        tab = requests.Session()
        tabs.append(tab)
        if endpoint.needs_token:
            tab.headers["Authorization"] = f"token {token}"
        for _visit in range(3):
            response = tab.get(endpoint.url, timeout=10)
            assert response.status_code == 200, (endpoint.name, response.status_code)
        if endpoint.name == "Adminer":
            assert "Adminer" in response.text
    return tabs


def close(tabs: list[requests.Session]) -> None:
    for tab in tabs:
        tab.close()


@pytest.mark.parametrize("image", EVERY_IMAGE, ids=[i.recipe for i in EVERY_IMAGE])
def test_every_address_is_unchanged_after_a_restart_at_once(
    image: Image,
    testbed: TestbedState,
    tmp_path: Path,
    clean_engine: docker.DockerClient,
    student_area: Path,
) -> None:
    launcher = open_launcher(testbed, tmp_path, image)
    try:
        first = launcher.start(image.course, make_student_folder(student_area, "work"))
        names = ["Jupyter", image.web_ui] if image.web_ui else ["Jupyter"]
        assert [e.name for e in first.endpoints] == names
        assert sorted(first.ports) == sorted([JUPYTER, WEB_UI] if image.web_ui else [JUPYTER])
        tabs = open_every_service(launcher, image, first.endpoints)
        if image.web_ui:  # it closed each connection first: they linger on its port
            assert first.ports[WEB_UI] in time_wait_ports()
        launcher.stop(image.course)
        close(tabs)  # the proxy closed them first, as the environment stopped
        assert set(first.ports.values()) <= time_wait_ports()  # lingering at the restart

        again = launcher.start(image.course)

        assert again.ports == first.ports
        assert [e.url for e in again.endpoints] == [e.url for e in first.endpoints]
        assert again.notices == ()
        close(open_every_service(launcher, image, again.endpoints))
        launcher.remove(image.course)
    finally:
        launcher.close()


def test_a_real_listener_on_a_port_moves_only_that_service_and_says_why(
    adminer_launcher: Launcher, student_area: Path
) -> None:
    course = ADMINER.course
    first = adminer_launcher.start(course, make_student_folder(student_area, "web"))
    close(open_every_service(adminer_launcher, ADMINER, first.endpoints))
    adminer_launcher.stop(course)
    old = first.ports[WEB_UI]
    with socket.socket() as other_program:  # a server, so it sets SO_REUSEADDR as most do
        other_program.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other_program.bind(("127.0.0.1", old))
        other_program.listen()
        again = adminer_launcher.start(course)

    assert again.ports[JUPYTER] == first.ports[JUPYTER]  # its connections only lingered
    new = again.ports[WEB_UI]
    assert new != old
    assert again.notices == (
        f"Port {old} is used by another program, so Adminer is now at port {new}: "
        "its address has changed.",
    )
    assert requests.get(again.endpoints[1].url, timeout=10).status_code == 200
