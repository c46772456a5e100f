"""The command line: the same core operations as the window, for tutors and scripts.

Exit codes: 0 success, 1 the operation failed, 2 usage or catalogue error,
3 Docker engine unavailable. Messages go to stderr, data to stdout.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import asdict
from importlib import import_module
from pathlib import Path

from launcher import __version__
from launcher.cli.output import Handler, ProgressPrinter, emit, say
from launcher.core.errors import LauncherError
from launcher.core.launcher import Launcher
from launcher.core.local.log_file import setup_logging
from launcher.core.local.paths import app_paths

log = logging.getLogger("launcher.cli.main")
REDIRECT_KEEP_SECONDS = 10  # the browser reads the redirect file, then it is removed
# Modules that add more sub-commands through their ``register(command)``.
# Each command imports the core modules it needs when it runs, not when the parser is
# built: `course-launcher start` pays for starting, not for export, doctor or purge.
COMMAND_MODULES: tuple[str, ...] = (
    "launcher.cli.images",
    "launcher.cli.environments",
    "launcher.cli.local",
    "launcher.cli.doctor",
    "launcher.cli.hub",
    "launcher.cli.remote",
)


def _cmd_paths(args: argparse.Namespace, launcher: Launcher) -> int:
    paths = {name: str(path) for name, path in launcher.paths.all().items()}
    emit(args, paths, [f"{name:7} {path}" for name, path in paths.items()])
    return 0


def _cmd_courses(args: argparse.Namespace, launcher: Launcher) -> int:
    rows = [
        {"id": c.id, "code": c.code, "presentation": c.presentation, "title": c.title,
         "image": c.image, "source": c.source}
        for c in launcher.catalogue
    ]  # fmt: skip
    emit(args, rows, [f"{r['id']:28} {r['code']} {r['presentation']}  {r['title']}" for r in rows])
    return 0


def _cmd_status(args: argparse.Namespace, launcher: Launcher) -> int:
    statuses = [launcher.status(args.course)] if args.course else launcher.statuses()
    lines = []
    for status in statuses:
        lines.append(f"{status.course_id:28} {status.state.value}")
        lines += [f"    {e.name}: {e.url}" for e in status.endpoints if status.state == "running"]
    emit(args, [s.as_dict() for s in statuses], lines)
    return 0


def _open(launcher: Launcher, course_id: str, service: str | None) -> None:
    from launcher.core.environments.browser import open_in_browser, remove_once_read

    url = launcher.service_url(course_id, service)
    try:
        redirect = open_in_browser(url, launcher.paths.state / "open")
    except OSError:
        say("No web browser could be opened here. Use `course-launcher url` for the address.")
        return
    say("Opening your browser…")
    remove_once_read(redirect, REDIRECT_KEEP_SECONDS)  # the token is on disk only till read


def _cmd_engine(args: argparse.Namespace, launcher: Launcher) -> int:
    engine = launcher.engine
    data = {"address": engine.address, "found_by": engine.found_by, **asdict(engine.info)}
    lines = [
        f"Docker engine {engine.info.engine_version} (API {engine.info.api_version}) at "
        f"{engine.address}, found by {engine.found_by}",
        f"{engine.info.operating_system or engine.info.os_type}, {engine.info.architecture}",
    ]
    emit(args, data, lines)
    return 0


def _cmd_catalogues(args: argparse.Namespace, launcher: Launcher) -> int:
    if args.add or args.remove:
        sources = launcher.change_catalogue_sources(add=args.add, remove=args.remove)
    else:
        sources = list(launcher.settings.catalogue_sources)
    emit(args, sources, sources or ["(only the bundled catalogue)"])
    return 0


def _cmd_start(args: argparse.Namespace, launcher: Launcher) -> int:
    from launcher.core.environments.guide_state import GuideChoice

    course = launcher.course(args.course)
    say(f"Starting {course.display_name}…")
    folder = Path(args.folder) if args.folder else None
    guide = GuideChoice(args.guide_container) if args.guide_container else None
    printer = ProgressPrinter()
    try:
        result = launcher.start(
            args.course, folder, create_folder=args.create_folder, guide=guide, progress=printer
        )
    finally:
        printer.close()
    for notice in result.notices:
        say(notice)
    emit(args, result.status.as_dict(), [f"{e.name}: {e.url}" for e in result.endpoints])
    say(f"{course.display_name} is ready. Your files are in {result.status.folder}.")
    if not args.no_browser and launcher.settings.open_browser:
        _open(launcher, args.course, None)
    return 0


def _cmd_install(args: argparse.Namespace, launcher: Launcher) -> int:
    course = launcher.course(args.course)
    say(f"Installing {course.display_name} ({course.image})…")
    printer = ProgressPrinter()
    try:
        final = launcher.install(args.course, printer)
    finally:
        printer.close()
    say(f"Installed: {final.describe()}")
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


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--catalogue",
        action="append",
        default=[],
        metavar="PATH_OR_URL",
        help="an extra course catalogue (file or https:// address); repeatable",
    )
    common.add_argument(
        "--engine", metavar="URL", help="the Docker engine to use, e.g. unix:///var/run/docker.sock"
    )
    common.add_argument(
        "--accept-host-key",
        metavar="FINGERPRINT",
        help="accept this SSH key fingerprint for an ssh:// engine seen for the first time",
    )
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print JSON on stdout")

    parser = argparse.ArgumentParser(
        prog="course-launcher",
        description="Start a course's computing environment. Run with no arguments for the window.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(
        name: str, handler: Handler, help_text: str, *, json: bool = False
    ) -> argparse.ArgumentParser:
        parents = [common, as_json] if json else [common]
        sub = commands.add_parser(name, help=help_text, parents=parents)
        sub.set_defaults(handler=handler)
        return sub

    command("paths", _cmd_paths, "show the folders the launcher writes to", json=True)
    command("engine", _cmd_engine, "show which Docker engine is used and its version", json=True)
    sources = command(
        "catalogues", _cmd_catalogues, "list or change the catalogue sources", json=True
    )
    sources.add_argument("--add", metavar="PATH_OR_URL", help="remember another catalogue")
    sources.add_argument("--remove", metavar="PATH_OR_URL", help="forget a catalogue")
    command("courses", _cmd_courses, "list the courses in the catalogue", json=True)
    status = command("status", _cmd_status, "show whether environments are running", json=True)
    status.add_argument("course", nargs="?", help="a course id (default: all)")
    start = command("start", _cmd_start, "start a course's environment", json=True)
    start.add_argument("course")
    start.add_argument("--folder", help="the folder for your course files (remembered)")
    start.add_argument("--create-folder", action="store_true", help="create the folder if missing")
    start.add_argument("--no-browser", action="store_true", help="do not open the browser")
    earlier = start.add_mutually_exclusive_group()
    for flag, choice, text in (
        ("--adopt-guide-container", "adopt", "stop a container made with the course's docker "
         "run guide and use its folder (it is kept)"),
        ("--leave-guide-container", "leave", "leave such a container as it is"),
    ):  # fmt: skip
        earlier.add_argument(flag, dest="guide_container", action="store_const", const=choice,
                             help=text)  # fmt: skip
    install = command("install", _cmd_install, "download a course's environment")
    install.add_argument("course")
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
    for module_name in COMMAND_MODULES:
        import_module(module_name).register(command)
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
    paths = app_paths()
    if note := setup_logging(paths):
        say(f"Note: {note}")
    launcher: Launcher | None = None
    try:
        launcher = Launcher.open(catalogues=args.catalogue, engine=args.engine, paths=paths)
        launcher.accept_host_key = args.accept_host_key
        for warning in launcher.warnings:
            say(f"Note: {warning}")
        return handler(args, launcher)
    except LauncherError as exc:
        log.info("%s failed: %s", args.command, exc.message, exc_info=True)
        say(f"course-launcher: {exc.message}")
        if exc.hint:
            say(exc.hint)
        return exc.exit_code
    except KeyboardInterrupt:
        say("course-launcher: cancelled")
        return 130
    except Exception as exc:
        log.exception("%s failed unexpectedly", args.command)
        say(f"course-launcher: something went wrong ({type(exc).__name__}).")
        say(f"The details are in {paths.log_file}; please send that file to your tutor.")
        return 1
    finally:
        if launcher is not None:
            launcher.close()
