"""Commands for one course's environment: start stop status url open remove, and the
tutor's reset repair backup restore logs shell. Each handler calls one ``Launcher``
verb (``launcher/core/environments/operations.py``) and words its result."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from launcher.cli.images import check_before_download
from launcher.cli.output import AddCommand, ProgressPrinter, emit, say
from launcher.core.environments.state import EnvironmentState
from launcher.core.launcher import Launcher
from launcher.core.operation import CancelToken

REDIRECT_KEEP_SECONDS = 10  # the browser reads the redirect file, then it is removed


def _cmd_status(args: argparse.Namespace, launcher: Launcher) -> int:
    statuses = [launcher.status(args.course)] if args.course else launcher.statuses()
    lines = []
    for status in statuses:
        lines.append(f"{status.course_id:28} {status.state.value}")
        lines += [
            f"    {e.name}: {e.url}"
            for e in status.endpoints
            if status.state == EnvironmentState.RUNNING
        ]
    emit(args, [s.as_dict() for s in statuses], lines)
    return 0


def _open(launcher: Launcher, course_id: str, service: str | None) -> None:
    url = launcher.service_url(course_id, service)
    try:
        redirect = launcher.open_page(url)
    except OSError:
        say("No web browser could be opened here. Use `course-launcher url` for the address.")
        return
    say("Opening your browser…")
    launcher.remove_page_once_read(redirect, REDIRECT_KEEP_SECONDS)  # token on disk till read


def _cmd_start(args: argparse.Namespace, launcher: Launcher) -> int:
    from launcher.core.environments.guide_state import GuideChoice

    course = launcher.course(args.course)
    say(f"Starting {course.display_name}…")
    folder = Path(args.folder) if args.folder else None
    guide = GuideChoice(args.guide_container) if args.guide_container else None
    check_before_download(launcher, course.id, args.anyway)  # nothing to do if installed
    printer = ProgressPrinter()
    try:
        result = launcher.start(
            args.course, folder, create_folder=args.create_folder, guide=guide,
            accept_new_definition=args.accept_new_definition, progress=printer,
        )  # fmt: skip
    finally:
        printer.close()
    for notice in result.notices:
        say(notice)
    emit(args, result.status.as_dict(), [f"{e.name}: {e.url}" for e in result.endpoints])
    say(f"{course.display_name} is ready. Your files are in {result.status.folder}.")
    if launcher.on_another_computer():  # nothing here reaches it until it is forwarded
        say(f"To open it here: course-launcher connect {args.course} --engine … (leave it open).")
    elif not args.no_browser and launcher.settings.open_browser:
        _open(launcher, args.course, None)
    return 0


def _cmd_stop(args: argparse.Namespace, launcher: Launcher) -> int:
    stopped = launcher.stop(args.course)
    say("Stopped." if stopped else "It was not running.")
    return 0


def _cmd_remove(args: argparse.Namespace, launcher: Launcher) -> int:
    removed = launcher.remove(args.course, volumes=args.volumes)
    say(
        "Removed. Your folder and the downloaded image are kept."
        if removed
        else "Nothing to remove."
    )
    return 0


def _cmd_url(args: argparse.Namespace, launcher: Launcher) -> int:
    print(launcher.service_url(args.course, args.service))
    return 0


def _cmd_open(args: argparse.Namespace, launcher: Launcher) -> int:
    _open(launcher, args.course, args.service)
    return 0


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
    status = command("status", _cmd_status, "show whether environments are running", json=True)
    status.add_argument("course", nargs="?", help="a course id (default: all)")
    start = command("start", _cmd_start, "start a course's environment", json=True)
    start.add_argument("course")
    start.add_argument("--folder", help="the folder for your course files (remembered)")
    start.add_argument("--create-folder", action="store_true", help="create the folder if missing")
    start.add_argument("--no-browser", action="store_true", help="do not open the browser")
    start.add_argument(
        "--anyway", action="store_true", help="download even if the check says it cannot fit"
    )
    start.add_argument(
        "--accept-new-definition",
        action="store_true",
        help="give the folder and a new token to the course as a later catalogue now defines "
        "it (another image or workspace); asked for when that happened",
    )
    earlier = start.add_mutually_exclusive_group()
    for flag, choice, text in (
        ("--adopt-guide-container", "adopt", "stop a container made with the course's docker "
         "run guide and use its folder (it is kept)"),
        ("--leave-guide-container", "leave", "leave such a container as it is"),
    ):  # fmt: skip
        earlier.add_argument(flag, dest="guide_container", action="store_const", const=choice,
                             help=text)  # fmt: skip
    stop = command("stop", _cmd_stop, "stop a course's environment")
    stop.add_argument("course")
    remove = command("remove", _cmd_remove, "remove the environment (your folder is kept)")
    remove.add_argument("course")
    remove.add_argument("--volumes", action="store_true", help="also delete its databases")
    for name, handler, text in (
        ("url", _cmd_url, "print the address of a running service, with its token"),
        ("open", _cmd_open, "open a running service in the browser"),
    ):
        sub = command(name, handler, text)
        sub.add_argument("course")
        sub.add_argument("--service", help="which service (default: the first)")
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
