"""Image references as Docker understands them, e.g. ``docker.io/library/python:3.12``.

:meth:`ImageReference.parse` follows Docker's reference grammar and normalises the
text (Docker Hub's host and ``library/`` filled in, ``latest`` when no tag or digest
is given); a text it refuses raises :class:`ImageReferenceError` saying why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from launcher.core.errors import ImageReferenceError

_DOMAIN_PART = r"(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])"
_DOMAIN_RE = re.compile(rf"(?:{_DOMAIN_PART}(?:\.{_DOMAIN_PART})*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?")
_PATH_PART_RE = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_DIGEST_RE = re.compile(r"sha256:[0-9a-f]{64}")
DOCKER_HUB = "docker.io"


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
