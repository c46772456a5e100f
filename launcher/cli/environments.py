"""Tutor commands that repair an environment: reset, repair, backup, restore, logs, shell."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from launcher.cli.output import AddCommand, ProgressPrinter, say
from launcher.core.launcher import Launcher
from launcher.core.operation import CancelToken


def _cmd_reset(args: argparse.Namespace, launcher: Launcher) -> int:
    course = launcher.course(args.course)
    kept = "Your folder is kept" + ("." if args.databases else ", and so are the databases.")
    say(f"Resetting {course.display_name}. {kept}")
    printer = ProgressPrinter()
    try:
        result = launcher.reset(
            args.course, databases=args.databases, backup=not args.no_backup, progress=printer
        )
    finally:
        printer.close()
    for made in result.backups:
        say(f"Databases backed up first: {made.path}")
    say(f"{course.display_name} is ready again.")
    return 0


def _cmd_repair(args: argparse.Namespace, launcher: Launcher) -> int:
    printer = ProgressPrinter()
    try:
        launcher.repair(args.course, progress=printer)
    finally:
        printer.close()
    say(f"{launcher.course(args.course).display_name} was downloaded again and is ready.")
    return 0


def _cmd_backup(args: argparse.Namespace, launcher: Launcher) -> int:
    printer = ProgressPrinter()
    try:
        made = launcher.backup(args.course, Path(args.to) if args.to else None, progress=printer)
    finally:
        printer.close()
    for backup in made:
        print(backup.path)
    return 0


def _cmd_restore(args: argparse.Namespace, launcher: Launcher) -> int:
    printer = ProgressPrinter()
    try:
        launcher.restore(args.course, Path(args.file), progress=printer)
    finally:
        printer.close()
    say(f"Restored from {args.file}.")
    return 0


def _cmd_logs(args: argparse.Namespace, launcher: Launcher) -> int:
    if args.follow:
        launcher.follow_logs(args.course, print, CancelToken(), tail=args.tail)
        return 0
    print(launcher.logs(args.course, tail=args.tail), end="")
    return 0


def _cmd_shell(args: argparse.Namespace, launcher: Launcher) -> int:
    command = launcher.shell_command(
        args.course, shell=args.shell, interactive_terminal=sys.stdin.isatty()
    )
    return subprocess.run(command, check=False).returncode


def register(command: AddCommand) -> None:
    reset = command("reset", _cmd_reset, "make the environment new; your folder is kept")
    reset.add_argument("course")
    reset.add_argument("--databases", action="store_true",
                       help="also make the databases new (a backup is written first)")  # fmt: skip
    reset.add_argument("--no-backup", action="store_true",
                       help="with --databases: do not back up first")  # fmt: skip
    command("repair", _cmd_repair, "download the image again, then reset").add_argument("course")
    backup = command("backup", _cmd_backup, "back up the course's databases")
    backup.add_argument("course")
    backup.add_argument("--to", metavar="DIR", help="where to write (default: FOLDER/backups)")
    restore = command("restore", _cmd_restore, "restore a database backup")
    restore.add_argument("course")
    restore.add_argument("file")
    logs = command("logs", _cmd_logs, "show the environment's log (tokens blanked)")
    logs.add_argument("course")
    logs.add_argument("--follow", "-f", action="store_true", help="keep printing new lines")
    logs.add_argument("--tail", type=int, default=200, help="lines from the end (default 200)")
    shell = command("shell", _cmd_shell, "open a shell in the running environment")
    shell.add_argument("course")
    shell.add_argument("--shell", default="bash", help="the shell to run (default bash)")
