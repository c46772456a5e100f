"""The settings file: only what the engine cannot tell us.

Per course: the folder the student chose, the host port last used (or
preferred) for each service, and what the folder and token were made for (the
catalogue source and its image repository and workspace; see
:mod:`launcher.core.catalogue.definitions`). Globally: extra catalogue sources, the engine
address, whether to open the browser, whether to start at login. Containers,
images and their state are read from the engine, never from here; tokens live
in :mod:`launcher.core.local.secrets`.

Plain values and their JSON form, no file access: the window's Settings dialog uses
them. Reading and writing the file is :mod:`launcher.core.local.settings_file`.
Keys this version does not know are kept when saving, so an older launcher does
not erase a newer one's settings.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1

log = logging.getLogger(__name__)

_COURSE_KEYS = frozenset({"folder", "ports", "made_for"})
_GLOBAL_KEYS = frozenset(
    {
        "version",
        "courses",
        "catalogue_sources",
        "engine_address",
        "open_browser",
        "start_at_login",
    }
)


@dataclass(frozen=True)
class BoundDefinition:
    """What a course's folder and token were made for: the catalogue source that
    defined the course then, and that definition's image repository and workspace."""

    source: str  # "bundled", a file path or an address
    image_repository: str  # registry/repository, no tag: a new version is the same course
    workspace: str
    fingerprint: str  # of the image repository and workspace: what must not change quietly

    @classmethod
    def of(cls, source: str, image_repository: str, workspace: str) -> BoundDefinition:
        spec = json.dumps([image_repository, workspace]).encode("utf-8")
        fingerprint = hashlib.sha256(spec).hexdigest()[:24]
        return cls(source, image_repository, workspace, fingerprint)


@dataclass(frozen=True)
class CourseSettings:
    """What the launcher remembers about one course."""

    folder: Path | None = None
    #: service name (e.g. "jupyter") -> host port last used or preferred
    ports: Mapping[str, int] = field(default_factory=dict)
    #: the definition the folder and token were made for (None: not recorded yet)
    made_for: BoundDefinition | None = None
    #: keys a newer launcher wrote; kept as they are
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    courses: Mapping[str, CourseSettings] = field(default_factory=dict)
    catalogue_sources: tuple[str, ...] = ()
    engine_address: str | None = None
    open_browser: bool = True
    start_at_login: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    def course(self, course_id: str) -> CourseSettings:
        """The course's entry, or an empty one if the course was never used."""
        return self.courses.get(course_id, CourseSettings())


class _DamagedFileError(ValueError):
    """The file parsed as JSON (or not) but is not a settings document."""


# --- updating -------------------------------------------------------------


def with_course(
    settings: Settings,
    course_id: str,
    *,
    folder: Path | None = None,
    ports: Mapping[str, int] | None = None,
) -> Settings:
    """A copy of ``settings`` with the course's folder set and ``ports`` merged in.

    Arguments left as None keep what was there.
    """
    if not course_id:
        raise ValueError("course_id must not be empty")
    old = settings.course(course_id)
    new_ports = dict(old.ports)
    for service, port in (ports or {}).items():
        new_ports[service] = _port(port, f"port of {service}")
    entry = replace(
        old,
        folder=old.folder if folder is None else Path(folder),
        ports=new_ports,
    )
    return replace(settings, courses={**settings.courses, course_id: entry})


def with_definition(
    settings: Settings, course_id: str, made_for: BoundDefinition, *, forget_folder: bool = False
) -> Settings:
    """A copy of ``settings`` that records what the course's folder and token are for;
    ``forget_folder`` drops the remembered folder (the folder itself is untouched)."""
    old = settings.course(course_id)
    entry = replace(old, made_for=made_for, folder=None if forget_folder else old.folder)
    return replace(settings, courses={**settings.courses, course_id: entry})


def without_course(settings: Settings, course_id: str) -> Settings:
    """A copy of ``settings`` that forgets the course (its folder on disk is untouched)."""
    courses = {cid: entry for cid, entry in settings.courses.items() if cid != course_id}
    return replace(settings, courses=courses)


# --- reading --------------------------------------------------------------


def _port(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise _DamagedFileError(f"{what} is not a port number")
    return value


def _string(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise _DamagedFileError(f"{what} is not text")
    return value


def _flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise _DamagedFileError(f"{what} is not true or false")
    return value


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _DamagedFileError(f"{what} is not an object")
    return value


def _definition_from_json(course_id: str, value: object) -> BoundDefinition | None:
    if value is None:
        return None
    data = _object(value, f"made_for of {course_id}")
    fields = ("source", "image_repository", "workspace", "fingerprint")
    texts = [_string(data.get(name), f"made_for.{name} of {course_id}") for name in fields]
    return BoundDefinition(*texts)


def _course_from_json(course_id: str, value: object) -> CourseSettings:
    data = _object(value, f"course {course_id}")
    folder = data.get("folder")
    ports = _object(data.get("ports", {}), f"ports of {course_id}")
    return CourseSettings(
        folder=None if folder is None else Path(_string(folder, f"folder of {course_id}")),
        ports={_string(k, "service"): _port(v, f"port of {k}") for k, v in ports.items()},
        made_for=_definition_from_json(course_id, data.get("made_for")),
        extra={k: v for k, v in data.items() if k not in _COURSE_KEYS},
    )


def settings_from_json(document: object) -> Settings:
    """Build settings from parsed JSON; raises ValueError if it is not a settings file."""
    data = _object(document, "the settings file")
    version = data.get("version", FORMAT_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        raise _DamagedFileError("version is not a number")
    courses = _object(data.get("courses", {}), "courses")
    sources = data.get("catalogue_sources", [])
    if not isinstance(sources, list):
        raise _DamagedFileError("catalogue_sources is not a list")
    address = data.get("engine_address")
    return Settings(
        courses={cid: _course_from_json(cid, v) for cid, v in courses.items()},
        catalogue_sources=tuple(_string(s, "catalogue source") for s in sources),
        engine_address=None if address is None else _string(address, "engine_address"),
        open_browser=_flag(data.get("open_browser", True), "open_browser"),
        start_at_login=_flag(data.get("start_at_login", False), "start_at_login"),
        extra={k: v for k, v in data.items() if k not in _GLOBAL_KEYS},
    )


def settings_to_json(settings: Settings) -> dict[str, Any]:
    courses: dict[str, Any] = {}
    for course_id, entry in sorted(settings.courses.items()):
        item: dict[str, Any] = dict(entry.extra)
        item["folder"] = None if entry.folder is None else str(entry.folder)
        item["ports"] = dict(sorted(entry.ports.items()))
        if entry.made_for is not None:
            made_for = entry.made_for
            item["made_for"] = {
                "source": made_for.source,
                "image_repository": made_for.image_repository,
                "workspace": made_for.workspace,
                "fingerprint": made_for.fingerprint,
            }
        courses[course_id] = item
    document: dict[str, Any] = dict(settings.extra)
    document.update(
        {
            "version": FORMAT_VERSION,
            "courses": courses,
            "catalogue_sources": list(settings.catalogue_sources),
            "engine_address": settings.engine_address,
            "open_browser": settings.open_browser,
            "start_at_login": settings.start_at_login,
        }
    )
    return document
