"""Commands for a course on another computer (``--engine ssh://…``): ``connect``,
``download-work`` and ``upload-files``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from launcher.cli.output import AddCommand, ProgressPrinter, say
from launcher.core.launcher import Launcher
from launcher.core.text import human_size


def _cmd_connect(args: argparse.Namespace, launcher: Launcher) -> int:
    computer = launcher.remote_computer()
    held = launcher.hold_forwards(args.course)
    try:
        for endpoint in launcher.status(args.course).endpoints:
            say(f"{endpoint.name}: {held.local_url(endpoint.url)}")
        say(f"Forwarding from {computer}. Leave this open while you work; press Ctrl-C to stop.")
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
    printer = ProgressPrinter()
    target = Path(args.folder).expanduser().absolute()
    try:
        copied = launcher.download_work(args.course, target, printer)
    finally:
        printer.close()
    say(f"Downloaded {copied.files} files ({human_size(copied.size)}) to {target}.")
    return 0


def _cmd_upload(args: argparse.Namespace, launcher: Launcher) -> int:
    printer = ProgressPrinter()
    try:
        copied = launcher.upload_files(args.course, [Path(p) for p in args.paths], printer)
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
