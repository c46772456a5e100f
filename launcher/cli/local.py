"""Commands for this computer's side: paths, purge.

    course-launcher paths [--json]          the folders the launcher writes to
    course-launcher purge [--yes] [--images]  remove everything it made, before uninstalling

Each handler calls one ``Launcher`` verb (``launcher/core/local/operations.py``).
"""

from __future__ import annotations

import argparse
import sys

from launcher.cli.output import AddCommand, emit, say
from launcher.core.errors import EngineUnavailable, UsageError
from launcher.core.launcher import Launcher


def _cmd_paths(args: argparse.Namespace, launcher: Launcher) -> int:
    paths = {name: str(path) for name, path in launcher.folders().items()}
    emit(args, paths, [f"{name:7} {path}" for name, path in paths.items()])
    return 0


def _confirm(launcher: Launcher, images: bool) -> bool:
    docker_part = "its environments and volumes" + (" and course images" if images else "")
    say("This removes everything Course Launcher made on this computer:")
    say(f"  in Docker: {docker_part} (only those with the launcher's labels);")
    say("  its access tokens (system keyring and token file);")
    say("  the entry that starts it when you log in, if you switched that on;")
    for name, folder in launcher.folders().items():
        say(f"  its {name} folder: {folder}")
    say("Your course folders and the files in them are kept.")
    print("Remove all of this? [y/N] ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().lower()
    return answer in {"y", "yes"}


def _cmd_purge(args: argparse.Namespace, launcher: Launcher) -> int:
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(
                "purge removes all of the launcher's data, so it asks first; "
                "there is no terminal to ask on.",
                "Add --yes to remove it without asking.",
            )
        if not _confirm(launcher, args.images):
            say("Nothing was removed.")
            return 0
    report = launcher.purge(images=args.images, progress=lambda message: say(str(message)))
    lines = [f"container {name}" for name in report.containers]
    lines += [f"volume {name}" for name in report.volumes]
    lines += [f"image {r.image_id}" for r in report.images if r.removed]
    lines += [f"token {course_id}" for course_id in report.tokens]
    lines += ["login entry"] if report.login_entry else []
    lines += [f"folder {folder}" for folder in report.folders]
    emit(args, report.as_dict(), lines)
    for sentence in report.kept:
        say(f"Note: {sentence}")
    say(
        "Course Launcher's data was removed; your course folders are kept."
        if report.engine_checked
        else "Course Launcher's files were removed, but not its Docker environments."
    )
    return 0 if report.engine_checked else EngineUnavailable.exit_code


def register(command: AddCommand) -> None:
    command("paths", _cmd_paths, "show the folders the launcher writes to", json=True)
    sub = command(
        "purge",
        _cmd_purge,
        "remove everything the launcher made (before uninstalling); course folders stay",
        json=True,
    )
    sub.add_argument("--yes", action="store_true", help="do not ask first")
    sub.add_argument(
        "--images", action="store_true", help="also remove the course images it downloaded"
    )
