"""The command line: the same core operations as the window, for tutors and scripts.

Exit codes: 0 success, 1 the operation failed, 2 usage or catalogue error,
3 Docker engine unavailable. Messages go to stderr, data to stdout.

The sub-commands live in modules named after the core packages they drive
(``environments``, ``images``, ``archive``, ``catalogue``, ``doctor``, ``local``),
each adding its own through ``register(command)``. The global options
``--catalogue`` and ``--engine`` go before the sub-command or after it, as
``docker -H`` and ``git -C`` do; with no sub-command they open the window.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import import_module

from launcher import __version__
from launcher.cli.output import Handler, say
from launcher.core.errors import LauncherError
from launcher.core.launcher import Launcher
from launcher.core.local.paths import app_paths

log = logging.getLogger("launcher.cli.main")
# Each command imports the core modules it needs when it runs, not when the parser is
# built: `course-launcher start` pays for starting, not for export, doctor or purge.
COMMAND_MODULES: tuple[str, ...] = (
    "launcher.cli.catalogue",
    "launcher.cli.environments",
    "launcher.cli.images",
    "launcher.cli.archive",
    "launcher.cli.doctor",
    "launcher.cli.hub",
    "launcher.cli.local",
    "launcher.cli.remote",
)


@dataclass(frozen=True)
class GlobalOptions:
    """``--catalogue`` (in the order given, before and after the sub-command) and
    ``--engine`` (the one after the sub-command wins)."""

    catalogues: tuple[str, ...] = ()
    engine: str | None = None
    accept_host_key: str | None = None  # for an ssh:// engine seen for the first time


def _add_global_options(parser: argparse.ArgumentParser, prefix: str) -> None:
    # Separate destinations before and after the sub-command: argparse would let the
    # sub-command's defaults overwrite what was given before it.
    parser.add_argument(
        "--catalogue",
        action="append",
        default=[],
        dest=f"{prefix}catalogue",
        metavar="PATH_OR_URL",
        help="an extra course catalogue (file or https:// address); repeatable",
    )
    parser.add_argument(
        "--engine",
        dest=f"{prefix}engine",
        metavar="URL",
        help="the Docker engine to use, e.g. unix:///var/run/docker.sock or ssh://user@host",
    )
    parser.add_argument(
        "--accept-host-key",
        dest=f"{prefix}accept_host_key",
        metavar="FINGERPRINT",
        help="accept this SSH key fingerprint for an ssh:// engine seen for the first time",
    )


def global_options(args: argparse.Namespace) -> GlobalOptions:
    before: list[str] = getattr(args, "global_catalogue", [])
    after: list[str] = getattr(args, "catalogue", [])
    engine = getattr(args, "engine", None) or getattr(args, "global_engine", None)
    key = getattr(args, "accept_host_key", None) or getattr(args, "global_accept_host_key", None)
    return GlobalOptions(tuple([*before, *after]), engine, key)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _add_global_options(common, "")
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print JSON on stdout")

    parser = argparse.ArgumentParser(
        prog="course-launcher",
        description="Start a course's computing environment. Run with no command for the "
        "window (with --catalogue/--engine: the window using them).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_global_options(parser, "global_")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(
        name: str, handler: Handler, help_text: str, *, json: bool = False
    ) -> argparse.ArgumentParser:
        parents = [common, as_json] if json else [common]
        sub = commands.add_parser(name, help=help_text, parents=parents)
        sub.set_defaults(handler=handler)
        return sub

    for module_name in COMMAND_MODULES:
        import_module(module_name).register(command)
    return parser


def window_options(argv: Sequence[str]) -> GlobalOptions | None:
    """The options for the window when ``argv`` holds global options and no command
    (``course-launcher --catalogue FILE``); None when it is a command line to run."""
    if not argv or (not argv[0].startswith("--catalogue") and not argv[0].startswith("--engine")):
        return None
    try:
        args = build_parser().parse_args(list(argv))
    except SystemExit:  # a usage error: run_cli says so, on the command line
        return None
    return None if getattr(args, "handler", None) else global_options(args)


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
    options = global_options(args)
    paths = app_paths()
    if note := Launcher.log_to_file(paths):
        say(f"Note: {note}")
    launcher: Launcher | None = None
    try:
        launcher = Launcher.open(catalogues=options.catalogues, engine=options.engine, paths=paths)
        launcher.accept_host_key = options.accept_host_key
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
