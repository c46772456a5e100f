"""Tutor commands that repair an environment: reset, repair, backup, restore, logs, shell."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from launcher.cli.output import AddCommand, ProgressPrinter, say
from launcher.core.catalogue.model import Course
from launcher.core.environments.state import EnvironmentState
from launcher.core.errors import UsageError
from launcher.core.launcher import Launcher
from launcher.core.operation import CancelToken


def _cmd_reset(args: argparse.Namespace, launcher: Launcher) -> int:
    from launcher.core.environments.reset import reset_environment

    course = launcher.course(args.course)
    kept = "Your folder is kept" + ("." if args.databases else ", and so are the databases.")
    say(f"Resetting {course.display_name}. {kept}")
    printer = ProgressPrinter()
    try:
        result = reset_environment(
            launcher, args.course, databases=args.databases, backup=not args.no_backup,
            progress=printer,
        )  # fmt: skip
    finally:
        printer.close()
    for made in result.backups:
        say(f"Databases backed up first: {made.path}")
    say(f"{course.display_name} is ready again.")
    return 0


def _cmd_repair(args: argparse.Namespace, launcher: Launcher) -> int:
    from launcher.core.environments.reset import repair_environment

    printer = ProgressPrinter()
    try:
        repair_environment(launcher, args.course, progress=printer)
    finally:
        printer.close()
    say(f"{launcher.course(args.course).display_name} was downloaded again and is ready.")
    return 0


def _student_folder(launcher: Launcher, course: Course) -> Path:
    folder = launcher.folder_for(course.id)
    if folder is None:
        raise UsageError(f"{course.display_name} has no folder yet.", "Start it first.")
    return Path(folder)


def _cmd_backup(args: argparse.Namespace, launcher: Launcher) -> int:
    from launcher.core.environments.backups import backup_databases, backups_folder

    course = launcher.course(args.course)
    target = Path(args.to) if args.to else backups_folder(_student_folder(launcher, course))
    printer = ProgressPrinter()
    try:
        made = backup_databases(launcher.engine.client, course, target, progress=printer)
    finally:
        printer.close()
    for backup in made:
        print(backup.path)
    return 0


def _cmd_restore(args: argparse.Namespace, launcher: Launcher) -> int:
    from launcher.core.environments.backups import restore_database

    course = launcher.course(args.course)
    printer = ProgressPrinter()
    try:
        restore_database(launcher.engine.client, course, Path(args.file), progress=printer)
    finally:
        printer.close()
    say(f"Restored from {args.file}.")
    return 0


def _cmd_logs(args: argparse.Namespace, launcher: Launcher) -> int:
    from launcher.core.environments.containers import find_container
    from launcher.core.environments.logs import follow_logs
    from launcher.core.environments.readiness import redact

    course = launcher.course(args.course)
    secrets = [t for t in (launcher.secrets.get(course.id),) if t]
    if args.follow:
        follow_logs(launcher.engine.client, course, print, CancelToken(), secrets=secrets,
                    tail=args.tail)  # fmt: skip
        return 0
    container = find_container(launcher.engine.client, course)
    if container is None:
        raise UsageError(f"{course.display_name} has no environment yet.", "Start it first.")
    text = container.logs(tail=args.tail).decode("utf-8", "replace")
    print(redact(text, secrets), end="")
    return 0


def _cmd_shell(args: argparse.Namespace, launcher: Launcher) -> int:
    from launcher.core.environments.containers import container_state, find_container

    course = launcher.course(args.course)
    container = find_container(launcher.engine.client, course)
    if container is None or container_state(container) != EnvironmentState.RUNNING:
        raise UsageError(f"{course.display_name} is not running.", "Start it first.")
    docker_cli = shutil.which("docker")
    if docker_cli is None:
        url = launcher.terminal_url(course.id).split("?")[0]
        raise UsageError(
            "The docker command is not installed here, so no shell can be opened.",
            f"Use the terminal in Jupyter instead: {url}",
        )
    interactive = ["-it"] if sys.stdin.isatty() else ["-i"]
    command = [docker_cli, "-H", launcher.engine.address, "exec", *interactive, container.id]
    shell = ["bash", "-l"] if args.shell == "bash" else [args.shell]
    return subprocess.run([*command, *shell], check=False).returncode


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
