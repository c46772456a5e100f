"""Take secrets out of text before a person or a file sees it.

A :class:`Redactor` knows the secrets it must never let through (tokens read from
the secret store, passwords found in settings or a container's environment) and
also removes what looks like a secret whatever its value: ``token=…`` in a query
string, ``Authorization:`` headers, ``user:password@`` in addresses and
``NAME=value`` / ``"name": "value"`` where the name says it is secret
(``*TOKEN*``, ``*PASSWORD*``, ``*SECRET*``, ``*KEY*`` …, and a part of the name
ending in ``PW``, ``PWD`` or ``PASS``: ``NB_PW``, ``proxy_pass``, ``PGPASS``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "********"
#: Secrets shorter than this are only removed where a pattern finds them: replacing
#: every "ab" in a bundle would make it unreadable without protecting anything.
MIN_LITERAL_LENGTH = 3

_SECRET_WORDS = ("TOKEN", "PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "KEY", "CREDENTIAL", "AUTH")
#: Too short to look for anywhere in a name ("PASSAGE"): only at the end of one of its
#: parts, the parts being what "_", "." or "-" separate.
_SHORT_SECRET_ENDINGS = ("PW", "PWD", "PASS")
_NAME = r"[A-Za-z_][A-Za-z0-9_.-]*"
_SECRET_NAME = (
    rf"(?:(?:{_NAME})?(?:{'|'.join(_SECRET_WORDS)})(?:[A-Za-z0-9_.-]*)"
    rf"|(?:[A-Za-z0-9_.-]*[_.-])?[A-Za-z0-9]*(?:{'|'.join(_SHORT_SECRET_ENDINGS)})"
    r"(?![A-Za-z0-9])(?:[_.-][A-Za-z0-9_.-]*)?)"
)
_NAME_PARTS = re.compile(r"[_.\-]+")
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Authorization: token abc / Proxy-Authorization: Basic …  (to the end of the line)
    (re.compile(r"(?i)\b((?:proxy-)?authorization\s*[:=]\s*)[^\r\n]+"), rf"\1{MASK}"),
    # scheme://user:password@host  and  scheme://token@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@\"'<>]+@"), rf"\1{MASK}@"),
    # ?token=abc&…  access_token=…  (query strings and key=value logs)
    (
        re.compile(rf"(?i)((?:^|[?&;\s\"'(,])(?:{_SECRET_NAME})=)([\"']?)[^&\s\"'<>,;)]+"),
        rf"\1\2{MASK}",
    ),
    # "password": "abc"  'api_key': 'abc'  (JSON and Python reprs)
    (
        re.compile(rf"(?i)([\"']{_SECRET_NAME}[\"']\s*:\s*)([\"'])(?:\\.|(?!\2).)*\2"),
        rf"\1\2{MASK}\2",
    ),
)


def is_secret_name(name: str) -> bool:
    """True for names like ``JUPYTER_TOKEN``, ``DB_PASSWORD``, ``api_key``, ``NB_PW``."""
    upper = name.upper()
    if any(word in upper for word in _SECRET_WORDS):
        return True
    return any(part.endswith(_SHORT_SECRET_ENDINGS) for part in _NAME_PARTS.split(upper))


def secret_env_values(env: Iterable[str]) -> list[str]:
    """The values of ``NAME=value`` items whose name looks secret (a container's Env)."""
    values = []
    for item in env:
        name, sep, value = str(item).partition("=")
        if sep and value and is_secret_name(name):
            values.append(value)
    return values


def secret_values(data: Any) -> list[str]:
    """Every string (or number) value stored under a secret-looking key, at any depth."""
    found: list[str] = []
    if isinstance(data, Mapping):
        for key, value in data.items():
            if is_secret_name(str(key)) and isinstance(value, str | int | float):
                if not isinstance(value, bool):
                    found.append(str(value))
            else:
                found += secret_values(value)
    elif isinstance(data, list | tuple):
        for item in data:
            found += secret_values(item)
    return found


def mask_secret_keys(data: Any) -> Any:
    """A copy of JSON-like ``data`` with every value under a secret-looking key masked."""
    if isinstance(data, Mapping):
        return {
            key: (MASK if is_secret_name(str(key)) and value not in (None, "") else
                  mask_secret_keys(value))
            for key, value in data.items()
        }  # fmt: skip
    if isinstance(data, list | tuple):
        return [mask_secret_keys(item) for item in data]
    return data


class Redactor:
    """Removes the known secrets and anything that looks like one from text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str | None]) -> None:
        for secret in secrets:
            if secret and len(secret.strip()) >= MIN_LITERAL_LENGTH:
                self._secrets.add(secret)
                self._secrets.add(secret.strip())

    @property
    def count(self) -> int:
        return len(self._secrets)

    def __call__(self, text: str) -> str:
        # Longest first, so a secret that contains another is removed whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


def redact_login(address: str) -> str:
    """The address with any user name or password in it replaced by ``…`` (catalogue
    sources and engine addresses, shown in the window and the doctor)."""
    return re.sub(r"(://)[^/?#]*@", r"\1…@", address.strip())


def blank_secrets(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each of ``secrets`` (the environment's tokens) replaced by the mask."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return text
