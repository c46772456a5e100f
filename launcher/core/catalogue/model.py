"""The course catalogue: which courses exist and how to run each one.

A catalogue is a TOML file an institution publishes (``schema = 1``); the bundled
``resources/catalogue.toml`` documents the format with real examples. This module
holds the model (frozen dataclasses) and the parser; the table checks are in
:mod:`launcher.core.catalogue.tables`. Every mistake in a catalogue is a
:class:`~launcher.core.catalogue.tables.CatalogueEntryError` whose message names
the file, the course and the key, so a tutor can fix it without reading code.

Rules worth knowing:

* Unknown keys are an error (typo protection), except keys starting with ``x-``,
  which are ignored and free for the publisher's own notes.
* Course ids are unique within one file. When catalogues are merged
  (:func:`merge_catalogues`), a later course with the same id replaces the earlier
  one, keeping the earlier one's place in the list.
* Services may share a container port when their names differ (OpenRefine proxied
  through Jupyter is Jupyter's port with another path); a port is published once.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import Literal

from launcher.core.catalogue.tables import (
    ENV_RE,
    ID_RE,
    ID_RULE,
    MIN_MEMORY,
    WEB_PATH_RE,
    CatalogueTable,
    container_path,
    logo_reference,
    memory_bytes,
    value_kind,
)
from launcher.core.errors import (
    CATALOGUE_FIX_HINT,
    CatalogueError,
    ImageReferenceError,
    UnknownCourse,
)
from launcher.core.images.reference import ImageReference

SCHEMA_VERSION = 1
MAX_CATALOGUE_BYTES = 1024 * 1024
# --- the model ---------------------------------------------------------------

Auth = Literal["token", "none"]


@dataclass(frozen=True)
class TokenSpec:
    """The launcher puts a fresh secret in the environment variable ``env``."""

    env: str


@dataclass(frozen=True)
class Service:
    """A web page the environment offers; "Open" goes to ``path`` on ``port``."""

    name: str
    port: int
    path: str = "/"
    ready: str = "/"  # polled until it answers; the parser defaults it to ``path``
    auth: Auth = "none"


@dataclass(frozen=True)
class Volume:
    """A named volume (e.g. database files) that survives a reset of the environment."""

    name: str
    path: str


@dataclass(frozen=True)
class BackupSpec:
    """How to save and restore one kind of data inside the container.

    ``dump`` is a command that writes the backup to its standard output; ``restore``
    reads one on its standard input. Both run as ``user``.
    """

    name: str
    dump: tuple[str, ...]
    restore: tuple[str, ...]
    user: str = "root"


def _no_env() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Course:
    id: str
    code: str
    presentation: str
    title: str
    image: str
    workspace: str
    services: tuple[Service, ...]
    preferred_port: int | None = None
    memory: str | None = None
    description: str = ""
    token: TokenSpec | None = None
    env: Mapping[str, str] = field(default_factory=_no_env, hash=False)
    volumes: tuple[Volume, ...] = ()
    backups: tuple[BackupSpec, ...] = ()
    hub_ready: bool = False  # the image has jupyterhub-singleuser, so a JupyterHub can run it
    logo: str | None = None  # an https:// address, or a path relative to the catalogue file
    source: str = field(default="", compare=False)  # file or URL it came from

    @property
    def display_name(self) -> str:
        return f"{self.code} {self.presentation} — {self.title}"

    @property
    def image_ref(self) -> ImageReference:
        return ImageReference.parse(self.image)

    @property
    def memory_bytes(self) -> int | None:
        return None if self.memory is None else memory_bytes(self.memory)

    @property
    def container_ports(self) -> tuple[int, ...]:
        """Distinct container ports of the services, in catalogue order."""
        return tuple(dict.fromkeys(service.port for service in self.services))


@dataclass(frozen=True)
class Catalogue:
    courses: tuple[Course, ...] = ()

    def __iter__(self) -> Iterator[Course]:
        return iter(self.courses)

    def __len__(self) -> int:
        return len(self.courses)

    def __contains__(self, course_id: object) -> bool:
        return any(course.id == course_id for course in self.courses)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(course.id for course in self.courses)

    def get(self, course_id: str) -> Course:
        for course in self.courses:
            if course.id == course_id:
                return course
        close = difflib.get_close_matches(course_id.lower(), self.ids, n=3, cutoff=0.6)
        message = f'There is no course "{course_id}" in the catalogue.'
        if close:
            message += " Did you mean " + " or ".join(f'"{c}"' for c in close) + "?"
        known = ", ".join(self.ids) or "none"
        raise UnknownCourse(message, hint=f"Courses the launcher knows: {known}.")


def merge_catalogues(catalogues: Iterable[Catalogue]) -> Catalogue:
    """One catalogue from several; a later course replaces an earlier one with its id."""
    merged: dict[str, Course] = {}
    for catalogue in catalogues:
        for course in catalogue:
            merged[course.id] = course  # an existing key keeps its position
    return Catalogue(tuple(merged.values()))


# --- reading and checking ----------------------------------------------------

_COURSE_KEYS = (
    "id", "code", "presentation", "title", "image", "workspace", "preferred_port", "memory",
    "description", "token", "env", "services", "volumes", "backups", "hub_ready", "logo",
)  # fmt: skip


def _read_service(table: CatalogueTable, has_token: bool) -> Service:
    table.check_keys(("name", "port", "path", "ready", "auth"))
    rule = (
        'a web path starts with "/" and has only letters, digits and - . _ ~ ! $ & ( ) * + , '
        "; = : @ / ? (or %XX), no spaces or quotes"
    )
    path = table.match("path", WEB_PATH_RE, rule, default="/")
    auth = table.text("auth", default="token" if has_token else "none")
    if auth not in ("token", "none"):
        raise table.error("auth", f'it must be "token" or "none", not "{auth}"')
    if auth == "token" and not has_token:
        raise table.error(
            "auth",
            'it is "token" but the course has no [course.token] table naming the '
            "variable the launcher puts the token in",
        )
    return Service(
        name=table.text("name"),
        port=table.integer("port", 1, 65535),
        path=path,
        ready=table.match("ready", WEB_PATH_RE, rule, default=path),
        auth="token" if auth == "token" else "none",
    )


def _read_env(table: CatalogueTable, token: TokenSpec | None) -> Mapping[str, str]:
    env: dict[str, str] = {}
    if "env" not in table.data:
        return MappingProxyType(env)
    variables = CatalogueTable(table.data["env"], table.source, table.course_id, "env")
    for name, value in variables.data.items():
        if name.startswith("x-"):
            continue
        if not ENV_RE.fullmatch(name) or (token is not None and name == token.env):
            raise variables.error(
                name,
                "this is not a usable variable name: use letters, digits and _, and not the "
                "token's variable, which the launcher sets itself",
            )
        if not isinstance(value, str) or "\0" in value:
            raise variables.error(name, f"it must be text in quotes, not {value_kind(value)}")
        env[name] = value
    return MappingProxyType(env)


def _read_course(table: CatalogueTable, course_id: str) -> Course:
    table.check_keys(_COURSE_KEYS)
    image = table.text("image")
    try:
        ImageReference.parse(image)
    except ImageReferenceError as exc:
        raise table.error("image", str(exc)) from None
    workspace = container_path(table, "workspace")
    memory = table.text("memory", default="") or None
    if memory is not None and (memory_bytes(memory) or 0) < MIN_MEMORY:
        raise table.error("memory", f'"{memory}" must be a size like "512m" or "4g", at least 6m')
    token = None
    if "token" in table.data:
        spec = CatalogueTable(table.data["token"], table.source, course_id, "token")
        spec.check_keys(("env",))
        token = TokenSpec(spec.match("env", ENV_RE, "use letters, digits and _"))
    services: list[Service] = []
    names: set[str] = set()
    for item in table.tables("services"):
        service = _read_service(item, token is not None)
        item.unique("name", service.name, names, "service name")
        if any((s.port, s.path) == (service.port, service.path) for s in services):
            raise item.error(
                "path",
                f'another service already opens port {service.port} at "{service.path}"; '
                "services sharing a port need different paths",
            )
        services.append(service)
    if not services:
        raise table.error("services", "a course needs at least one [[course.services]] entry")
    volumes: list[Volume] = []
    names, paths = set[str](), set[str]()
    for item in table.tables("volumes"):
        item.check_keys(("name", "path"))
        volume = Volume(item.match("name", ID_RE, ID_RULE), container_path(item, "path"))
        item.unique("name", volume.name, names, "volume name")
        item.unique("path", volume.path, paths, "volume path")
        if PurePosixPath(volume.path).is_relative_to(workspace):
            raise item.error("path", "a volume must not be the workspace folder or inside it")
        volumes.append(volume)
    backups: list[BackupSpec] = []
    names = set()
    for item in table.tables("backups"):
        item.check_keys(("name", "user", "dump", "restore"))
        name = item.match("name", ID_RE, ID_RULE)
        item.unique("name", name, names, "backup name")
        user = item.text("user", default="root")
        backups.append(BackupSpec(name, item.words("dump"), item.words("restore"), user))
    preferred = (
        table.integer("preferred_port", 1024, 65535) if "preferred_port" in table.data else None
    )
    return Course(
        id=course_id,
        code=table.text("code"),
        presentation=table.text("presentation"),
        title=table.text("title"),
        image=image,
        workspace=workspace,
        services=tuple(services),
        preferred_port=preferred,
        memory=memory,
        description=table.text("description", default="", blank_ok=True),
        token=token,
        env=_read_env(table, token),
        volumes=tuple(volumes),
        backups=tuple(backups),
        hub_ready=table.boolean("hub_ready"),
        logo=logo_reference(table, "logo"),
        source=table.source,
    )


def catalogue_from_data(data: Mapping[str, object], source: str) -> Catalogue:
    """Check already-parsed TOML data and build the catalogue it describes."""
    top = CatalogueTable(dict(data), source, None, "")
    schema = top.integer("schema", 1, 2**31)
    if schema != SCHEMA_VERSION:
        raise CatalogueError(
            f'The course catalogue {source} uses catalogue format {schema} (key "schema"), '
            f"but this launcher understands only format {SCHEMA_VERSION}.",
            hint="Update Course Launcher to its newest version to use this catalogue.",
        )
    top.check_keys(("schema", "course"))
    if isinstance(top.data.get("course"), dict):
        raise top.error("course", "write each course as [[course]] (two brackets), not [course]")
    courses: list[Course] = []
    for item in top.tables("course"):
        course_id = item.match("id", ID_RE, ID_RULE)
        item.prefix, item.course_id = "", course_id
        if course_id in (course.id for course in courses):
            raise item.error("id", "another course in this file already has this id")
        courses.append(_read_course(item, course_id))
    return Catalogue(tuple(courses))


def parse_catalogue(text: str, source: str) -> Catalogue:
    """Parse catalogue TOML; ``source`` (file or URL) is named in every error."""
    if len(text) > MAX_CATALOGUE_BYTES:
        raise CatalogueError(f"The course catalogue {source} is too large to be a catalogue.")
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(
            f"The course catalogue {source} is not valid TOML: {exc}.", hint=CATALOGUE_FIX_HINT
        ) from None
    except RecursionError:
        raise CatalogueError(f"The course catalogue {source} is nested too deeply.") from None
    return catalogue_from_data(data, source)


def parse_catalogue_bytes(data: bytes, source: str) -> Catalogue:
    """Like :func:`parse_catalogue`, for the raw bytes of a file or a download."""
    if len(data) > MAX_CATALOGUE_BYTES:
        raise CatalogueError(f"The course catalogue {source} is too large to be a catalogue.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogueError(
            f"The course catalogue {source} is not UTF-8 text (bad byte at position {exc.start}).",
            hint="Save the file with UTF-8 encoding.",
        ) from None
    return parse_catalogue(text, source)
