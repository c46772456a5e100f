"""The benchmarks of growing data run, at their small size, and print their rows.

Figures, not timed tests: what is checked is that each benchmark runs against the real
test engine end to end and reports every figure it promises (the full sizes run by
hand; benchmarks/README.md holds their latest table)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.testbed.testbed import TestbedState

ROOT = Path(__file__).resolve().parents[2]
FIGURES = {
    "takeaway": ["export, take-away file", "export, against docker save + sync",
                 "import, take-away file",
                 "export, launcher peak memory", "import, launcher peak memory"],
    "database": ["database backup", "database restore", "backup, peak memory",
                 "restore, peak memory"],
    "folder": ["first start, 1,000 files of 1 kB", "later start, 1,000 files of 1 kB",
               "first start, 10 files of 10.0 MB", "later start, 10 files of 10.0 MB"],
    "peer": ["restart-to-ready, command line, against the peer",
             "restart-to-ready, command line, against docker start",
             "restart-to-ready, the peer, against docker start"],
    "catalogue": ["window shown (40 courses, 4 environments, 2 running)",
                  "course list refresh (40 courses, 4 environments, 2 running)",
                  "keystroke in the course search (40 courses)",
                  "engine requests per minute, idle (40 courses)"],
}  # fmt: skip


def test_the_size_benchmarks_run_small_and_print_their_rows(
    testbed: TestbedState, tmp_path: Path
) -> None:
    out = tmp_path / "figures.json"
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--only", ",".join(FIGURES), "--size", "small",
         "--runs", "1", "--idle-seconds", "6", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr[-3000:]
    figures = json.loads(out.read_text())["figures"]
    for name, expected in FIGURES.items():
        rows = {row["figure"]: row for row in figures if row["benchmark"] == name}
        assert sorted(rows) == sorted(expected), name
        for row in rows.values():
            assert row["ours"] > 0, row
    table = finished.stdout.rsplit("s in all", 1)[1]  # the table of every row, at the end
    for expected in FIGURES.values():
        for figure in expected:
            assert figure in table
    database = next(row for row in figures if row["figure"] == "database backup")
    assert "50,000 rows" in database["note"]
