"""The pull-event aggregator against documented event sequences of each engine.

The sequences are in ``data/pull_events`` (their README names where each shape comes
from). Every sequence is checked for the same promises: bytes never go back, never
pass the total, and end exactly at it; layers end all done; the phase ends "done".
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from launcher.core.errors import (
    DiskFull,
    ImageNotFound,
    LauncherError,
    PullFailed,
    RateLimited,
    RegistryAccessDenied,
    RegistryUnreachable,
)
from launcher.core.images.pull_errors import disk_full, engine_pull_error
from launcher.core.images.pull_progress import PullAggregator, PullPhase, short_id
from launcher.core.text import human_duration, human_size
from tests.helpers.pull_progress import check_promises, phases, run

DATA = Path(__file__).parent / "data" / "pull_events"
A, B, C, D = "5b3b92bf92c6", "fb44a21e5e50", "a9bf854c480d", "357ea8c3d80b"
SIZES = {A: 31_357_311, B: 4_096, C: 12_582_912, D: 27_092_654}
CONFIG = "420f00cb47de"


def digest(short: str) -> str:
    """A full layer digest whose first 12 hex digits are ``short`` (as in a manifest)."""
    return "sha256:" + short + "0123456789abcdef" * 3 + "0123"


def manifest_sizes(*layers: str) -> dict[str, int]:
    return {digest(layer): SIZES[layer] for layer in layers}


def events(name: str) -> list[dict[str, object]]:
    lines = (DATA / name).read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- the classic store -------------------------------------------------------


def test_classic_total_known_before_the_first_byte_and_reached_exactly() -> None:
    snapshots = run(PullAggregator(manifest_sizes(A, B, C)), events("classic_fresh.jsonl"))
    expected = SIZES[A] + SIZES[B] + SIZES[C]
    first_bytes = next(i for i, s in enumerate(snapshots) if s.bytes_done)
    for snapshot in snapshots[:first_bytes]:
        assert snapshot.bytes_total == expected
        assert not snapshot.total_is_lower_bound
    final = check_promises(snapshots)
    assert final.bytes_total == expected
    assert (final.layers_done, final.layers_total, final.bytes_present) == (3, 3, 0)
    assert phases(snapshots) == [
        PullPhase.RESOLVING,
        PullPhase.DOWNLOADING,
        PullPhase.EXTRACTING,
        PullPhase.DONE,
    ]


def test_classic_without_manifest_is_a_lower_bound_until_the_end() -> None:
    snapshots = run(PullAggregator(), events("classic_fresh.jsonl"))
    assert snapshots[0].phase is PullPhase.RESOLVING
    assert snapshots[0].fraction is None
    assert all(s.total_is_lower_bound for s in snapshots if s.phase is not PullPhase.DONE)
    final = check_promises(snapshots)
    assert final.bytes_total == SIZES[A] + SIZES[B] + SIZES[C]


def test_layers_already_present_count_as_done_and_leave_the_download() -> None:
    aggregator = PullAggregator(manifest_sizes(D, B, A, C))
    snapshots = run(aggregator, events("classic_partly_present.jsonl"))
    assert snapshots[0].bytes_total == sum(SIZES.values())
    after_exists = snapshots[3]  # "Pulling from", then two "Already exists"
    assert after_exists.bytes_total == SIZES[A] + SIZES[C]
    assert after_exists.bytes_present == SIZES[D] + SIZES[B]
    assert (after_exists.layers_done, after_exists.layers_total) == (2, 4)
    final = check_promises(snapshots)
    assert final.bytes_total == SIZES[A] + SIZES[C]
    assert final.bytes_present == SIZES[D] + SIZES[B]


def test_an_image_that_is_up_to_date_downloads_nothing() -> None:
    snapshots = run(PullAggregator(manifest_sizes(A, B, C)), events("up_to_date.jsonl"))
    final = check_promises(snapshots)
    assert (final.bytes_total, final.bytes_present) == (0, SIZES[A] + SIZES[B] + SIZES[C])
    assert final.describe() == "The course image is ready."


# --- the containerd image store ----------------------------------------------


def test_containerd_store_seconds_of_extraction_are_not_bytes() -> None:
    aggregator = PullAggregator(manifest_sizes(D, A, B, C))
    sequence = events("containerd_store.jsonl")
    snapshots = run(aggregator, sequence)
    final = check_promises(snapshots)
    assert final.bytes_total == SIZES[A] + SIZES[B] + SIZES[C]
    assert final.bytes_present == SIZES[D]
    steps = zip(sequence, snapshots, snapshots[1:], strict=False)
    extracting = [(b, a) for event, b, a in steps if event.get("status") == "Extracting"]
    assert len(extracting) == 5
    assert all(after.bytes_done == before.bytes_done for before, after in extracting)
    assert PullPhase.EXTRACTING in phases(snapshots)


def test_containerd_store_without_manifest_ends_exact() -> None:
    snapshots = run(PullAggregator(), events("containerd_store.jsonl"))
    final = check_promises(snapshots)
    # The small layer finished without a byte count: only the counted bytes remain.
    assert final.bytes_total == SIZES[A] + SIZES[C]
    assert (final.layers_done, final.layers_total) == (4, 4)


def test_containerd_transfer_service_pulling_layer_fs_carries_bytes() -> None:
    aggregator = PullAggregator(manifest_sizes(A, C))
    snapshots = run(aggregator, events("containerd_transfer.jsonl"))
    assert snapshots[4].bytes_done == SIZES[A] // 2
    final = check_promises(snapshots)
    assert final.bytes_total == SIZES[A] + SIZES[C]


# --- Podman's compatible API -------------------------------------------------


def test_podman_without_bytes_falls_back_to_layer_counts() -> None:
    aggregator = PullAggregator(ignore=[digest(CONFIG)])
    snapshots = run(aggregator, events("podman_no_bytes.jsonl"))
    middle = snapshots[3]  # two of three layers announced, one downloaded
    assert (middle.bytes_done, middle.bytes_total) == (0, 0)
    assert middle.fraction == pytest.approx(1 / 2)
    assert middle.describe().startswith("Downloading (1 of 2 parts)")
    final = check_promises(snapshots)
    assert (final.layers_done, final.layers_total) == (3, 3)  # the image id is not a layer


def test_podman_without_bytes_but_with_the_manifest_moves_by_whole_layers() -> None:
    aggregator = PullAggregator(manifest_sizes(A, B, C), ignore=[CONFIG])
    snapshots = run(aggregator, events("podman_no_bytes.jsonl"))
    assert snapshots[2].bytes_done == SIZES[A]  # "Download complete" of the first layer
    final = check_promises(snapshots)
    assert final.bytes_total == SIZES[A] + SIZES[B] + SIZES[C]


def test_podman_total_minus_one_means_unknown() -> None:
    snapshots = run(PullAggregator(), events("podman_bytes.jsonl"))
    unknown = snapshots[5]  # C is downloading with total -1
    assert unknown.total_is_lower_bound
    assert unknown.bytes_done == SIZES[A] // 2 + 4_000_000
    assert unknown.bytes_total == SIZES[A] + 4_000_000
    assert "at least" in unknown.describe()
    final = check_promises(snapshots)
    assert final.bytes_total == SIZES[A] + SIZES[C]
    assert final.layers_total == 3  # the last event names the image, not a layer


# --- errors inside the stream ------------------------------------------------


def error_event(message: str) -> dict[str, object]:
    return {"errorDetail": {"message": message}, "error": message}


def test_no_space_left_says_how_much_is_needed() -> None:
    aggregator = PullAggregator(manifest_sizes(A, B, C))
    for event in events("classic_fresh.jsonl")[:8]:
        aggregator.feed(event)
    left = aggregator.snapshot().bytes_left
    assert left > 0
    message = "failed to register layer: write /var/lib/docker/x: no space left on device"
    with pytest.raises(DiskFull) as caught:
        aggregator.feed(error_event(message))
    assert caught.value.needed_bytes == left
    assert human_size(left) in caught.value.message
    assert "kept" in caught.value.hint


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        (
            error_event(
                "manifest for 127.0.0.1:5000/testbed/x:nope not found: manifest unknown: "
                "manifest unknown"
            ),
            ImageNotFound,
        ),
        (
            error_event(
                "toomanyrequests: You have reached your pull rate limit. You may increase the "
                "limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit"
            ),
            RateLimited,
        ),
        (
            error_event(
                'Get "https://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: '
                "connection refused"
            ),
            RegistryUnreachable,
        ),
        ({"error": "unauthorized: authentication required"}, RegistryAccessDenied),  # Podman
        ({"errorDetail": {"message": "unexpected status code 500"}}, PullFailed),
    ],
)
def test_errors_in_the_stream_are_typed(
    event: Mapping[str, object], kind: type[LauncherError]
) -> None:
    aggregator = PullAggregator(image="127.0.0.1:5000/testbed/x:24j")
    aggregator.feed({"status": "Pulling from testbed/x", "id": "24j"})
    with pytest.raises(kind) as caught:
        aggregator.feed(event)
    assert caught.value.message and caught.value.hint
    if kind is RegistryUnreachable:
        assert caught.value.message == (
            "The course image server could not be reached: 127.0.0.1:5000 "
            "(nothing answers at that address)."
        )


def test_an_empty_error_field_is_not_an_error() -> None:
    progress = PullAggregator().feed({"status": "Pulling fs layer", "id": A, "error": ""})
    assert progress.layers_total == 1


# --- speed and time left -----------------------------------------------------


def downloading(layer: str, current: int) -> dict[str, object]:
    return {
        "status": "Downloading",
        "progressDetail": {"current": current, "total": SIZES[layer]},
        "id": layer,
    }


def test_speed_is_a_rolling_average_and_eta_follows_it() -> None:
    clock = FakeClock()
    aggregator = PullAggregator(manifest_sizes(A), clock=clock)
    aggregator.feed({"status": "Pulling fs layer", "progressDetail": {}, "id": A})
    assert aggregator.snapshot().speed is None  # no time has passed yet
    for second in range(1, 11):  # 1 MB/s for 10 s
        clock.now += 1
        progress = aggregator.feed(downloading(A, second * 1_000_000))
    assert progress.speed == pytest.approx(1_000_000)
    assert progress.eta == pytest.approx((SIZES[A] - 10_000_000) / 1_000_000)
    for second in range(1, 6):  # then 3 MB/s for 5 s: the last 5 s are all that count
        clock.now += 1
        progress = aggregator.feed(downloading(A, 10_000_000 + second * 3_000_000))
    assert progress.speed == pytest.approx(3_000_000)
    assert progress.eta == pytest.approx(progress.bytes_left / 3_000_000)
    assert "3.0 MB/s" in progress.describe()


def test_speed_falls_when_nothing_arrives() -> None:
    clock = FakeClock()
    aggregator = PullAggregator(manifest_sizes(A), clock=clock)
    aggregator.feed({"status": "Pulling fs layer", "progressDetail": {}, "id": A})
    for second in range(1, 6):
        clock.now += 1
        aggregator.feed(downloading(A, second * 2_000_000))
    assert aggregator.snapshot().speed == pytest.approx(2_000_000)
    clock.now += 2.5  # a stall: the last 5 s saw 3 of the 2 MB steps
    assert aggregator.snapshot().speed == pytest.approx(1_200_000)
    clock.now += 10
    stalled = aggregator.snapshot()
    assert stalled.speed == 0
    assert stalled.eta is None


def test_speed_counts_downloads_only() -> None:
    clock = FakeClock()
    aggregator = PullAggregator(manifest_sizes(A, D), clock=clock)
    aggregator.feed({"status": "Already exists", "progressDetail": {}, "id": D})
    aggregator.feed({"status": "Pulling fs layer", "progressDetail": {}, "id": A})
    clock.now += 2
    progress = aggregator.feed(downloading(A, 1_000_000))
    assert progress.speed == pytest.approx(500_000)  # not the 27 MB that was already there
    clock.now += 1
    aggregator.feed({"status": "Download complete", "progressDetail": {}, "id": A})
    assert aggregator.snapshot().phase is PullPhase.EXTRACTING
    assert aggregator.snapshot().speed is None
    assert aggregator.snapshot().describe().startswith("Unpacking")


# --- small parts -------------------------------------------------------------


def test_short_ids_and_sizes_in_words() -> None:
    assert short_id(digest(A)) == short_id(A) == A
    assert short_id("SHA256:" + A.upper() + "ff") == A
    assert [human_size(n) for n in (0, 1, 999, 1_234, 1_234_567, 12_345_678_901)] == [
        "0 bytes",
        "1 byte",
        "999 bytes",
        "1.2 kB",
        "1.2 MB",
        "12.3 GB",
    ]
    assert [human_duration(s) for s in (4.4, 75, 600, 4000, 7200)] == [
        "4 s",
        "1 min 15 s",
        "10 min",
        "1 h 7 min",
        "2 h",
    ]


def iter_all() -> Iterator[str]:
    yield from sorted(path.name for path in DATA.glob("*.jsonl"))


@pytest.mark.parametrize("name", list(iter_all()))
def test_every_sequence_keeps_the_promises_with_and_without_sizes(name: str) -> None:
    check_promises(run(PullAggregator(SIZES, ignore=[CONFIG]), events(name)))
    final = check_promises(run(PullAggregator(), events(name)))
    assert PullAggregator().feed_all(events(name)) == final


def test_disk_full_hint_names_the_prune_command_for_every_front_end() -> None:
    error = engine_pull_error("write /var/lib/docker/tmp/x: no space left on device", "img")
    assert isinstance(error, DiskFull)
    assert "course-launcher images --prune" in error.hint
    assert "kept" in error.hint
    assert disk_full(None).hint == error.hint


def test_a_lost_registry_says_docker_retries_then_fails_as_unreachable() -> None:
    """Recorded from dockerd 20.10 when the registry went away mid-pull: it counts down
    "Retrying in 5 … 1 seconds", then 10, 15, 20 and 25 (75 s in all), then errors."""
    events = json.loads((DATA / "classic_registry_lost.json").read_text())
    sizes = {"66925b459727": 93_243_817, "16581a665dfb": 184_067_987,
             "9d14346be2ee": 3_382, "222337eaedd4": 368}  # fmt: skip
    pull = PullAggregator(sizes, image="127.0.0.1:5000/testbed/jupyter:x")
    countdowns: list[int] = []
    with pytest.raises(RegistryUnreachable):
        for event in events:
            progress = pull.feed(event)
            if progress.retry_in is not None:
                countdowns.append(progress.retry_in)
                assert progress.speed is None and progress.eta is None
                assert progress.describe().endswith(
                    f"The connection to the image server was lost; Docker tries again in "
                    f"{progress.retry_in} s…"
                )
                assert progress.describe().startswith("Downloading ")
    assert countdowns[:5] == [5, 5, 4, 4, 3]
    assert max(countdowns) == 25 and min(countdowns) == 1
