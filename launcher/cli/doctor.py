"""Command-line tools for tutors: doctor, support bundle, engine.

course-launcher doctor [--json]        exit 0 when no check is an error, else 1
course-launcher support-bundle FILE    one text file to send to a tutor, no secrets
course-launcher engine [--json]        which Docker engine is used, and its version
course-launcher engine --start         start Docker Desktop first if Docker does not answer

"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

from launcher.cli.output import AddCommand, emit, say
from launcher.core.doctor.check import Check, has_errors
from launcher.core.errors import NoEngineFound
from launcher.core.launcher import Launcher

_MARKS = {"ok": "ok     ", "warning": "WARNING", "error": "ERROR  "}
START_WAIT = 180.0  # s: as long as the window waits for Docker Desktop to answer


def doctor_lines(checks: list[Check]) -> list[str]:
    lines = []
    for check in checks:
        lines.append(f"{_MARKS[check.status]} {check.id}: {check.summary}")
        if check.fix and check.status != "ok":
            first, *rest = check.fix.splitlines()
            lines += [f"        fix: {first}", *(f"             {line}" for line in rest)]
    return lines


def _cmd_doctor(args: argparse.Namespace, launcher: Launcher) -> int:
    say("Checking Docker, your environments and this computer…")
    checks = launcher.doctor()  # secrets removed, as in the window
    emit(args, [check.as_dict() for check in checks], doctor_lines(checks))
    errors = sum(check.status == "error" for check in checks)
    warnings = sum(check.status == "warning" for check in checks)
    say(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}.")
    return 1 if has_errors(checks) else 0


def _cmd_support_bundle(args: argparse.Namespace, launcher: Launcher) -> int:
    target = launcher.support_bundle_target(Path(args.file))  # before any work starts
    say("Collecting versions, checks, settings and logs (tokens and passwords are left out)…")
    written = launcher.support_bundle(target)
    say(f"Support bundle written to {written}. Send that file to your tutor.")
    return 0


def _cmd_engine(args: argparse.Namespace, launcher: Launcher) -> int:
    try:
        engine = launcher.engine
    except NoEngineFound as exc:
        if not args.start or exc.diagnosis is None or not exc.diagnosis.start_desktop:
            raise
        say(f"{exc.message} Starting Docker Desktop, and waiting until it answers…")
        launcher.start_docker_desktop(wait=START_WAIT)
        engine = launcher.engine
    data = {"address": engine.address, "found_by": engine.found_by, **asdict(engine.info)}
    lines = [
        f"Docker engine {engine.info.engine_version} (API {engine.info.api_version}) at "
        f"{engine.address}, found by {engine.found_by}",
        f"{engine.info.operating_system or engine.info.os_type}, {engine.info.architecture}",
    ]
    emit(args, data, lines)
    return 0


def register(command: AddCommand) -> None:
    engine = command(
        "engine", _cmd_engine, "show which Docker engine is used and its version", json=True
    )
    engine.add_argument(
        "--start",
        action="store_true",
        help="when Docker Desktop is installed but not running, start it and wait for it",
    )
    command("doctor", _cmd_doctor, "check Docker, the environments and this computer", json=True)
    bundle = command(
        "support-bundle",
        _cmd_support_bundle,
        "write a file for your tutor: versions, checks, settings and logs (no secrets)",
    )
    bundle.add_argument("file", metavar="FILE", help="where to write it, e.g. support.txt")
