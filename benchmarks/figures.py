"""One row per figure: ours, the baseline measured in the same run, their ratio and the
target; the table printed at the end and the JSON written next to it."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True)
class Target:
    """What a figure should reach: its ratio to the baseline, or its own value, at most."""

    limit: float
    on: Literal["ratio", "value"] = "ratio"

    def met(self, value: float | None, ratio: float | None) -> bool | None:
        measured = ratio if self.on == "ratio" else value
        return None if measured is None else measured <= self.limit

    def text(self, unit: str) -> str:
        if self.on == "ratio":
            return f"ratio ≤ {self.limit:g}"
        return f"≤ {self.limit:g} {unit}".rstrip()


@dataclass(frozen=True)
class Row:
    benchmark: str  # the module that measured it (--only picks by this name)
    figure: str
    unit: str
    ours: float
    baseline: float | None = None
    baseline_is: str = ""  # what the baseline is, e.g. "docker run + curl loop"
    target: Target | None = None
    samples: dict[str, list[float]] = field(default_factory=dict)  # every run, by side
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return ratio(self.ours, self.baseline)

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.met(self.ours, self.ratio)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = self.ratio
        data["met"] = self.met
        data["target"] = self.target.text(self.unit) if self.target else None
        return data


def ratio(ours: float, baseline: float | None) -> float | None:
    if baseline is None or baseline == 0:
        return None
    return ours / baseline


def median(values: Iterable[float]) -> float:
    values = list(values)
    if not values:
        raise ValueError("no runs were measured")
    return statistics.median(values)


def interleaved(runs: int) -> list[tuple[str, str]]:
    """The order of runs: ours, baseline, baseline, ours, ... so a busy moment of a
    shared machine falls on both sides alike."""
    return [("ours", "baseline") if i % 2 == 0 else ("baseline", "ours") for i in range(runs)]


def polling_rounds(times: list[float], gap: float = 1.0) -> int:
    """Bursts of requests at least ``gap`` seconds apart (one status refresh each)."""
    rounds = 0
    last = None
    for moment in sorted(times):
        if last is None or moment - last >= gap:
            rounds += 1
        last = moment
    return rounds


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    size = abs(value)
    text = f"{value:.2f}" if size < 10 else f"{value:.1f}" if size < 100 else f"{value:.0f}"
    return f"{text} {unit}".rstrip()


def table(rows: Sequence[Row]) -> str:
    """The figures as a plain-text table (what `python -m benchmarks` prints)."""
    header = ("figure", "ours", "baseline", "ratio", "target", "met")
    lines = [header]
    for row in rows:
        met = {True: "yes", False: "NO", None: ""}[row.met]
        lines.append(
            (
                row.figure,
                _number(row.ours, row.unit),
                _number(row.baseline, row.unit),
                "—" if row.ratio is None else f"{row.ratio:.2f}",
                row.target.text(row.unit) if row.target else "",
                met,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for number, line in enumerate(lines):
        cells = [line[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True)
        ]
        out.append("  ".join(cells).rstrip())
        if number == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def document(rows: Sequence[Row], machine: dict[str, Any], runs: int) -> dict[str, Any]:
    """What is written as JSON: the machine, the runs asked for and every row."""
    return {"machine": machine, "runs": runs, "figures": [row.as_dict() for row in rows]}
