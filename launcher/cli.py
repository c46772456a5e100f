"""The command line: the same core operations as the window, for tutors and scripts.

Exit codes: 0 success, 1 the operation failed, 2 usage or catalogue error,
3 Docker engine unavailable. Messages go to stderr, data to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from launcher import __version__
from launcher.core.errors import LauncherError
from launcher.core.paths import app_paths

Handler = Callable[[argparse.Namespace], int]


def _emit(data: Any, as_json: bool, lines: list[str]) -> None:
    if as_json:
        print(json.dumps(data, indent=2, sort_keys=True))
    else:
        for line in lines:
            print(line)


def _cmd_paths(args: argparse.Namespace) -> int:
    paths = {name: str(path) for name, path in app_paths().all().items()}
    _emit(paths, args.json, [f"{name:7} {path}" for name, path in paths.items()])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course-launcher",
        description="Start a course's computing environment. Run with no arguments for the window.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    paths = commands.add_parser("paths", help="show the folders the launcher writes to")
    paths.add_argument("--json", action="store_true", help="print JSON")
    paths.set_defaults(handler=_cmd_paths)
    return parser


def run_cli(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help/--version
        return int(exc.code or 0)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return handler(args)
    except LauncherError as exc:
        print(f"course-launcher: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(exc.hint, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("course-launcher: cancelled", file=sys.stderr)
        return 130
