"""The testbed itself: its registry serves the course images and its engine runs them."""

from __future__ import annotations

import secrets
import time

import docker
import requests

from tests.testbed.services import free_port
from tests.testbed.testbed import TestbedState


def _wait_for_status(url: str, headers: dict[str, str], timeout: float = 60) -> requests.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return requests.get(url, headers=headers, timeout=2)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_registry_lists_the_course_images(testbed: TestbedState) -> None:
    catalog = requests.get(f"http://{testbed.registry}/v2/_catalog", timeout=5).json()
    assert {"testbed/jupyter", "testbed/multi"} <= set(catalog["repositories"])


def test_image_pulled_from_registry_runs_jupyter_on_loopback(
    testbed: TestbedState, clean_engine: docker.DockerClient
) -> None:
    ref = testbed.images["jupyter"]
    repository, tag = ref.rsplit(":", 1)
    events = list(clean_engine.api.pull(repository, tag=tag, stream=True, decode=True))
    assert not [e for e in events if "error" in e]
    assert any("Digest: sha256:" in e.get("status", "") for e in events)

    token = secrets.token_hex(16)
    port = free_port()
    container = clean_engine.containers.run(
        ref,
        detach=True,
        environment={"JUPYTER_TOKEN": token},
        ports={"8888/tcp": ("127.0.0.1", port)},
    )
    assert container.attrs["Config"]["User"] == "ou"
    status_url = f"http://127.0.0.1:{port}/api/status"
    deadline = time.monotonic() + 60
    answer = _wait_for_status(status_url, {"Authorization": f"token {token}"})
    while answer.status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
        answer = _wait_for_status(status_url, {"Authorization": f"token {token}"})
    assert answer.status_code == 200, container.logs(tail=20)
    assert "started" in answer.json()
    assert requests.get(status_url, timeout=2).status_code == 403
    uid = container.exec_run(["id", "-u"]).output.decode().strip()
    assert uid == "1000"
