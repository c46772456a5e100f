"""The registry client against the real test registry (Debian's docker-registry).

What the client reads from a manifest must be what the registry stores: each layer's
size equals its blob's ``Content-Length``, and the digest of a tag from ``HEAD`` equals
the digest of the manifest served for it. A missing tag and a registry that is not
there end in typed errors, quickly.
"""

from __future__ import annotations

import hashlib
import platform
import time
from collections.abc import Iterator

import pytest
import requests

from launcher.core.errors import ImageNotFound, RegistryUnreachable
from launcher.core.images.manifest import ACCEPT, Platform
from launcher.core.images.reference import ImageReference
from launcher.core.images.registry import RegistryClient
from tests.testbed.services import free_port
from tests.testbed.testbed import TestbedState

MACHINES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
HERE = Platform("linux", MACHINES.get(platform.machine().lower(), platform.machine().lower()))


@pytest.fixture
def client() -> Iterator[RegistryClient]:
    with RegistryClient() as registry_client:
        yield registry_client


def blob_size(registry: str, repository: str, digest: str) -> int:
    response = requests.head(
        f"http://{registry}/v2/{repository}/blobs/{digest}", timeout=10, allow_redirects=True
    )
    assert response.status_code == 200, (digest, response.status_code)
    return int(response.headers["Content-Length"])


@pytest.mark.parametrize("name", ["base", "jupyter", "multi"])
def test_layer_sizes_are_what_the_registry_stores(
    testbed: TestbedState, client: RegistryClient, name: str
) -> None:
    ref = ImageReference.parse(testbed.images[name])
    manifest = client.manifest(ref, HERE)
    assert manifest.layers
    for layer in manifest.layers:
        assert blob_size(testbed.registry, ref.repository, layer.digest) == layer.size
    assert blob_size(testbed.registry, ref.repository, manifest.config_digest) > 0
    assert manifest.total_size == sum(
        blob_size(testbed.registry, ref.repository, digest) for digest in manifest.layer_sizes
    )
    # The manifest digest is the hash of what the registry serves for the tag.
    served = requests.get(
        f"http://{testbed.registry}/v2/{ref.repository}/manifests/{ref.tag}",
        headers={"Accept": ACCEPT},
        timeout=10,
    )
    expected = "sha256:" + hashlib.sha256(served.content).hexdigest()
    assert served.headers["Docker-Content-Digest"] == expected
    assert client.digest_of(ref) == manifest.digest == manifest.manifest_digest == expected


def test_the_multi_layer_image_builds_on_its_parents(
    testbed: TestbedState, client: RegistryClient
) -> None:
    base, jupyter, multi = (
        client.manifest(ImageReference.parse(testbed.images[name]), HERE)
        for name in ("base", "jupyter", "multi")
    )
    assert len(multi.layers) > len(jupyter.layers) > len(base.layers)
    assert multi.layers[: len(jupyter.layers)] == jupyter.layers  # shared layers: "Already exists"
    by_digest = ImageReference.parse(f"{testbed.images['multi'].rsplit(':', 1)[0]}@{multi.digest}")
    again = client.manifest(by_digest, HERE)
    assert (again.digest, again.config_digest, again.layers) == (
        multi.digest,
        multi.config_digest,
        multi.layers,
    )


def test_tags_list_the_published_tag(testbed: TestbedState, client: RegistryClient) -> None:
    ref = ImageReference.parse(testbed.images["jupyter"])
    assert ref.tag in client.tags(ref)


def test_a_missing_tag_or_repository_is_image_not_found(
    testbed: TestbedState, client: RegistryClient
) -> None:
    missing_tag = ImageReference.parse(testbed.images["jupyter"].rsplit(":", 1)[0] + ":no-such")
    missing_repo = ImageReference.parse(f"{testbed.registry}/testbed/no-such-course:24j")
    for ref in (missing_tag, missing_repo):
        with pytest.raises(ImageNotFound) as caught:
            client.manifest(ref, HERE)
        assert ref.familiar in caught.value.message
        with pytest.raises(ImageNotFound):
            client.digest_of(ref)


def test_a_registry_that_is_not_running_is_unreachable_quickly(client: RegistryClient) -> None:
    ref = ImageReference.parse(f"127.0.0.1:{free_port()}/testbed/jupyter:24j")
    started = time.monotonic()
    for call in (lambda: client.manifest(ref, HERE), lambda: client.digest_of(ref)):
        with pytest.raises(RegistryUnreachable) as caught:
            call()
        assert caught.value.message.startswith("The course image server could not be reached")
        assert "nothing answers" in caught.value.message
        assert "Retry" in caught.value.hint
    assert time.monotonic() - started < 3
