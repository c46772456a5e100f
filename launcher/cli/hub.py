"""``course-launcher hub export``: the courses as settings for an institution's JupyterHub."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from launcher.cli.output import AddCommand, say
from launcher.core.launcher import Launcher


def _cmd_hub(args: argparse.Namespace, launcher: Launcher) -> int:
    output = Path(args.output) if args.output is not None else None
    export = launcher.hub_export(args.courses, args.format, output)
    for warning in export.warnings:
        say(f"Warning: {warning}")
    if output is None:
        sys.stdout.write(export.text)
        sys.stdout.flush()
        return 0
    say(f"Wrote {args.format} settings for {', '.join(export.course_ids)} to {output}.")
    return 0


def register(command: AddCommand) -> None:
    sub = command("hub", _cmd_hub, "publish courses to a JupyterHub (hub export COURSE …)")
    sub.add_argument("action", choices=["export"], help="export: write the hub's settings")
    sub.add_argument("courses", nargs="+", metavar="COURSE", help="course ids, in menu order")
    sub.add_argument(
        "--format",
        required=True,
        choices=["z2jh", "dockerspawner"],
        help="z2jh: Helm values (profileList); dockerspawner: a jupyterhub_config.py fragment",
    )
    sub.add_argument("--output", metavar="FILE", help="write to FILE instead of stdout")
