"""Bring the testbed up, read its state, tear it down."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import docker

from tests.testbed import images, services
from tests.testbed.config import Locations, locations
from tests.testbed.tools import TestbedUnavailable, ensure_tools


@dataclass(frozen=True)
class TestbedState:
    __test__ = False  # not a test class, despite its name

    docker_host: str
    registry: str
    images: dict[str, str]  # recipe name -> reference in the test registry
    engine_pid: int
    registry_pid: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def client(self) -> docker.DockerClient:
        return docker.DockerClient(base_url=self.docker_host, timeout=120)


def bring_up(log: Callable[[str], None] = print, loc: Locations | None = None) -> TestbedState:
    loc = loc or locations()
    ensure_tools(log)
    running = services.start(loc)
    try:
        client = docker.DockerClient(base_url=running.docker_host, timeout=600)
        try:
            refs = images.ensure_images(client, running.registry, loc, log)
        finally:
            client.close()
    except BaseException:
        services.stop(loc)
        raise
    state = TestbedState(
        docker_host=running.docker_host,
        registry=running.registry,
        images=refs,
        engine_pid=running.engine_pid,
        registry_pid=running.registry_pid,
    )
    loc.state_file.write_text(json.dumps(state.as_dict(), indent=2))
    return state


def read_state(loc: Locations | None = None) -> TestbedState | None:
    """The state of a testbed that is up and answering, else None."""
    loc = loc or locations()
    try:
        state = TestbedState(**json.loads(loc.state_file.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    try:
        client = state.client()
        try:
            client.ping()
        finally:
            client.close()
    except docker.errors.DockerException:
        return None
    return state


def with_current_images(
    state: TestbedState, log: Callable[[str], None] = print, loc: Locations | None = None
) -> TestbedState:
    """A testbed that is up but was started before a recipe changed builds what is new."""
    loc = loc or locations()
    if images.image_refs(state.registry) == state.images:
        return state
    client = docker.DockerClient(base_url=state.docker_host, timeout=600)
    try:
        refs = images.ensure_images(client, state.registry, loc, log)
    finally:
        client.close()
    state = TestbedState(**{**state.as_dict(), "images": refs})
    loc.state_file.write_text(json.dumps(state.as_dict(), indent=2))
    return state


def tear_down(loc: Locations | None = None) -> None:
    services.stop(loc or locations())


__all__ = [
    "TestbedState",
    "TestbedUnavailable",
    "bring_up",
    "read_state",
    "tear_down",
    "with_current_images",
]
