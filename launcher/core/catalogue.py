"""The course catalogue: which courses exist and how to run each one.

A catalogue is a TOML file an institution publishes (``schema = 1``); the bundled
``resources/catalogue.toml`` documents the format with real examples. This module
holds the model (frozen dataclasses), the parser and its checks. Every mistake in
a catalogue is a :class:`CatalogueEntryError` whose message names the file, the
course and the key, so a tutor can fix it without reading code.

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
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Literal

from launcher.core.errors import CatalogueError, UnknownCourse

SCHEMA_VERSION = 1
MAX_CATALOGUE_BYTES = 1024 * 1024
FIX_HINT = (
    "Ask whoever publishes this catalogue to correct it, or remove it from the "
    "launcher's catalogue sources. Entries in lists are counted from 1."
)

# --- image references (Docker's reference grammar) ---------------------------

_DOMAIN_PART = r"(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])"
_DOMAIN_RE = re.compile(rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?")
_PATH_PART_RE = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_DIGEST_RE = re.compile(r"sha256:[0-9a-f]{64}")
DOCKER_HUB = "docker.io"


class ImageReferenceError(ValueError):
    """A text is not a valid image reference; the message says why."""


@dataclass(frozen=True)
class ImageReference:
    """A parsed, normalised image reference such as ``docker.io/library/python:3.12``."""

    registry: str
    repository: str
    tag: str | None = "latest"
    digest: str | None = None

    @classmethod
    def parse(cls, text: str) -> ImageReference:
        def bad(reason: str) -> ImageReferenceError:
            return ImageReferenceError(f'"{text}" is not a valid image name: {reason}')

        if not text or any(ch.isspace() or not ch.isprintable() for ch in text):
            raise bad("it is empty or contains spaces")
        rest, at, digest = text.partition("@")
        if at and not _DIGEST_RE.fullmatch(digest):
            raise bad('after "@" must come "sha256:" and 64 lowercase hexadecimal digits')
        tag: str | None = None
        colon = rest.rfind(":")
        if colon > rest.rfind("/"):
            rest, tag = rest[:colon], rest[colon + 1 :]
            if not _TAG_RE.fullmatch(tag):
                raise bad(
                    f'the tag "{tag}" must start with a letter, digit or "_", then use only '
                    'letters, digits, "_", "." and "-" (at most 128 characters)'
                )
        first, slash, remainder = rest.partition("/")
        if slash and ("." in first or ":" in first or first == "localhost"):
            registry, path = first, remainder
            if not _DOMAIN_RE.fullmatch(registry):
                raise bad(f'the registry "{registry}" is not a host name with an optional port')
        else:
            registry, path = DOCKER_HUB, rest
        registry = DOCKER_HUB if registry == "index.docker.io" else registry
        for part in path.split("/"):
            if not part:
                raise bad('it has an empty part ("/" doubled, or at the start or end)')
            if not _PATH_PART_RE.fullmatch(part):
                problem = (
                    "must be lowercase"
                    if _PATH_PART_RE.fullmatch(part.lower())
                    else "is not allowed"
                )
                raise bad(f'the name part "{part}" {problem}')
        if registry == DOCKER_HUB and "/" not in path:
            path = f"library/{path}"
        if len(registry) + 1 + len(path) > 255:
            raise bad("the name is longer than 255 characters")
        return cls(registry, path, tag if tag or at else "latest", digest or None)

    @property
    def name(self) -> str:
        """Registry and repository, without tag or digest."""
        return f"{self.registry}/{self.repository}"

    @property
    def familiar(self) -> str:
        """The short form people type (Docker Hub's host and ``library/`` left out)."""
        name = self.name
        if self.registry == DOCKER_HUB:
            name = self.repository.removeprefix("library/")
        return name + self._suffix()

    def _suffix(self) -> str:
        return (f":{self.tag}" if self.tag else "") + (f"@{self.digest}" if self.digest else "")

    def __str__(self) -> str:
        return self.name + self._suffix()


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
    source: str = field(default="", compare=False)  # file or URL it came from

    @property
    def display_name(self) -> str:
        return f"{self.code} {self.presentation} — {self.title}"

    @property
    def image_ref(self) -> ImageReference:
        return ImageReference.parse(self.image)

    @property
    def memory_bytes(self) -> int | None:
        return None if self.memory is None else _memory_bytes(self.memory)

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


# --- errors ------------------------------------------------------------------


class CatalogueEntryError(CatalogueError):
    """A mistake at one key of a catalogue; ``key`` is a path like ``services[2].port``."""

    def __init__(self, source: str, key: str, problem: str, course_id: str | None = None) -> None:
        where = f'in course "{course_id}", ' if course_id else ""
        stop = "" if problem.endswith((".", "?", ")")) else "."
        super().__init__(
            f'The course catalogue {source} has a mistake {where}at key "{key}": {problem}{stop}',
            hint=FIX_HINT,
        )
        self.source = source
        self.key = key
        self.problem = problem
        self.course_id = course_id


# --- reading and checking ----------------------------------------------------

_ID_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
_ID_RULE = "use lowercase letters, digits and '-' (not first or last), at most 64 characters"
_ENV_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# What Docker's SDK accepts: a number, then b, k, m or g (k, m and g may be followed by b).
_MEMORY_RE = re.compile(r"([0-9]{1,12}(?:\.[0-9]{1,6})?)(?:([kmg])b?|b)?", re.IGNORECASE)
_MIN_MEMORY = 6 * 1024 * 1024  # Docker refuses smaller limits
_WEB_PATH_RE = re.compile(r"/[^\s\\#\x00-\x1f\x7f]*")
_COURSE_KEYS = (
    "id", "code", "presentation", "title", "image", "workspace", "preferred_port", "memory",
    "description", "token", "env", "services", "volumes", "backups",
)  # fmt: skip


def _memory_bytes(text: str) -> int | None:
    match = _MEMORY_RE.fullmatch(text)
    if not match:
        return None
    power = " kmg".index((match.group(2) or " ").lower())
    return int(float(match.group(1)) * 1024**power)


def _kind(value: object) -> str:
    if isinstance(value, list | dict):
        return "a list" if isinstance(value, list) else "a table"
    kinds = {bool: "true/false", str: "text", int: "a whole number", float: "a decimal number"}
    return kinds.get(type(value), "a date or time")


class _Table:
    """One TOML table being read, knowing where it is for error messages."""

    def __init__(self, data: object, source: str, course_id: str | None, prefix: str) -> None:
        self.source, self.course_id, self.prefix = source, course_id, prefix
        if not isinstance(data, dict):
            raise self.error("", f"it must be a table, not {_kind(data)}")
        self.data: dict[str, object] = data

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix and name else (name or self.prefix)

    def error(self, name: str, problem: str) -> CatalogueEntryError:
        return CatalogueEntryError(self.source, self.key(name), problem, self.course_id)

    def check_keys(self, allowed: Iterable[str]) -> None:
        known = list(allowed)
        for name in self.data:
            if name not in known and not name.startswith("x-"):
                close = difflib.get_close_matches(name, known, n=1)
                guess = f' (did you mean "{close[0]}"?)' if close else ""
                raise self.error(
                    name,
                    f"this is not a known setting{guess}; settings starting with "
                    '"x-" are ignored, for your own notes',
                )

    def text(self, name: str, default: str | None = None, blank_ok: bool = False) -> str:
        """The text at ``name``; required unless a ``default`` is given."""
        if name not in self.data:
            if default is None:
                raise self.error(name, "it is missing")
            return default
        value = self.data[name]
        if not isinstance(value, str):
            raise self.error(name, f"it must be text in quotes, not {_kind(value)}")
        if not (value.strip() or blank_ok) or not value.isprintable():
            raise self.error(name, "it must not be empty or contain control characters")
        return value

    def match(
        self, name: str, pattern: re.Pattern[str], rule: str, default: str | None = None
    ) -> str:
        value = self.text(name, default)
        if not pattern.fullmatch(value):
            raise self.error(name, f'"{value}" is not allowed here: {rule}')
        return value

    def integer(self, name: str, low: int, high: int) -> int:
        value = self.data.get(name)
        if name not in self.data:
            raise self.error(name, "it is missing")
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            shown = value if type(value) is int else _kind(value)
            raise self.error(name, f"it must be a whole number from {low} to {high}, not {shown}")
        return value

    def tables(self, name: str) -> list[_Table]:
        value = self.data.get(name, [])
        if not isinstance(value, list):
            raise self.error(name, f"it must be a list of tables ([[...]]), not {_kind(value)}")
        key = self.key(name)
        return [
            _Table(v, self.source, self.course_id, f"{key}[{n}]") for n, v in enumerate(value, 1)
        ]

    def words(self, name: str) -> tuple[str, ...]:
        value = self.data.get(name)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.error(name, 'it must be a non-empty list of texts, like ["a", "b"]')
        return tuple(str(v) for v in value)

    def unique(self, name: str, value: str, seen: set[str], what: str) -> None:
        if value.lower() in seen:
            raise self.error(name, f'another {what} in this course already uses "{value}"')
        seen.add(value.lower())


def _container_path(table: _Table, name: str) -> str:
    value = table.text(name)
    if (
        not value.startswith("/")
        or value.startswith("//")
        or not PurePosixPath(value).name
        or {".", ".."} & set(value.split("/"))
        or any(ch in value for ch in ":\\")
    ):
        raise table.error(
            name,
            f'"{value}" must be an absolute folder path inside the container, like '
            '"/home/ou/work" (not "/" itself; no ":", "\\", "." or "..")',
        )
    return str(PurePosixPath(value))


def _read_service(table: _Table, has_token: bool) -> Service:
    table.check_keys(("name", "port", "path", "ready", "auth"))
    rule = 'a web path starts with "/" and has no spaces'
    path = table.match("path", _WEB_PATH_RE, rule, default="/")
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
        ready=table.match("ready", _WEB_PATH_RE, rule, default=path),
        auth="token" if auth == "token" else "none",
    )


def _read_env(table: _Table, token: TokenSpec | None) -> Mapping[str, str]:
    env: dict[str, str] = {}
    if "env" not in table.data:
        return MappingProxyType(env)
    variables = _Table(table.data["env"], table.source, table.course_id, "env")
    for name, value in variables.data.items():
        if name.startswith("x-"):
            continue
        if not _ENV_RE.fullmatch(name) or (token is not None and name == token.env):
            raise variables.error(
                name,
                "this is not a usable variable name: use letters, digits and _, and not the "
                "token's variable, which the launcher sets itself",
            )
        if not isinstance(value, str) or "\0" in value:
            raise variables.error(name, f"it must be text in quotes, not {_kind(value)}")
        env[name] = value
    return MappingProxyType(env)


def _read_course(table: _Table, course_id: str) -> Course:
    table.check_keys(_COURSE_KEYS)
    image = table.text("image")
    try:
        ImageReference.parse(image)
    except ImageReferenceError as exc:
        raise table.error("image", str(exc)) from None
    workspace = _container_path(table, "workspace")
    memory = table.text("memory", default="") or None
    if memory is not None and (_memory_bytes(memory) or 0) < _MIN_MEMORY:
        raise table.error("memory", f'"{memory}" must be a size like "512m" or "4g", at least 6m')
    token = None
    if "token" in table.data:
        spec = _Table(table.data["token"], table.source, course_id, "token")
        spec.check_keys(("env",))
        token = TokenSpec(spec.match("env", _ENV_RE, "use letters, digits and _"))
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
        volume = Volume(item.match("name", _ID_RE, _ID_RULE), _container_path(item, "path"))
        item.unique("name", volume.name, names, "volume name")
        item.unique("path", volume.path, paths, "volume path")
        if PurePosixPath(volume.path).is_relative_to(workspace):
            raise item.error("path", "a volume must not be the workspace folder or inside it")
        volumes.append(volume)
    backups: list[BackupSpec] = []
    names = set()
    for item in table.tables("backups"):
        item.check_keys(("name", "user", "dump", "restore"))
        name = item.match("name", _ID_RE, _ID_RULE)
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
        source=table.source,
    )


def catalogue_from_data(data: Mapping[str, object], source: str) -> Catalogue:
    """Check already-parsed TOML data and build the catalogue it describes."""
    top = _Table(dict(data), source, None, "")
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
        course_id = item.match("id", _ID_RE, _ID_RULE)
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
            f"The course catalogue {source} is not valid TOML: {exc}.", hint=FIX_HINT
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


def load_catalogue_file(path: Path) -> Catalogue:
    """Read and check the catalogue file at ``path``."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CATALOGUE_BYTES + 1)
    except FileNotFoundError:
        problem = "does not exist"
    except IsADirectoryError:
        problem = "is a folder, not a file"
    except PermissionError:
        problem = "cannot be read (permission denied)"
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror or exc})"
    else:
        return parse_catalogue_bytes(data, str(path))
    raise CatalogueError(
        f"The course catalogue {path} {problem}.",
        hint="Check the catalogue sources in the launcher's settings.",
    )
