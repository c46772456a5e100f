"""Commands for course images: install, update, images.

    course-launcher install COURSE [--anyway]
    course-launcher update COURSE [--check] [--remove-old] [--json]
    course-launcher images [--prune] [--json]

Each handler calls one ``Launcher`` verb (``launcher/core/images/operations.py``);
this module only words the results.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from launcher.cli.output import AddCommand, ProgressPrinter, emit, say
from launcher.core.images.pull_errors import PRUNE_COMMAND
from launcher.core.launcher import Launcher
from launcher.core.text import human_size

if TYPE_CHECKING:
    from launcher.core.launcher import LauncherImage

# After an update that kept the old version: the window asks instead (a question box).
PRUNE_ADVICE = f"Remove the course images you no longer use with: {PRUNE_COMMAND}"


def check_before_download(launcher: Launcher, course_id: str, anyway: bool) -> None:
    """Print what the check before a download found; refuse a download that cannot
    fit unless ``anyway`` (``install`` and a ``start`` that would download)."""
    check = launcher.check_download(course_id)
    if check.installed:
        return
    if check.download_bytes is not None:
        say(f"To download: {human_size(check.download_bytes)}.")
    for line in check.lines():
        say(line)
    if check.refused and not anyway:
        refusal = check.refusal()
        refusal.hint += " To try all the same, add --anyway."
        raise refusal


def _cmd_install(args: argparse.Namespace, launcher: Launcher) -> int:
    course = launcher.course(args.course)
    check_before_download(launcher, course.id, args.anyway)
    say(f"Installing {course.display_name} ({course.image})…")
    printer = ProgressPrinter()
    try:
        final = launcher.install(args.course, printer)
    finally:
        printer.close()
    say(f"Installed: {final.describe()}")
    return 0


def _cmd_update(args: argparse.Namespace, launcher: Launcher) -> int:
    course = launcher.course(args.course)
    if args.check:
        check = launcher.check_update(course.id)
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
        result = launcher.update(course.id, remove_old=args.remove_old, progress=printer)
    finally:
        printer.close()
    lines = result.summary(course.display_name, PRUNE_ADVICE)
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
    images = launcher.images()
    data: dict[str, Any] = {"images": [image.as_dict() for image in images]}
    lines = [_image_line(image) for image in images] or ["No course images on this computer."]
    unused = [image for image in images if image.unused]
    if args.prune:
        results = launcher.prune_images(unused)
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
    usage = launcher.engine_disk_usage()
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
    install = command("install", _cmd_install, "download a course's environment")
    install.add_argument("course")
    install.add_argument(
        "--anyway", action="store_true", help="download even if the check says it cannot fit"
    )
    update = command(
        "update", _cmd_update, "install a newer version of a course's environment", json=True
    )
    update.add_argument("course")
    update.add_argument("--check", action="store_true", help="only say whether one is available")
    update.add_argument(
        "--remove-old", action="store_true", help="remove the old version when nothing uses it"
    )
    images = command(
        "images", _cmd_images, "list the course images on this computer, sizes, unused", json=True
    )
    images.add_argument("--prune", action="store_true", help="remove the unused course images")
