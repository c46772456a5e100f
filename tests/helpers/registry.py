"""New versions of a course published to the test registry, as an institution would
publish them under the course's tag.

The update course uses its own repository in the test registry (a copy of the Jupyter
test image), so publishing new versions never changes the images other tests use."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import docker

from tests.testbed.testbed import TestbedState

UPDATE_COURSE_ID = "test-update"


def push(client: docker.DockerClient, repository: str, tag: str) -> None:
    for event in client.api.push(repository, tag=tag, stream=True, decode=True):
        assert "error" not in event, event


@dataclass(frozen=True)
class Published:
    ref: str
    repository: str
    catalogue: Path

    def args(self, testbed: TestbedState) -> list[str]:
        return ["--catalogue", str(self.catalogue), "--engine", testbed.docker_host]


def publish_new_version(client: docker.DockerClient, published: Published, version: int) -> str:
    """Publish a changed image under the course's tag; this computer keeps the old one
    (as a student's would). Returns the new image's id."""
    old_id = client.images.get(published.ref).id
    dockerfile = f"FROM {published.ref}\nLABEL org.course-launcher.test-version={version}\n"
    new, _ = client.images.build(
        fileobj=io.BytesIO(dockerfile.encode()), tag=published.ref, rm=True, forcerm=True
    )
    push(client, published.repository, "24j")
    client.images.get(old_id).tag(published.repository, "24j")
    client.images.remove(new.id, force=True)
    return str(new.id)
