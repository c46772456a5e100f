"""Install against docker pull: the figures of ``install_vs_pull.py`` as table rows."""

from __future__ import annotations

from benchmarks.figures import Row, Target, median
from benchmarks.install_vs_pull import measure_runs

NAME = "install"


def measure(runs: int, course: str = "test-multi") -> list[Row]:
    result = measure_runs(runs, course)
    sides = result["runs"]
    note = f"{course}, all images removed before each run, median of {runs}"
    rows = []
    for key, figure, target in (
        ("wall_s", "install, image absent", Target(1.05)),
        ("cpu_s", "install, client CPU time", None),
    ):
        samples = {side: [run[key] for run in sides[side]] for side in ("ours", "baseline")}
        rows.append(
            Row(
                NAME,
                figure,
                "s",
                median(samples["ours"]),
                median(samples["baseline"]),
                "docker pull",
                target,
                samples,
                note,
            )
        )
    return rows
