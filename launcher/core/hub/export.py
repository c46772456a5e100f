"""``hub export``: courses from any catalogue as settings for an institution's JupyterHub."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from launcher import __version__
from launcher.core.catalogue.model import Course
from launcher.core.errors import DestinationNotWritable, UsageError
from launcher.core.hub.dockerspawner import dockerspawner_config
from launcher.core.hub.plan import hub_course
from launcher.core.hub.z2jh import z2jh_values, z2jh_warnings

HubFormat = Literal["z2jh", "dockerspawner"]
FORMATS: tuple[str, ...] = get_args(HubFormat)
_WHAT = {
    "z2jh": "Helm values for zero-to-jupyterhub (singleuser.profileList, one profile per course)",
    "dockerspawner": "a jupyterhub_config.py fragment for DockerSpawner 13 or newer",
}


@dataclass(frozen=True)
class HubExport:
    format: str
    text: str
    warnings: tuple[str, ...]
    course_ids: tuple[str, ...]


def export_for_hub(courses: Sequence[Course], format: str) -> HubExport:
    """The settings that run ``courses`` under a hub, and what the hub cannot do for them."""
    if format not in FORMATS:
        raise UsageError(
            f'"{format}" is not a hub format the launcher can write.',
            hint="Use --format " + " or --format ".join(FORMATS) + ".",
        )
    if not courses:
        raise UsageError("Name at least one course to export.", hint="See course-launcher courses.")
    unique = list({course.id: course for course in courses}.values())
    plans = [hub_course(course) for course in unique]
    header = [
        f"Course Launcher {__version__}: {_WHAT[format]},",
        "from the catalogue entries of: " + ", ".join(c.id for c in unique) + ".",
        "The hub gives each server its own token: the courses' token variables are not set.",
        "Where each course's services are, through the hub (NAME is the user's name):",
    ]
    warnings = [warning for plan in plans for warning in plan.warnings]
    if format == "z2jh":
        text = z2jh_values(plans, header)
        warnings += [warning for plan in plans for warning in z2jh_warnings(plan)]
    else:
        text = dockerspawner_config(plans, header)
    return HubExport(format, text, tuple(warnings), tuple(c.id for c in unique))


def write_hub_export(export: HubExport, output: Path) -> None:
    """Write the export's text to ``output``, atomically, readable by the hub's admins."""
    from launcher.core.local.destinations import HINT, check_can_write_file
    from launcher.core.local.files import write_atomic

    output = output.expanduser()
    check_can_write_file(output, "The hub settings")
    try:
        write_atomic(output, export.text.encode("utf-8"), mode=0o644)
    except OSError as exc:
        raise DestinationNotWritable(
            f"The hub settings could not be written to {output} ({exc.strerror or exc}).", HINT
        ) from None
