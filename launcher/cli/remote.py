"""Commands for a course on another computer (``--engine ssh://…``): ``connect``,
``download-work`` and ``upload-files``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from launcher.cli.output import AddCommand, ProgressPrinter, say
from launcher.core.errors import UsageError
from launcher.core.launcher import Launcher
from launcher.core.remote.engine import RemoteEngine
from launcher.core.remote.forwards import hold_forwards
from launcher.core.text import human_size


def _remote_engine(launcher: Launcher) -> RemoteEngine:
    engine = launcher.engine
    if not isinstance(engine, RemoteEngine):
        raise UsageError(
            "This works only for a course on another computer.",
            "Give that computer's engine: --engine ssh://user@computer",
        )
    return engine


def _cmd_connect(args: argparse.Namespace, launcher: Launcher) -> int:
    engine = _remote_engine(launcher)
    status = launcher.status(args.course)
    held = hold_forwards(engine, status, launcher.paths.data, launcher.paths.state)
    try:
        for endpoint in status.endpoints:
            say(f"{endpoint.name}: {held.local_url(endpoint.url)}")
        say(
            f"Forwarding from {engine.target.host if engine.target else engine.address}. "
            "Leave this open while you work; press Ctrl-C to stop."
        )
        say(f"For the address with its token: course-launcher url {args.course} --engine …")
        while held.tunnel.alive:
            time.sleep(0.5)
        raise held.tunnel.failure()
    except KeyboardInterrupt:
        say("Forwards closed; the course keeps running there.")
        return 0
    finally:
        held.close()


def _cmd_download(args: argparse.Namespace, launcher: Launcher) -> int:
    from launcher.core.remote.work_files import download_work

    printer = ProgressPrinter()
    try:
        target = Path(args.folder).expanduser().absolute()
        copied = download_work(launcher.engine.client, launcher.course(args.course), target,
                               printer)  # fmt: skip
    finally:
        printer.close()
    say(f"Downloaded {copied.files} files ({human_size(copied.size)}) to {target}.")
    return 0


def _cmd_upload(args: argparse.Namespace, launcher: Launcher) -> int:
    from launcher.core.remote.work_files import upload_files

    printer = ProgressPrinter()
    try:
        copied = upload_files(launcher.engine.client, launcher.course(args.course),
                              [Path(p).expanduser().absolute() for p in args.paths],
                              printer)  # fmt: skip
    finally:
        printer.close()
    say(f"Uploaded {copied.files} files ({human_size(copied.size)}).")
    return 0


def register(command: AddCommand) -> None:
    sub = command("connect", _cmd_connect, "forward a remote course's services here until Ctrl-C")
    sub.add_argument("course")
    download = command(
        "download-work", _cmd_download, "copy the course's folder (on its computer) to DIR here"
    )
    download.add_argument("course")
    download.add_argument("folder", metavar="DIR", help="a new or empty folder")
    upload = command("upload-files", _cmd_upload, "copy files from here into the course's folder")
    upload.add_argument("course")
    upload.add_argument("paths", nargs="+", metavar="PATH")
