"""Cancel an install mid-download on Podman, install again: only the rest is downloaded.

The shared test engine (dockerd 20.10, classic image store) drops every layer of a
cancelled pull, so it cannot show a resume. Podman can: its storage
(containers/storage) commits each layer as soon as it and the layers below it are
downloaded and unpacked, and keeps committed layers when the pull is cancelled; the
next pull reports them as "Already exists" and does not download them again.

The test pulls the multi-layer test image through Podman's Docker-compatible API
(a private ``podman system service``, :mod:`tests.testbed.podman_engine`) from the
testbed registry, through a proxy (:mod:`tests.testbed.slow_registry`) that counts
the bytes and slows the largest layer down. The first install is cancelled once every
other layer is reported done: Podman reports a layer done after committing it when
nothing below it is still downloading, as for the base layer here. The second
install must then transfer less than the image's download size, report the base
layer as present, and end exactly at its byte total.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from launcher.core.engine.model import Engine
from launcher.core.errors import Cancelled
from launcher.core.images.manifest import Platform
from launcher.core.images.pull_progress import PullPhase, PullProgress
from launcher.core.images.reference import ImageReference
from launcher.core.images.registry import RegistryClient
from launcher.core.launcher import Launcher
from launcher.core.operation import CancelToken
from tests.helpers.catalogue import catalogue_text
from tests.testbed.podman_engine import PodmanService, PodmanUnavailable, start_podman
from tests.testbed.services import free_port
from tests.testbed.slow_registry import SlowRegistryProxy
from tests.testbed.testbed import TestbedState

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SLOW_RATE = 4_000_000  # bytes/s for the largest layer while the first install runs
COURSE = "test-multi"


@pytest.fixture
def slow_registry(testbed: TestbedState) -> Iterator[SlowRegistryProxy]:
    proxy = SlowRegistryProxy(testbed.registry)
    proxy.open()
    yield proxy
    proxy.close()


@pytest.fixture
def podman(slow_registry: SlowRegistryProxy) -> Iterator[PodmanService]:
    try:
        service = start_podman([slow_registry.address])
    except PodmanUnavailable as exc:
        reason = f"no Podman service could be started: {exc}"
        if IN_CI:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason + " (run as root on Debian to get one)")
    yield service
    service.stop()
    assert not service.folder.exists(), "the Podman storage was not removed"


def layer_sizes(testbed: TestbedState) -> dict[str, int]:
    """Layer digest → size, base layer first (the manifest's order)."""
    with RegistryClient() as registry:
        reference = ImageReference.parse(testbed.images["multi"])
        manifest = registry.manifest(reference, Platform("linux", "amd64"))
    return dict(manifest.layer_sizes)


def podman_engine(launcher: Launcher) -> Engine:
    """The launcher's engine, which must be the Podman service. Podman answers
    ``/version`` in up to 2.8 s while it pulls; the launcher's search allows that
    once ``/_ping`` has answered, so one lookup is enough."""
    engine = launcher.engine
    assert (engine.info.product or "").startswith("Podman"), engine.info
    return engine


@pytest.mark.timeout(240)
def test_cancelled_install_resumes_on_podman_without_downloading_finished_layers(
    testbed: TestbedState,
    slow_registry: SlowRegistryProxy,
    podman: PodmanService,
    tmp_path: Path,
) -> None:
    sizes = layer_sizes(testbed)
    total = sum(sizes.values())
    base, *upper = sizes  # Podman commits the base first; the others wait for it
    slowed = max(upper, key=sizes.__getitem__)
    assert sizes[base] > 10_000_000 and sizes[slowed] > 50_000_000, sizes
    slow_registry.slow_down(slowed, SLOW_RATE)

    proxied = {
        name: ref.replace(testbed.registry, slow_registry.address, 1)
        for name, ref in testbed.images.items()
    }
    state = TestbedState(**{**testbed.as_dict(), "images": proxied})
    catalogue = tmp_path / "catalogue.toml"
    catalogue.write_text(catalogue_text(state, free_port(), free_port()))
    launcher = Launcher.open(catalogues=[str(catalogue)], engine=podman.address)
    try:
        client = podman_engine(launcher).client

        cancel = CancelToken()
        first: list[PullProgress] = []

        def cancel_when_only_the_slow_layer_is_left(progress: PullProgress) -> None:
            first.append(progress)
            left = progress.layers_total - progress.layers_done
            if progress.layers_total and left == 1 and not cancel.cancelled:
                cancel.cancel()

        with pytest.raises(Cancelled):
            launcher.install(COURSE, cancel_when_only_the_slow_layer_is_left, cancel)
        time.sleep(1)  # anything Podman still sent after the cancel is counted too
        first_bytes = slow_registry.forwarded
        assert cancel.cancelled
        assert first[-1].bytes_done < first[-1].bytes_total, "nothing was left to cancel"
        assert first_bytes < total, "the whole image came before the cancel"
        with pytest.raises(docker.errors.ImageNotFound):
            client.images.get(proxied["multi"])

        slow_registry.full_speed()
        second: list[PullProgress] = []
        final = launcher.install(COURSE, second.append)
        second_bytes = slow_registry.forwarded - first_bytes
        print(
            f"\nPodman resume: download size {total} bytes; first install (cancelled) "
            f"transferred {first_bytes}, second {second_bytes}; the second reported "
            f"{final.bytes_present} bytes already present and downloaded {final.bytes_done}"
        )

        assert second_bytes < total, (
            f"the second install downloaded everything again ({second_bytes} bytes)"
        )
        assert final.bytes_present >= sizes[base], "the finished base layer was not kept"
        assert final.phase is PullPhase.DONE
        assert final.bytes_done == final.bytes_total
        assert final.bytes_total + final.bytes_present == total
        assert final.bytes_total <= second_bytes <= final.bytes_total + 1_000_000
        assert final.layers_done == final.layers_total == len(sizes)
        done = [p.bytes_done for p in second]
        assert done == sorted(done), "the bytes done went back"
        assert all(p.bytes_done <= p.bytes_total for p in second)
        client.images.get(proxied["multi"])
    finally:
        launcher.close()
