"""Images on the test engine."""

from __future__ import annotations

import docker


def remove_all_images(client: docker.DockerClient) -> None:
    """An engine that has downloaded nothing yet (the registry keeps every image)."""
    for container in client.containers.list(all=True):
        container.remove(force=True)
    for image in client.images.list():
        client.images.remove(image.id, force=True)
