"""Commands for take-away files: export, import.

    course-launcher export COURSE FILE [--force] [--with-work] [--json]
    course-launcher import FILE [--replace] [--folder DIR] [--json]

Each handler calls one ``Launcher`` verb (``launcher/core/archive/operations.py``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from launcher.cli.output import AddCommand, ProgressPrinter, emit, say
from launcher.core.archive.format import SUFFIX
from launcher.core.launcher import Launcher
from launcher.core.text import human_size


def _cmd_export(args: argparse.Namespace, launcher: Launcher) -> int:
    course = launcher.course(args.course)
    target = launcher.export_target(course.id, Path(args.file))
    work = launcher.work_plan(course.id) if args.with_work else None
    if work is not None:
        say(work.describe())  # what it carries, before anything starts
    say(f"Exporting {course.display_name} to {target}…")
    printer = ProgressPrinter()
    try:
        result = launcher.export(
            course.id, target, overwrite=args.force, work=work, progress=printer
        )
    finally:
        printer.close()
    data = {"path": str(result.path), "size": result.size, "image_id": result.image_id}
    emit(args, data, [str(result.path)])
    say(
        f"Exported {course.display_name} ({human_size(result.size)}). On another computer: "
        f"course-launcher import {result.path.name}"
    )
    return 0


def _cmd_import(args: argparse.Namespace, launcher: Launcher) -> int:
    path = Path(args.file).expanduser()
    say(f"Importing {path}…")
    printer = ProgressPrinter()
    try:
        folder = Path(args.folder) if args.folder else None
        result = launcher.import_archive(
            path, replace=args.replace, folder=folder, progress=printer
        )
    finally:
        printer.close()
    course = result.course
    data = {
        "course": course.id,
        "image": course.image,
        "image_id": result.image_id,
        "catalogue_file": str(result.catalogue_file) if result.catalogue_file else None,
        "notices": list(result.notices),
        "folder": str(result.folder) if result.folder else None,
    }
    emit(args, data, [course.id])
    say(f"Imported {course.display_name}: it starts without any download.")
    if result.catalogue_file is not None:
        say(f"The course was added to your courses ({result.catalogue_file}).")
    for notice in result.notices:
        say(notice)
    if result.folder is not None:
        say(f"Your folder was restored into {result.folder}.")
    else:
        say(f"Start it with: course-launcher start {course.id} --folder YOUR_FOLDER")
    return 0


def register(command: AddCommand) -> None:
    export = command(
        "export", _cmd_export, "write a course's environment to one file to take away", json=True
    )
    export.add_argument("course")
    export.add_argument("file", help=f"the file to write (a folder: COURSE{SUFFIX} in it)")
    export.add_argument("--force", action="store_true", help="replace an existing file")
    export.add_argument(
        "--with-work",
        action="store_true",
        help="also carry the course's databases and your course folder",
    )
    imported = command(
        "import", _cmd_import, "install a course's environment from an exported file", json=True
    )
    imported.add_argument("file")
    imported.add_argument(
        "--replace",
        action="store_true",
        help="let the file replace the installed image of a course from another catalogue",
    )
    imported.add_argument(
        "--folder", help="a new or empty folder for the course folder the file carries"
    )
