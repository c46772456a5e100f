"""Run the benchmarks and print one table: each figure, ours, its baseline measured in
the same run, their ratio and the target; the same is written as JSON.

    .venv/bin/python -m benchmarks [--only start,install,window,scale] [--runs 5]

Needs the test engine and registry of ``tests/testbed`` (started when they are not
up) and holds their lock while it uses them, so test runs wait. Linux only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import install, scale, start_to_ready, window
from benchmarks.figures import Row, document, table
from benchmarks.testbed_use import ROOT, machine

BENCHMARKS: dict[str, Callable[[argparse.Namespace], list[Row]]] = {
    start_to_ready.NAME: lambda args: start_to_ready.measure(args.runs),
    install.NAME: lambda args: install.measure(args.runs),
    window.NAME: lambda args: window.measure(args.runs, args.idle_seconds),
    scale.NAME: lambda args: scale.measure(args.runs, args.idle_seconds),
}
DEFAULT_JSON = ROOT / "test-artifacts" / "benchmarks.json"


def chosen(only: list[str] | None) -> list[str]:
    if not only:
        return list(BENCHMARKS)
    names = [n.strip() for item in only for n in item.split(",") if n.strip()]
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        raise SystemExit(f"unknown benchmark {', '.join(unknown)}; one of {', '.join(BENCHMARKS)}")
    return [n for n in BENCHMARKS if n in names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"run only these (repeat or comma-separate): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--runs", type=int, default=5, help="runs of each side (default 5)")
    parser.add_argument(
        "--idle-seconds",
        type=float,
        default=window.IDLE_SECONDS,
        help="how long idle CPU and engine requests are watched (default 20)",
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where the figures go")
    args = parser.parse_args(argv)  # fmt: skip
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    rows: list[Row] = []
    started = time.monotonic()
    for name in chosen(args.only):
        print(f"== {name}", flush=True)
        measured = BENCHMARKS[name](args)
        print(table(measured), flush=True)
        rows += measured
    about = machine()
    print(
        f"\n{about['cpus']} CPUs ({about['cpu_model']}), {about['memory_gb']} GB, "
        f"{about['system']}, Python {about['python']}; {args.runs} runs of each side; "
        f"{time.monotonic() - started:.0f} s in all\n"
    )
    print(table(rows))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document(rows, about, args.runs), indent=2) + "\n")
    print(f"\nwritten: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
