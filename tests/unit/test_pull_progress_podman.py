"""The pull-event aggregator against event streams recorded from Podman 4.3.1.

The ``podman43_*.jsonl`` files in ``data/pull_events`` are what Podman's
Docker-compatible API sent (``POST /images/create``, decoded) while pulling the
testbed's multi-layer image: a fresh pull, one cancelled once the base layer was
reported done, the pull after that cancel (the base layer "Already exists"), a pull of
an image already there; ``podman43_errors.json`` holds two error streams (one
event each, in a 200 answer). The layer sizes below are that image's
manifest's. The shared promises (bytes never go back, never pass the total, end
exactly at it) are those of :mod:`tests.helpers.pull_progress`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from launcher.core.errors import ImageNotFound, PullFailed, RegistryUnreachable
from launcher.core.images.pull_errors import engine_pull_error
from launcher.core.images.pull_progress import PullAggregator, PullPhase, PullProgress
from tests.helpers.pull_progress import check_promises, phases, run

DATA = Path(__file__).parent / "data" / "pull_events"
BASE, BIG = "66925b459727", "16581a665dfb"
SIZES = {
    BASE: 93_243_817,
    BIG: 184_067_987,
    "9d14346be2ee": 3_382,
    "222337eaedd4": 368,
    "8810ae7e600c": 301,
    "6b415cac29b7": 396,
}
TOTAL = sum(SIZES.values())  # 277 316 251
CONFIG = "86f77b2a9826"  # also Podman's image id
IMAGE = "127.0.0.1:50717/testbed/multi:4564c479123256e2"


def events(name: str) -> list[dict[str, object]]:
    lines = (DATA / name).read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def with_manifest() -> PullAggregator:
    """What the launcher makes: sizes from the registry, the config digest ignored."""
    digests = {f"sha256:{short}{'0' * 52}": size for short, size in SIZES.items()}
    return PullAggregator(digests, ignore=[f"sha256:{CONFIG}{'0' * 52}"], image=IMAGE)


def test_a_fresh_pull_reports_bytes_and_ends_at_the_manifest_total() -> None:
    sequence = events("podman43_fresh.jsonl")
    snapshots = run(with_manifest(), sequence)
    first_bytes = next(i for i, s in enumerate(snapshots) if s.bytes_done)
    assert all(s.bytes_total == TOTAL for s in snapshots[:first_bytes])
    assert not any(s.total_is_lower_bound for s in snapshots)
    # Podman 4.3 sends byte counts ("Downloading" about once a second per layer) ...
    first_download = sequence.index(next(e for e in sequence if e["status"] == "Downloading"))
    assert snapshots[first_download + 1].bytes_done == 6_581_248 + 396 + 301 + 368 + 3_382
    # ... never quite up to a layer's size: the layer counts in full at "Download complete".
    last_big = max(
        e["progressDetail"]["current"]  # type: ignore[index]
        for e in sequence
        if e["id"] == BIG and e["status"] == "Downloading"
    )
    assert last_big < SIZES[BIG]
    final = check_promises(snapshots)
    assert (final.bytes_total, final.bytes_present) == (TOTAL, 0)
    assert (final.layers_done, final.layers_total) == (6, 6)  # the config is not a part
    assert phases(snapshots) == [
        PullPhase.RESOLVING,
        PullPhase.DOWNLOADING,
        PullPhase.EXTRACTING,
        PullPhase.DONE,
    ]


def test_the_base_layer_is_reported_done_only_once_unpacked() -> None:
    """The base layer's last byte count is 3.5 MB short, and its "Download complete"
    comes after the second layer's: the bytes wait there while Podman unpacks it."""
    snapshots = run(with_manifest(), events("podman43_fresh.jsonl"))
    waiting = [s for s in snapshots if s.layers_done == 5]
    assert waiting and all(s.phase is PullPhase.DOWNLOADING for s in waiting)
    assert TOTAL - waiting[-1].bytes_done == SIZES[BASE] - 89_735_168


def test_a_cancelled_pull_stops_with_the_base_layer_done() -> None:
    aggregator = with_manifest()
    snapshots = [aggregator.feed(event) for event in events("podman43_cancelled.jsonl")]
    last = snapshots[-1]  # the stream was closed here: no finish
    assert last.phase is PullPhase.DOWNLOADING
    assert (last.layers_done, last.layers_total) == (5, 6)
    assert SIZES[BASE] < last.bytes_done < last.bytes_total == TOTAL
    assert "5 of 6 parts" in last.describe()


def test_the_pull_after_a_cancel_counts_the_kept_layer_as_present() -> None:
    sequence = events("podman43_resumed.jsonl")
    assert sequence[0] == {"status": "Already exists", "progressDetail": {}, "id": BASE}
    snapshots = run(with_manifest(), sequence)
    assert snapshots[0].bytes_total == TOTAL  # before Podman says what it has
    after_exists = snapshots[1]
    assert (after_exists.bytes_total, after_exists.bytes_present) == (
        TOTAL - SIZES[BASE],
        SIZES[BASE],
    )
    assert (after_exists.layers_done, after_exists.layers_total) == (1, 6)
    final = check_promises(snapshots)
    assert final.bytes_done == final.bytes_total == TOTAL - SIZES[BASE]
    assert final.bytes_present == SIZES[BASE]


def test_an_image_already_there_downloads_nothing() -> None:
    snapshots = run(with_manifest(), events("podman43_present.jsonl"))
    final = check_promises(snapshots)
    assert (final.bytes_total, final.bytes_present) == (0, TOTAL)
    assert final.describe() == "The course image is ready."


def test_without_the_manifest_bytes_still_end_exact() -> None:
    """No registry sizes: the byte counts Podman sends make a lower bound, exact at the
    end (the small layers never had a count). The config blob then counts as one more
    part: nothing in the stream tells it from a layer before it is over."""
    snapshots = run(PullAggregator(image=IMAGE), events("podman43_fresh.jsonl"))
    assert all(s.total_is_lower_bound for s in snapshots if s.phase is not PullPhase.DONE)
    final = check_promises(snapshots)
    assert final.bytes_total == SIZES[BASE] + SIZES[BIG]
    assert final.layers_total == len(SIZES) + 1


def test_a_cut_stream_keeps_its_last_progress() -> None:
    """The last snapshot of a cancelled stream is what the window shows after Cancel."""
    aggregator = with_manifest()
    progress: PullProgress | None = None
    for event in events("podman43_cancelled.jsonl"):
        progress = aggregator.feed(event)
    assert progress == aggregator.snapshot()


@pytest.mark.parametrize(
    ("line", "kind", "words"),
    [
        (0, ImageNotFound, "was not found on its server"),
        (1, RegistryUnreachable, "nothing answers at that address"),
    ],
)
def test_recorded_errors_are_typed(line: int, kind: type[Exception], words: str) -> None:
    aggregator = with_manifest()
    with pytest.raises(kind) as caught:
        aggregator.feed(json.loads((DATA / "podman43_errors.json").read_text())[line])
    assert words in str(caught.value)


def test_a_plain_http_registry_podman_does_not_trust_says_what_to_allow() -> None:
    """Docker trusts plain-HTTP registries on loopback; Podman only those its
    registries.conf marks insecure (the text is Podman 4.3.1's)."""
    message = (
        "initializing source docker://localhost:50717/testbed/multi:4564c479123256e2: "
        'pinging container registry localhost:50717: Get "https://localhost:50717/v2/": '
        "http: server gave HTTP response to HTTPS client"
    )
    error = engine_pull_error(message, "localhost:50717/testbed/multi:4564c479123256e2")
    assert isinstance(error, PullFailed)
    assert "plain HTTP" in error.message and "localhost:50717" in error.message
    assert "insecure = true" in error.hint and "insecure-registries" in error.hint
