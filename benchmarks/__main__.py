"""Run the benchmarks and print one table: each figure, ours, its baseline measured in
the same run, their ratio and the target; the same is written as JSON.

    .venv/bin/python -m benchmarks [--only start,install,window,scale,takeaway,database,
        folder,peer,catalogue] [--runs 5] [--size full|small]

Needs the test engine and registry of ``tests/testbed`` (started when they are not
up) and holds their lock while it uses them, so test runs wait. Linux only.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from benchmarks import (
    big_folder,
    database,
    install,
    long_catalogue,
    peer,
    scale,
    start_to_ready,
    takeaway,
    window,
)
from benchmarks.figures import Row, document, table
from benchmarks.testbed_use import ROOT, machine

BENCHMARKS: dict[str, Callable[[argparse.Namespace], list[Row]]] = {
    start_to_ready.NAME: lambda args: start_to_ready.measure(args.runs),
    install.NAME: lambda args: install.measure(args.runs),
    window.NAME: lambda args: window.measure(args.runs, args.idle_seconds),
    scale.NAME: lambda args: scale.measure(args.runs, args.idle_seconds),
    takeaway.NAME: lambda args: takeaway.measure(args.runs, args.size),
    database.NAME: lambda args: database.measure(args.runs, args.size),
    big_folder.NAME: lambda args: big_folder.measure(args.runs, args.size),
    peer.NAME: lambda args: peer.measure(args.runs),
    long_catalogue.NAME: lambda args: long_catalogue.measure(
        args.runs, args.size, args.idle_seconds
    ),
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
    parser.add_argument(
        "--size",
        choices=("small", "full"),
        default="full",
        help="the data of takeaway, database, folder and catalogue: full (a 1.1 GB image "
        "and dump, 100 000 files, 500 courses) or small (a quick check that they run)",
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where the figures go")
    args = parser.parse_args(argv)  # fmt: skip
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    rows: list[Row] = []
    failed: list[str] = []
    started = time.monotonic()
    about = machine()
    args.json.parent.mkdir(parents=True, exist_ok=True)
    for name in chosen(args.only):
        print(f"== {name}", flush=True)
        try:
            measured = BENCHMARKS[name](args)
        except Exception:  # the others still run: a full run takes most of an hour
            traceback.print_exc()
            failed.append(name)
            continue
        print(table(measured), flush=True)
        rows += measured
        args.json.write_text(json.dumps(document(rows, about, args.runs), indent=2) + "\n")
    print(
        f"\n{about['cpus']} CPUs ({about['cpu_model']}), {about['memory_gb']} GB, "
        f"{about['system']}, Python {about['python']}; {args.runs} runs of each side, "
        f"size {args.size}; {time.monotonic() - started:.0f} s in all\n"
    )
    print(table(rows))
    args.json.write_text(json.dumps(document(rows, about, args.runs), indent=2) + "\n")
    print(f"\nwritten: {args.json}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
