"""Reading and checking the TOML tables of a course catalogue.

:class:`CatalogueTable` wraps one table and knows where it sits in the file, so
every problem it finds becomes a :class:`CatalogueEntryError` naming the file, the
course and the key. The patterns and rules shared by the catalogue's checks (ids,
variable names, web paths, memory sizes, container paths, logos) live here too.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from launcher.core.errors import CatalogueEntryError

ID_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
ID_RULE = "use lowercase letters, digits and '-' (not first or last), at most 64 characters"
ENV_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# What Docker's SDK accepts: a number, then b, k, m or g (k, m and g may be followed by b).
_MEMORY_RE = re.compile(r"([0-9]{1,12}(?:\.[0-9]{1,6})?)(?:([kmg])b?|b)?", re.IGNORECASE)
MIN_MEMORY = 6 * 1024 * 1024  # Docker refuses smaller limits
# RFC 3986 path characters (and "?" for a query), "%" only as %XX; no quote, "<", ">"
# or "#", so a path is safe in the redirect page and the address bar.
WEB_PATH_RE = re.compile(r"/(?:[A-Za-z0-9\-._~!$&()*+,;=:@/?]|%[0-9A-Fa-f]{2})*")


def memory_bytes(text: str) -> int | None:
    """The size a memory limit like ``"512m"`` stands for, or None if it is not one."""
    match = _MEMORY_RE.fullmatch(text)
    if not match:
        return None
    power = " kmg".index((match.group(2) or " ").lower())
    return int(float(match.group(1)) * 1024**power)


def value_kind(value: object) -> str:
    """What kind of TOML value ``value`` is, in words for an error message."""
    if isinstance(value, list | dict):
        return "a list" if isinstance(value, list) else "a table"
    kinds = {bool: "true/false", str: "text", int: "a whole number", float: "a decimal number"}
    return kinds.get(type(value), "a date or time")


class CatalogueTable:
    """One TOML table being read, knowing where it is for error messages."""

    def __init__(self, data: object, source: str, course_id: str | None, prefix: str) -> None:
        self.source, self.course_id, self.prefix = source, course_id, prefix
        if not isinstance(data, dict):
            raise self.error("", f"it must be a table, not {value_kind(data)}")
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
            raise self.error(name, f"it must be text in quotes, not {value_kind(value)}")
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
            shown = value if type(value) is int else value_kind(value)
            raise self.error(name, f"it must be a whole number from {low} to {high}, not {shown}")
        return value

    def boolean(self, name: str) -> bool:
        """The true/false at ``name``; false when it is missing."""
        value = self.data.get(name, False)
        if not isinstance(value, bool):
            raise self.error(name, f"it must be true or false, not {value_kind(value)}")
        return value

    def tables(self, name: str) -> list[CatalogueTable]:
        value = self.data.get(name, [])
        if not isinstance(value, list):
            raise self.error(
                name, f"it must be a list of tables ([[...]]), not {value_kind(value)}"
            )
        key = self.key(name)
        return [
            CatalogueTable(v, self.source, self.course_id, f"{key}[{n}]")
            for n, v in enumerate(value, 1)
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


def container_path(table: CatalogueTable, name: str) -> str:
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


LOGO_SUFFIXES = (".png", ".jpg", ".jpeg")
_LOGO_PART_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
LOGO_RULE = (
    "a logo is an https:// address, or a path relative to the catalogue file (letters, "
    "digits, . _ - and /, no ..) of a .png or .jpg file"
)


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def logo_reference(table: CatalogueTable, name: str) -> str | None:
    """An optional logo: an https:// address (http:// only on this computer) with no
    login in it, or a relative path that stays in the catalogue's folder."""
    text = table.text(name, default="") or None
    if text is None:
        return None
    if len(text) > 2000 or any(c.isspace() or not c.isprintable() for c in text):
        raise table.error(name, LOGO_RULE)
    if "://" in text:
        try:
            parts = urlsplit(text)
            host = parts.hostname or ""
        except ValueError:
            raise table.error(name, LOGO_RULE) from None
        secure = parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(host))
        if not host or not secure or parts.username or parts.password:
            raise table.error(name, LOGO_RULE + " (no login in the address)")
        return text
    path = PurePosixPath(text)
    if (
        text.startswith("/")
        or not all(_LOGO_PART_RE.fullmatch(part) for part in text.split("/"))
        or ".." in path.parts
        or path.suffix.lower() not in LOGO_SUFFIXES
    ):
        raise table.error(name, LOGO_RULE)
    return text
