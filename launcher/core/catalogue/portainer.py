"""Portainer app-template feeds (JSON, ``"version": "2"``) read as a catalogue source.

Institutions that already publish their environments for Portainer (the OU's
OpenComputingLab does) can give the launcher that same address. Each container
template (``"type": 1``) becomes a course:

* ``name`` (or, without one, ``title``) becomes the course id, in lowercase with
  ``-`` for anything else; ``title``, ``description`` and ``image`` (with
  ``registry`` in front, when given) are used as they are;
* the code is the first category that looks like a module code (``TM351``), else
  the first category, else the title's first word; the presentation is the image's tag;
* each TCP port is a service: 8888 is "Jupyter" (its token in ``JUPYTER_TOKEN``,
  which Jupyter reads itself; a default such as ``letmein`` is never used), any other
  is named from the title; a host port given for the first one is its preferred port;
* the first volume's ``container`` path is where the student's folder appears.

What a feed cannot say is defaulted and named in a warning: the folder (``/home/jovyan/work``,
where Jupyter's own images keep work), variables Portainer would ask for when
deploying, and settings the launcher does not apply (``command``, ``privileged``).
Stack templates (types 2 and 3) are listed in a warning as not supported yet.

A feed that is not valid JSON, has the wrong shape, repeats a key, or has a value
of the wrong kind raises :class:`CatalogueEntryError` naming the template and the key,
as a mistake in a TOML catalogue does; unknown keys are refused too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType

from launcher.core.catalogue.model import MAX_CATALOGUE_BYTES, Catalogue, Course, Service, TokenSpec
from launcher.core.catalogue.tables import (
    ENV_RE,
    ID_RE,
    CatalogueTable,
    container_path,
    value_kind,
)
from launcher.core.errors import CATALOGUE_FIX_HINT, CatalogueError, ImageReferenceError
from launcher.core.images.reference import ImageReference

FEED_VERSION = "2"
JUPYTER_PORT = 8888
TOKEN_VARIABLE = "JUPYTER_TOKEN"  # noqa: S105 - a variable name, not a secret
DEFAULT_WORKSPACE = "/home/jovyan/work"
_MODULE_CODE_RE = re.compile(r"[A-Z]{1,6}[0-9]{2,4}[A-Z]?")
_PORT_RE = re.compile(r"(?:([0-9]{0,5}):)?([0-9]{1,5})(?:/(tcp|udp))?")
_CONTAINER_KEYS = (
    "type", "title", "description", "image", "name", "logo", "registry", "command", "env",
    "network", "volumes", "ports", "labels", "privileged", "interactive", "restart_policy",
    "hostname", "note", "platform", "categories", "administrator_only",
)  # fmt: skip
_STACK_KEYS = (
    "type", "title", "description", "name", "logo", "repository", "env", "note", "platform",
    "categories", "administrator_only",
)  # fmt: skip
_ENV_KEYS = ("name", "label", "description", "default", "preset", "select")


@dataclass(frozen=True)
class FeedCatalogue:
    """The courses a feed describes, and what the launcher had to assume or leave out."""

    catalogue: Catalogue
    warnings: tuple[str, ...]


def looks_like_feed(data: bytes) -> bool:
    """Whether ``data`` is JSON (an object), not TOML: a TOML file cannot start with ``{``."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


class _RepeatedKey(ValueError):
    pass


def _unique_pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _RepeatedKey(key)
        result[key] = value
    return result


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number JSON allows")


def _load_json(data: bytes, source: str) -> object:
    def bad(problem: str) -> CatalogueError:
        return CatalogueError(f"The Portainer feed {source} {problem}.", hint=CATALOGUE_FIX_HINT)

    if len(data) > MAX_CATALOGUE_BYTES:
        raise bad("is too large to be a catalogue")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise bad(f"is not UTF-8 text (bad byte at position {exc.start})") from None
    try:
        return json.loads(text, object_pairs_hook=_unique_pairs, parse_constant=_refuse_constant)
    except _RepeatedKey as exc:
        raise bad(f'has the key "{exc}" twice in one object') from None
    except json.JSONDecodeError as exc:
        raise bad(f"is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except ValueError as exc:
        raise bad(f"is not valid JSON ({exc})") from None
    except RecursionError:
        raise bad("is nested too deeply") from None


def _course_id(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64].rstrip("-")


def _entries(table: CatalogueTable, name: str) -> list[object]:
    value = table.data.get(name, [])
    if not isinstance(value, list):
        raise table.error(name, f"it must be a list, not {value_kind(value)}")
    return value


def _prose(table: CatalogueTable, name: str) -> str:
    """Text Portainer shows as it is (a description, a note): its line breaks become spaces."""
    value = table.data.get(name, "")
    if not isinstance(value, str):
        raise table.error(name, f"it must be text, not {value_kind(value)}")
    words = " ".join(value.split())
    if not words.isprintable():
        raise table.error(name, "it must not contain control characters")
    return words


def _texts(table: CatalogueTable, name: str) -> list[str]:
    values = _entries(table, name)
    for number, value in enumerate(values, 1):
        if not isinstance(value, str) or not value.strip() or not value.isprintable():
            raise table.error(f"{name}[{number}]", "it must be text with no control characters")
    return [str(v) for v in values]


def _ports(table: CatalogueTable, warnings: list[str]) -> list[tuple[int | None, int]]:
    """The template's TCP ports as (host port or None, container port)."""
    ports: list[tuple[int | None, int]] = []
    for number, text in enumerate(_texts(table, "ports"), 1):
        match = _PORT_RE.fullmatch(text)
        numbers = [int(n) for n in (match.group(1), match.group(2)) if n] if match else []
        if not match or not all(1 <= n <= 65535 for n in numbers):
            raise table.error(
                f"ports[{number}]",
                f'"{text}" is not a port like "8888/tcp" or "8351:8888/tcp" (ports 1-65535)',
            )
        if match.group(3) == "udp":
            warnings.append(f'leaves out port "{text}": a UDP port is not a web page')
            continue
        host, container = (int(match.group(1)) if match.group(1) else None), int(match.group(2))
        if container not in (p for _, p in ports):
            ports.append((host, container))
    return ports


def _variables(
    table: CatalogueTable, course_id: str, warnings: list[str]
) -> tuple[dict[str, str], bool]:
    """The template's variables with the values they get, and whether it names the token."""
    env: dict[str, str] = {}
    names: set[str] = set()
    has_token = False
    for number, item in enumerate(_entries(table, "env"), 1):
        entry = CatalogueTable(item, table.source, course_id, table.key(f"env[{number}]"))
        entry.check_keys(_ENV_KEYS)
        name = entry.match("name", ENV_RE, "use letters, digits and _")
        for key in ("label", "description"):
            _prose(entry, key)
        entry.boolean("preset")
        value = entry.text("default", default="", blank_ok=True) or None
        for choice_number, choice in enumerate(_entries(entry, "select"), 1):
            option = CatalogueTable(
                choice, table.source, course_id, entry.key(f"select[{choice_number}]")
            )
            option.check_keys(("text", "value", "default"))
            option.text("text")
            chosen = option.text("value", blank_ok=True)
            if option.boolean("default"):
                value = chosen
        if name in names:
            raise entry.error("name", f'another variable in this template is also called "{name}"')
        names.add(name)
        if name == TOKEN_VARIABLE:
            has_token = True  # the launcher puts a fresh token here; the default is not used
        elif value is None:
            warnings.append(f"leaves {name} unset: Portainer would ask for it when deploying")
        else:
            env[name] = value
    return env, has_token


def _services(title: str, ports: list[tuple[int | None, int]]) -> list[Service]:
    others = [port for _, port in ports if port != JUPYTER_PORT]
    services: list[Service] = []
    for _, port in ports:
        if port == JUPYTER_PORT:
            services.append(Service("Jupyter", port, "/", "/api/status", "token"))
        else:
            name = title.strip() if len(others) == 1 else f"{title.strip()} (port {port})"
            services.append(Service(name, port, "/", "/", "none"))
    return services


def _code(categories: list[str], title: str) -> str:
    for category in categories:
        if _MODULE_CODE_RE.fullmatch(category):
            return category
    return categories[0].strip() if categories else title.split()[0]


def _container_course(
    table: CatalogueTable, course_id: str, notes: list[str], defaulted: list[str]
) -> Course | None:
    table.check_keys(_CONTAINER_KEYS)
    title = table.text("title")
    platform = table.text("platform", default="linux")
    image = table.text("image")
    if "registry" in table.data:
        image = f"{table.text('registry').rstrip('/')}/{image}"
    try:
        reference = ImageReference.parse(image)
    except ImageReferenceError as exc:
        raise table.error("image", str(exc)) from None
    categories = _texts(table, "categories")
    warnings: list[str] = []
    ports = _ports(table, warnings)
    env, has_token = _variables(table, course_id, warnings)
    workspace = DEFAULT_WORKSPACE
    for number, item in enumerate(_entries(table, "volumes"), 1):
        volume = CatalogueTable(item, table.source, course_id, table.key(f"volumes[{number}]"))
        volume.check_keys(("container", "bind", "readonly"))
        path = container_path(volume, "container")
        volume.text("bind", default="", blank_ok=True)
        volume.boolean("readonly")
        if number == 1:
            workspace = path
        else:
            warnings.append(f"does not keep {path}: only the first volume is the student's folder")
    if not _entries(table, "volumes"):
        defaulted.append(course_id)
    if "command" in table.data:
        table.text("command")
        warnings.append("runs the image's own command, not the template's")
    if table.boolean("privileged"):
        warnings.append("runs without the privileged mode the template asks for")
    _prose(table, "note")
    for key in ("hostname", "network", "restart_policy", "logo"):
        table.text(key, default="", blank_ok=True)
    for flag in ("interactive", "administrator_only"):
        table.boolean(flag)
    _entries(table, "labels")
    if platform.lower() != "linux":
        notes.append(f'Course "{course_id}" is left out: it is for {platform}, not Linux.')
        return None
    if not ports:
        notes.append(f'Course "{course_id}" is left out: it offers no web page (no TCP port).')
        return None
    if any(port == JUPYTER_PORT for _, port in ports):
        has_token = True  # Jupyter reads JUPYTER_TOKEN itself
    notes.extend(f'Course "{course_id}" {warning}.' for warning in warnings)
    host_port = ports[0][0]
    return Course(
        id=course_id,
        code=_code(categories, title),
        presentation=reference.tag or "latest",
        title=title.strip(),
        image=image,
        workspace=workspace,
        services=tuple(_services(title, ports)),
        preferred_port=host_port if host_port is not None and host_port >= 1024 else None,
        description=_prose(table, "description"),
        token=TokenSpec(TOKEN_VARIABLE) if has_token else None,
        env=MappingProxyType(env),
        source=table.source,
    )


def _listed(names: Iterable[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def parse_feed(data: bytes, source: str) -> FeedCatalogue:
    """The courses in the Portainer feed ``data``; ``source`` is named in every message."""
    document = _load_json(data, source)
    top = CatalogueTable(document, source, None, "")
    top.check_keys(("version", "templates"))
    if "version" not in top.data or top.data["version"] != FEED_VERSION:
        shown = top.data.get("version", "missing")
        raise CatalogueError(
            f"The Portainer feed {source} uses template format {json.dumps(shown)} "
            f'(key "version"), but the launcher reads format "{FEED_VERSION}" only.',
            hint="Ask its publisher for a version 2 feed, or a Course Launcher catalogue.",
        )
    if "templates" not in top.data:
        raise top.error("templates", "it is missing")
    courses: list[Course] = []
    notes: list[str] = []
    defaulted: list[str] = []
    stacks: list[str] = []
    for number, item in enumerate(_entries(top, "templates"), 1):
        table = CatalogueTable(item, source, None, f"templates[{number}]")
        kind = table.integer("type", 1, 3)
        if kind != 1:
            table.check_keys(_STACK_KEYS)
            stacks.append(table.text("title").strip())
            continue
        named = table.text("name") if "name" in table.data else table.text("title")
        course_id = _course_id(named)
        if not ID_RE.fullmatch(course_id):
            raise table.error("name", f'"{named}" cannot be made into a course id')
        if course_id in (course.id for course in courses):
            raise table.error("name", f'another template in this feed is also named "{course_id}"')
        table.course_id = course_id
        course = _container_course(table, course_id, notes, defaulted)
        if course is not None:
            courses.append(course)
    warnings: list[str] = []
    kept = [c for c in defaulted if c in {course.id for course in courses}]
    if kept:
        warnings.append(
            f"The Portainer feed {source} does not say where its courses keep the student's "
            f"files: the launcher uses {DEFAULT_WORKSPACE} (where Jupyter's images keep work) "
            f"for {_listed(kept)}. A Course Launcher catalogue entry can say otherwise."
        )
    warnings += [note.replace("Course ", f"In {source}, course ", 1) for note in notes]
    if stacks:
        warnings.append(
            f"The Portainer feed {source} has stack templates the launcher cannot run yet: "
            f"{_listed(stacks)}."
        )
    return FeedCatalogue(Catalogue(tuple(courses)), tuple(warnings))
