"""Command-line commands for course images: update, export, import, images.

    course-launcher update COURSE [--check] [--remove-old] [--json]
    course-launcher export COURSE FILE [--force] [--with-work] [--json]
    course-launcher import FILE [--replace] [--folder DIR] [--json]
    course-launcher images [--prune] [--json]

The work is done by :mod:`launcher.core.images.update`, :mod:`launcher.core.archive.transfer` and
:mod:`launcher.core.images.inventory`; this module only words the results.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from launcher.cli.output import AddCommand, ProgressPrinter, emit, say
from launcher.core.archive.format import SUFFIX
from launcher.core.errors import DiskFull
from launcher.core.images.pull_errors import PRUNE_COMMAND
from launcher.core.launcher import Launcher
from launcher.core.text import human_size

if TYPE_CHECKING:
    from launcher.core.archive.work import WorkPlan
    from launcher.core.catalogue.model import Course
    from launcher.core.images.inventory import LauncherImage


PRUNE_ADVICE = f"Remove the course images you no longer use with: {PRUNE_COMMAND}"


def _with_prune_advice(launcher: Launcher, exc: DiskFull) -> DiskFull:
    """The same error, with what removing unused course images would free."""
    from launcher.core.images.inventory import launcher_images

    try:
        images = launcher_images(launcher.engine.client, launcher.catalogue)
        unused = [image for image in images if image.unused]
    except Exception:  # the advice is a bonus; the disk message is what matters
        return exc
    if not unused:
        return exc
    total = human_size(sum(i.size for i in unused))
    advice = "" if PRUNE_COMMAND in exc.hint else f" {PRUNE_ADVICE}"
    hint = f"{exc.hint} Unused course images take up to {total}.{advice}".strip()
    return DiskFull(exc.message, hint, exc.needed_bytes)


def _cmd_update(args: argparse.Namespace, launcher: Launcher) -> int:
    from launcher.core.images.update import check_for_update, update_course, update_summary

    course = launcher.course(args.course)
    if args.check:
        check = check_for_update(launcher.engine.client, course)
        data = {
            "course": course.id,
            "installed": check.installed,
            "available": check.available,
            "installed_id": check.installed_id,
            "remote_digest": check.remote_digest,
        }
        if not check.installed:
            text = f"{course.display_name} is not installed."
        elif check.available:
            text = f"A newer version of {course.display_name} is available."
        else:
            text = f"{course.display_name} is up to date."
        emit(args, data, [text])
        return 0
    printer = ProgressPrinter()
    try:
        result = update_course(launcher, course.id, remove_old=args.remove_old, progress=printer)
    except DiskFull as exc:
        raise _with_prune_advice(launcher, exc) from exc
    finally:
        printer.close()
    lines = update_summary(result, course.display_name, PRUNE_ADVICE)
    data = {
        "course": result.course_id,
        "updated": result.updated,
        "old_id": result.old_id,
        "new_id": result.new_id,
        "restarted": result.restarted,
        "remade_at_next_start": result.remade_at_next_start,
        "old_image": result.old_image.as_dict() if result.old_image else None,
    }
    if args.json:
        emit(args, data, [])
    for line in lines:
        say(line)
    return 0


def _cmd_export(args: argparse.Namespace, launcher: Launcher) -> int:
    from launcher.core.archive.transfer import export_course
    from launcher.core.local.destinations import check_can_write_file

    course = launcher.course(args.course)
    target = Path(args.file).expanduser()
    if target.is_dir():
        target = target / f"{course.id}{SUFFIX}"
    check_can_write_file(target, "The export")  # before Docker is even asked
    work = _work_plan(launcher, course) if args.with_work else None
    say(f"Exporting {course.display_name} to {target}…")
    printer = ProgressPrinter()
    try:
        result = export_course(
            launcher.engine.client, course, target, overwrite=args.force, progress=printer,
            work=work,
        )  # fmt: skip
    finally:
        printer.close()
    data = {"path": str(result.path), "size": result.size, "image_id": result.image_id}
    emit(args, data, [str(result.path)])
    say(
        f"Exported {course.display_name} ({human_size(result.size)}). On another computer: "
        f"course-launcher import {result.path.name}"
    )
    return 0


def _work_plan(launcher: Launcher, course: Course) -> WorkPlan:
    """What ``--with-work`` carries, said before anything starts."""
    from launcher.core.archive.work import plan_work

    plan = plan_work(launcher, course)
    image = launcher.engine.client.images.get(course.image)
    say(plan.describe(int(image.attrs.get("Size") or 0)))
    return plan


def _cmd_import(args: argparse.Namespace, launcher: Launcher) -> int:
    from launcher.core.archive.transfer import import_course

    path = Path(args.file).expanduser()
    say(f"Importing {path}…")
    printer = ProgressPrinter()
    try:
        folder = Path(args.folder) if args.folder else None
        result = import_course(
            launcher, path, replace=args.replace, folder=folder, progress=printer
        )
    except DiskFull as exc:
        raise _with_prune_advice(launcher, exc) from exc
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


def _image_line(image: LauncherImage) -> str:
    name = (
        ", ".join(image.names)
        if not image.old_version
        else "old version of " + ", ".join(sorted({n.split("@")[0] for n in image.names}))
    )
    use = f"used by {', '.join(image.used_by)}" if image.used_by else "unused"
    short = image.id.removeprefix("sha256:")[:12]
    return f"{name}\n    {human_size(image.size):>9}  {short}  {use}"


def _cmd_images(args: argparse.Namespace, launcher: Launcher) -> int:
    from launcher.core.images.inventory import engine_disk_usage, launcher_images, prune_images

    client = launcher.engine.client
    images = launcher_images(client, launcher.catalogue)
    data: dict[str, Any] = {"images": [image.as_dict() for image in images]}
    lines = [_image_line(image) for image in images] or ["No course images on this computer."]
    unused = [image for image in images if image.unused]
    if args.prune:
        pulled = launcher.pulled_images.ids()
        results = prune_images(client, launcher.catalogue, unused, pulled=pulled)
        data["removed"] = [r.as_dict() for r in results]
        names = {image.id: _image_line(image).split("\n")[0] for image in unused}
        lines = [
            f"Removed {names[r.image_id]} ({human_size(r.freed)})."
            if r.removed
            else f"Kept {names[r.image_id]}: {r.reason}."
            for r in results
        ] or ["No unused course images to remove."]
        if any(r.removed for r in results):
            lines.append(f"Freed up to {human_size(sum(r.freed for r in results))}.")
    elif unused:
        lines.append(
            f"{len(unused)} unused, {human_size(sum(i.size for i in unused))}: remove them "
            "with course-launcher images --prune"
        )
    usage = engine_disk_usage(client)
    data["engine_disk"] = None
    if usage is not None:
        data["engine_disk"] = {
            "images_bytes": usage.images_bytes,
            "image_count": usage.image_count,
            "volumes_bytes": usage.volumes_bytes,
        }
        lines.append(
            f"Docker's {usage.image_count} image(s) take {human_size(usage.images_bytes)} "
            f"of disk in all (shared parts counted once)."
        )
    emit(args, data, lines)
    return 0


def register(command: AddCommand) -> None:
    update = command(
        "update", _cmd_update, "install a newer version of a course's environment", json=True
    )
    update.add_argument("course")
    update.add_argument("--check", action="store_true", help="only say whether one is available")
    update.add_argument(
        "--remove-old", action="store_true", help="remove the old version when nothing uses it"
    )
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
    images = command(
        "images", _cmd_images, "list the course images on this computer, sizes, unused", json=True
    )
    images.add_argument("--prune", action="store_true", help="remove the unused course images")
