"""Where a registry lives and how it wants to be asked: addresses, challenges, tokens.

* Docker Hub (``docker.io``) is served by ``registry-1.docker.io``; its pull tokens
  come from ``auth.docker.io/token?service=registry.docker.io&scope=repository:NAME:pull``.
* Any other registry answers ``401`` with a ``WWW-Authenticate`` challenge: ``Bearer``
  (fetch a token from its ``realm``) or ``Basic`` (send the saved login).
* Plain HTTP is used only for loopback registries (``localhost``, 127.0.0.0/8,
  ``::1``); everything else, token servers included, must be HTTPS, so a login
  never crosses a network in the clear.
"""

from __future__ import annotations

import ipaddress
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from launcher.core.errors import TokenRefused

DOCKER_HUB = "docker.io"
DOCKER_HUB_HOST = "registry-1.docker.io"
DOCKER_HUB_AUTH_REALM = "https://auth.docker.io/token"
DOCKER_HUB_SERVICE = "registry.docker.io"
TOKEN_LIFETIME = 60.0  # seconds, when the token server does not say (the spec's default)
MAX_TOKEN_BYTES = 64 * 1024

_PARAM_RE = re.compile(r'\s*([A-Za-z0-9_.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^",\s]*)\s*,?')
_SCHEME_RE = re.compile(r"\s*,?\s*([A-Za-z][A-Za-z0-9_.-]*)(?=\s|,|$)")


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)  # or an access token


@dataclass(frozen=True)
class Challenge:
    scheme: str  # lowercase: "bearer", "basic"
    params: dict[str, str]


@dataclass(frozen=True)
class RateLimit:
    """Docker Hub's ``ratelimit-limit`` / ``ratelimit-remaining`` headers (``100;w=21600``)."""

    limit: int | None
    remaining: int | None
    window: int | None = None  # seconds

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit | None:
        def read(name: str) -> tuple[int | None, int | None]:
            count, _, rest = (headers.get(name) or "").partition(";")
            window = rest.strip().removeprefix("w=")
            return (
                int(count) if count.strip().isdigit() else None,
                int(window) if window.isdigit() else None,
            )

        limit, window = read("ratelimit-limit")
        remaining, window2 = read("ratelimit-remaining")
        if limit is None and remaining is None:
            return None
        return cls(limit, remaining, window or window2)


def host_of(address: str) -> str:
    """``127.0.0.1:5000`` → ``127.0.0.1``; ``[::1]:5000`` → ``::1``; URLs work too."""
    netloc = urlsplit(address if "//" in address else f"//{address}").netloc
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        return host[1 : host.find("]")]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_loopback(address: str) -> bool:
    host = host_of(address).lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url(registry: str) -> str:
    """The URL the v2 API of ``registry`` (as in an image reference) is under."""
    if registry == DOCKER_HUB:
        return f"https://{DOCKER_HUB_HOST}"
    return f"{'http' if is_loopback(registry) else 'https'}://{registry}"


def check_secure(url: str) -> None:
    """Refuse to talk plain HTTP to anything but this computer."""
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.netloc)):
        return
    raise ValueError(f"refusing to use {parts.scheme or 'a relative'} URL {url!r} (HTTPS needed)")


def parse_challenges(header: str) -> list[Challenge]:
    """``WWW-Authenticate`` → challenges, e.g. ``Bearer realm="…",service="…",scope="…"``.

    Quoted values may hold commas (``scope="repository:a:pull,push"``); several
    challenges may share one header (``Basic realm="x", Bearer realm="y"``).
    """
    challenges: list[Challenge] = []
    pos = 0
    while pos < len(header):
        param = _PARAM_RE.match(header, pos)
        if param and challenges:
            value = param.group(2)
            if value.startswith('"'):
                value = re.sub(r"\\(.)", r"\1", value[1:-1])
            challenges[-1].params[param.group(1).lower()] = value
            pos = param.end()
            continue
        scheme = _SCHEME_RE.match(header, pos)
        if not scheme or scheme.end() == pos:
            break
        challenges.append(Challenge(scheme.group(1).lower(), {}))
        pos = scheme.end()
    return challenges


class TokenCache:
    """Pull tokens by (registry, scope), forgotten a little before they expire."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}

    def get(self, registry: str, scope: str) -> str | None:
        entry = self._tokens.get((registry, scope))
        if entry is None or entry[1] <= self._clock():
            return None
        return entry[0]

    def put(self, registry: str, scope: str, token: str, lifetime: float) -> None:
        self._tokens[(registry, scope)] = (token, self._clock() + max(1.0, lifetime - 5.0))

    def forget(self, registry: str, scope: str) -> None:
        self._tokens.pop((registry, scope), None)


def read_limited(response: requests.Response, limit: int) -> bytes:
    """The body of a streamed response, stopping once it is longer than ``limit``."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(64 * 1024):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)


def fetch_token(
    session: requests.Session,
    realm: str,
    params: dict[str, str],
    credentials: Credentials | None,
    timeout: tuple[float, float],
) -> tuple[str, float]:
    """Ask a token server for a token; returns it and its lifetime in seconds.

    Network errors propagate as ``requests`` exceptions; a refusal is :class:`TokenRefused`.
    """
    check_secure(realm)
    auth = (credentials.username, credentials.password) if credentials else None
    response = session.get(realm, params=params, auth=auth, timeout=timeout, stream=True)
    with response:
        if response.status_code != 200:
            raise TokenRefused(response.status_code)
        body = read_limited(response, MAX_TOKEN_BYTES)
    try:
        data = json.loads(body)
    except ValueError:
        raise TokenRefused(502) from None
    token = data.get("token") or data.get("access_token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token or len(body) > MAX_TOKEN_BYTES:
        raise TokenRefused(502)
    lifetime = data.get("expires_in")
    usable = isinstance(lifetime, int | float) and not isinstance(lifetime, bool) and lifetime > 0
    return token, float(lifetime) if usable else TOKEN_LIFETIME
