"""The arithmetic and layout behind `python -m benchmarks` (no engine, no timing)."""

from __future__ import annotations

import json

import pytest

from benchmarks.figures import (
    Row,
    Target,
    document,
    interleaved,
    median,
    polling_rounds,
    ratio,
    table,
)


def test_a_ratio_target_is_met_by_the_ratio_not_the_value() -> None:
    slower = Row("start", "start-to-ready", "s", 2.2, 2.0, "docker run", Target(1.05))
    assert slower.ratio == pytest.approx(1.1)
    assert slower.met is False
    close = Row("start", "start-to-ready", "s", 2.05, 2.0, "docker run", Target(1.05))
    assert close.met is True


def test_a_value_target_ignores_the_baseline() -> None:
    stall = Row("window", "stall", "ms", 40.0, 400.0, "bare loop", Target(50, "value"))
    assert stall.met is True
    assert Row("window", "stall", "ms", 60.0, 1.0, "", Target(50, "value")).met is False


def test_without_a_baseline_there_is_no_ratio_and_a_ratio_target_is_not_judged() -> None:
    row = Row("scale", "refresh", "ms", 20.0, None, "", Target(1.05))
    assert row.ratio is None
    assert row.met is None
    assert ratio(1.0, 0.0) is None


def test_median_of_no_runs_is_an_error() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    with pytest.raises(ValueError, match="no runs"):
        median([])


def test_runs_alternate_which_side_goes_first() -> None:
    assert interleaved(3) == [
        ("ours", "baseline"),
        ("baseline", "ours"),
        ("ours", "baseline"),
    ]


def test_the_table_lines_up_and_marks_missed_targets() -> None:
    rows = [
        Row("start", "start-to-ready", "s", 2.2, 2.0, "docker run", Target(1.05)),
        Row("scale", "refresh", "ms", 24.5, None, "", Target(100, "value")),
        Row("scale", "requests per minute", "", 24.0),
    ]
    lines = table(rows).splitlines()
    assert lines[0].split() == ["figure", "ours", "baseline", "ratio", "target", "met"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert len({len(line) for line in lines[:3]}) == 1  # the first rows are as wide as the header
    assert lines[2].endswith("1.10  ratio ≤ 1.05   NO")
    assert "2.20 s" in lines[2] and "2.00 s" in lines[2]
    assert lines[3].endswith("yes") and "—" in lines[3]
    assert lines[4].split() == ["requests", "per", "minute", "24.0", "—", "—"]


def test_the_json_document_carries_ratio_target_and_outcome() -> None:
    row = Row("start", "start-to-ready", "s", 2.2, 2.0, "docker run", Target(1.05),
              {"ours": [2.2], "baseline": [2.0]})  # fmt: skip
    data = json.loads(json.dumps(document([row], {"cpus": 2}, runs=5)))
    assert data["machine"] == {"cpus": 2} and data["runs"] == 5
    (figure,) = data["figures"]
    assert figure["ratio"] == pytest.approx(1.1)
    assert figure["met"] is False
    assert figure["target"] == "ratio ≤ 1.05"
    assert figure["samples"] == {"ours": [2.2], "baseline": [2.0]}


def test_requests_close_together_are_one_polling_round() -> None:
    # two refreshes 5 s apart, each a burst of requests within a few milliseconds
    assert polling_rounds([0.0, 0.004, 0.01, 5.0, 5.002, 5.003]) == 2
    assert polling_rounds([]) == 0
