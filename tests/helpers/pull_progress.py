"""The promises every pull's progress keeps, whichever engine sent the events: bytes
never go back, never pass the total, and end exactly at it; layers end all done; the
phase ends "done"."""

from __future__ import annotations

import itertools

from launcher.core.images.pull_progress import PullAggregator, PullPhase, PullProgress


def run(aggregator: PullAggregator, sequence: list[dict[str, object]]) -> list[PullProgress]:
    snapshots = [aggregator.snapshot()]
    snapshots += [aggregator.feed(event) for event in sequence]
    snapshots.append(aggregator.finish())
    return snapshots


def check_promises(snapshots: list[PullProgress]) -> PullProgress:
    for before, after in itertools.pairwise(snapshots):
        assert after.bytes_done >= before.bytes_done, (before, after)
        assert after.layers_done >= before.layers_done, (before, after)
    for snapshot in snapshots:
        assert 0 <= snapshot.bytes_done <= snapshot.bytes_total
        assert snapshot.layers_done <= snapshot.layers_total
    final = snapshots[-1]
    assert final.phase is PullPhase.DONE
    assert final.bytes_done == final.bytes_total
    assert not final.total_is_lower_bound
    assert final.layers_done == final.layers_total
    assert final.fraction == 1.0
    return final


def phases(snapshots: list[PullProgress]) -> list[PullPhase]:
    seen: list[PullPhase] = []
    for snapshot in snapshots:
        if not seen or seen[-1] is not snapshot.phase:
            seen.append(snapshot.phase)
    return seen
