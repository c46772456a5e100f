"""Commands for the catalogues: courses, catalogues.

    course-launcher courses [--json]
    course-launcher catalogues [--add PATH_OR_URL] [--remove PATH_OR_URL] [--json]

Adding one loads it now, remembers it and lists its courses, in one ``Launcher``
call (``add_catalogue``), as the window's Settings dialog does.
"""

from __future__ import annotations

import argparse

from launcher.cli.output import AddCommand, emit
from launcher.core.launcher import Launcher


def _cmd_courses(args: argparse.Namespace, launcher: Launcher) -> int:
    rows = [
        {"id": c.id, "code": c.code, "presentation": c.presentation, "title": c.title,
         "image": c.image, "source": c.source}
        for c in launcher.courses()
    ]  # fmt: skip
    emit(args, rows, [f"{r['id']:28} {r['code']} {r['presentation']}  {r['title']}" for r in rows])
    return 0


def _cmd_catalogues(args: argparse.Namespace, launcher: Launcher) -> int:
    if args.add:
        launcher.add_catalogue(args.add)
    if args.remove:
        launcher.remove_catalogue(args.remove)
    sources = launcher.catalogue_sources()
    emit(args, sources, sources or ["(only the bundled catalogue)"])
    return 0


def register(command: AddCommand) -> None:
    sources = command(
        "catalogues", _cmd_catalogues, "list or change the catalogue sources", json=True
    )
    sources.add_argument("--add", metavar="PATH_OR_URL", help="remember another catalogue")
    sources.add_argument("--remove", metavar="PATH_OR_URL", help="forget a catalogue")
    command("courses", _cmd_courses, "list the courses in the catalogue", json=True)
