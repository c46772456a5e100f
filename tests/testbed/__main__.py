"""``python -m tests.testbed up|down|status``: run the real test engine and registry."""

from __future__ import annotations

import argparse
import json
import sys
import time

from tests.testbed.config import locations
from tests.testbed.lock import exclusive_use
from tests.testbed.testbed import bring_up, read_state, tear_down
from tests.testbed.tools import TestbedUnavailable


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.testbed")
    parser.add_argument("action", choices=["up", "down", "status"])
    args = parser.parse_args(argv)
    if args.action == "status":
        state = read_state()
        print(json.dumps(state.as_dict() if state else None, indent=2))
        return 0 if state else 1
    # up and down wait for a test run that is using the testbed
    with exclusive_use(locations().run, log=lambda line: print(line, file=sys.stderr)):
        return _act(args.action)


def _act(action: str) -> int:
    if action == "down":
        tear_down()
        print("testbed: stopped", file=sys.stderr)
        return 0
    started = time.monotonic()
    try:
        state = bring_up(log=lambda line: print(line, file=sys.stderr, flush=True))
    except TestbedUnavailable as exc:
        print(f"testbed: cannot start: {exc}", file=sys.stderr)
        return 3
    print(
        f"testbed: up in {time.monotonic() - started:.1f} s; engine {state.docker_host}, "
        f"registry {state.registry}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
