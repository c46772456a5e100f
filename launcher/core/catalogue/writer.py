"""Write one course back out as a catalogue file (the format of ``resources/catalogue.toml``).

Used by take-away files (:mod:`launcher.core.archive.transfer`): the course's entry travels
with its image, and an import saves it as a local catalogue source. Every key is
written explicitly (defaults included), so reading the text back with
:func:`launcher.core.catalogue.model.parse_catalogue` gives an equal :class:`Course`,
but for a ``logo`` given as a path next to the catalogue file, which is left out.
"""

from __future__ import annotations

import json

from launcher.core.catalogue.model import SCHEMA_VERSION, Course


def toml_string(text: str) -> str:
    """A TOML basic string. JSON's escapes are a subset of TOML's; DEL must be escaped
    in TOML and not in JSON, and non-ASCII is kept as it is (TOML files are UTF-8)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _words(words: tuple[str, ...]) -> str:
    return "[" + ", ".join(toml_string(word) for word in words) + "]"


def course_to_toml(course: Course, comment: str = "") -> str:
    """A catalogue (``schema = 1``) holding only ``course``."""
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    lines += [f"schema = {SCHEMA_VERSION}", "", "[[course]]"]
    pairs: list[tuple[str, str | int | None]] = [
        ("id", course.id),
        ("code", course.code),
        ("presentation", course.presentation),
        ("title", course.title),
        ("description", course.description),
        ("image", course.image),
        ("workspace", course.workspace),
        ("preferred_port", course.preferred_port),
        ("memory", course.memory),
    ]
    for key, value in pairs:
        if isinstance(value, int):
            lines.append(f"{key} = {value}")
        elif value is not None:
            lines.append(f"{key} = {toml_string(value)}")
    if course.hub_ready:  # only when true, so launchers older than the key still read the file
        lines.append("hub_ready = true")
    if course.logo is not None and "://" in course.logo:  # a relative path would not travel
        lines.append(f"logo = {toml_string(course.logo)}")
    if course.token is not None:
        lines += ["", "[course.token]", f"env = {toml_string(course.token.env)}"]
    if course.env:
        lines += ["", "[course.env]"]
        lines += [f"{toml_string(k)} = {toml_string(v)}" for k, v in course.env.items()]
    for service in course.services:
        lines += [
            "",
            "[[course.services]]",
            f"name = {toml_string(service.name)}",
            f"port = {service.port}",
            f"path = {toml_string(service.path)}",
            f"ready = {toml_string(service.ready)}",
            f"auth = {toml_string(service.auth)}",
        ]
    for volume in course.volumes:
        lines += [
            "",
            "[[course.volumes]]",
            f"name = {toml_string(volume.name)}",
            f"path = {toml_string(volume.path)}",
        ]
    for backup in course.backups:
        lines += [
            "",
            "[[course.backups]]",
            f"name = {toml_string(backup.name)}",
            f"user = {toml_string(backup.user)}",
            f"dump = {_words(backup.dump)}",
            f"restore = {_words(backup.restore)}",
        ]
    return "\n".join(lines) + "\n"
