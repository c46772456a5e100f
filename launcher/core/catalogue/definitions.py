"""A catalogue cannot quietly take over a course.

Sources are merged in order and a later course replaces an earlier one with its id
(:func:`launcher.core.catalogue.model.merge_catalogues`), so a catalogue added later (in
Settings, with ``--catalogue``, a Portainer feed) could redefine ``tm351-24j`` with an
image of its own choosing, and the student's folder and token would follow the id.

So the settings record, with the course's folder, what it was made for
(:class:`~launcher.core.local.settings.BoundDefinition`: the source, the image
repository and the workspace). When the course's definition now differs in its image
repository or workspace, :func:`changed_definition` says so, naming both sources and
what changed, and start, open and install refuse (:class:`DefinitionChanged`) until the
person accepts it once; a new image version from the same repository is the same course.
A course whose folder was chosen before this record existed is bound to the definition
it has at its next start.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from launcher.core.catalogue.model import Catalogue, Course
from launcher.core.errors import DefinitionChanged
from launcher.core.local.resources import resource_path
from launcher.core.local.settings import BoundDefinition, Settings

BUNDLED = "bundled"  # the record's name for the bundled catalogue, wherever it is installed
ACCEPT_FLAG = "--accept-new-definition"


def source_of(course: Course) -> str:
    """The course's source as recorded: the bundled catalogue's path changes with each
    installation (an AppImage mounts at a new place each time), so it has a name."""
    return BUNDLED if course.source == str(resource_path("catalogue.toml")) else course.source


def shown_source(source: str) -> str:
    if source == BUNDLED:
        return "the catalogue that comes with the launcher"
    return f"the catalogue {source}" if source else "a catalogue"


def definition_of(course: Course) -> BoundDefinition:
    return BoundDefinition.of(source_of(course), course.image_ref.name, course.workspace)


def differs(earlier: Course, later: Course) -> bool:
    return definition_of(earlier).fingerprint != definition_of(later).fingerprint


def _first_up(text: str) -> str:
    return text[:1].upper() + text[1:]


def what_changed(was: BoundDefinition, now: BoundDefinition) -> str:
    """``another image (b instead of a) and another workspace (…)``."""
    parts = []
    if was.image_repository != now.image_repository:
        parts.append(f"another image ({now.image_repository} instead of {was.image_repository})")
    if was.workspace != now.workspace:
        parts.append(f"another workspace ({now.workspace} instead of {was.workspace})")
    return " and ".join(parts)


def changed_definition(course: Course, settings: Settings) -> DefinitionChanged | None:
    """The refusal to give the course's folder and token to its new definition, or
    None when they were made for this one (or nothing is recorded yet)."""
    was = settings.course(course.id).made_for
    now = definition_of(course)
    if was is None or was.fingerprint == now.fingerprint:
        return None
    folder = settings.course(course.id).folder
    yours = f"your folder {folder} and token" if folder else "your token"
    message = (
        f"{course.display_name} is now defined by {shown_source(now.source)}, with "
        f"{what_changed(was, now)}. {_first_up(yours)} were made for it as "
        f"{shown_source(was.source)} defines it, so they do not go to the new definition "
        "unless you accept it."
    )
    hint = (
        f"Nothing was changed. If you trust {shown_source(now.source)}, accept it once with: "
        f"course-launcher start {course.id} {ACCEPT_FLAG}"
    )
    if was.workspace != now.workspace:
        hint += (
            " --folder FOLDER (it puts your folder at another place, so choose the folder "
            "again; the one you had is kept as it is)"
        )
    hint += ". It gets a new token."
    shown = (shown_source(was.source), shown_source(now.source))
    return DefinitionChanged(message, hint, course.id, was, now, shown)


def refuse_changed_definition(course: Course, settings: Settings) -> None:
    """Raise :class:`DefinitionChanged` when the course's folder and token were made for
    another definition than the one the catalogue has now."""
    change = changed_definition(course, settings)
    if change is not None:
        raise change


def redefinitions(catalogues: Sequence[Catalogue]) -> list[tuple[Course, Course]]:
    """Each (earlier, later) pair where a later catalogue redefines a course id with
    another image repository or workspace; the later one is what the merge keeps."""
    seen: dict[str, Course] = {}
    pairs: list[tuple[Course, Course]] = []
    for catalogue in catalogues:
        for course in catalogue:
            earlier = seen.get(course.id)
            if earlier is not None and differs(earlier, course):
                pairs.append((earlier, course))
            seen[course.id] = course
    return pairs


def definition_warnings(
    catalogue: Catalogue, settings: Settings, pairs: Iterable[tuple[Course, Course]]
) -> list[str]:
    """A sentence for each course whose folder and token were made for another
    definition, and for each other redefinition the loaded sources show (unless the
    course was started, or the change accepted, under the later one)."""
    warnings: list[str] = []
    bound: set[str] = set()
    for course in catalogue:
        change = changed_definition(course, settings)
        if change is not None:
            bound.add(course.id)
            warnings.append(f"{change.message} Start, Open and Install wait for your answer.")
    for earlier, later in pairs:
        if later.id in bound or later not in catalogue.courses:
            continue
        was, now = definition_of(earlier), definition_of(later)
        made_for = settings.course(later.id).made_for
        if made_for is not None and made_for.fingerprint == now.fingerprint:
            continue  # started (or accepted) under the later one: nothing to tell again
        warnings.append(
            f"{_first_up(shown_source(now.source))} redefines {later.display_name} of "
            f"{shown_source(was.source)}, with {what_changed(was, now)}; the launcher "
            "uses the later one."
        )
    return warnings
