"""Load the courses the launcher offers, from every catalogue source.

Sources are read in order: the bundled ``resources/catalogue.toml`` first, then each
configured source: a local file path, an ``https://`` address, or (for tests and
local mirrors) an ``http://`` address on this computer (``localhost``, 127.0.0.0/8,
``::1``). A later course with the same id replaces an earlier one. A source is either
a Course Launcher catalogue (TOML) or a Portainer app-template feed (JSON, told apart by
its first character; :mod:`launcher.core.catalogue.portainer`), whose warnings about
what it could not say join the others.

A downloaded catalogue is checked, then saved under ``cache_dir``. When the address
cannot be reached, or sends something that is not a valid catalogue, the saved copy
is used and a warning says so, with its date and the reason: a student on a train
still sees their course. The connection waits at most ``CONNECT_TIMEOUT`` seconds
and each read ``READ_TIMEOUT`` seconds.

Problems with one source never hide the others: by default they become warnings,
including a source that is not an accepted path or address (a hand-edited settings
file must not stop the launcher). With ``strict=True`` (for sources named on the
command line) every source is checked before anything is downloaded, and a source
that yields nothing raises its :class:`CatalogueError`. A saved copy used in place
of a failed download is a warning, not a failure, in both modes.
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urljoin, urlsplit

from launcher import __version__
from launcher.core.catalogue.catalogue_file import load_catalogue_file, read_catalogue_file
from launcher.core.catalogue.definitions import redefinitions
from launcher.core.catalogue.model import (
    MAX_CATALOGUE_BYTES,
    Catalogue,
    Course,
    merge_catalogues,
    parse_catalogue_bytes,
)
from launcher.core.catalogue.portainer import looks_like_feed, parse_feed
from launcher.core.errors import CatalogueError
from launcher.core.local.files import write_atomic
from launcher.core.local.resources import resource_path
from launcher.core.redaction import redact_login

if TYPE_CHECKING:  # requests loads when a catalogue is downloaded, not at start-up
    import requests

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
BUNDLED = "bundled"

SourceKind = Literal["bundled", "file", "url"]


@dataclass(frozen=True)
class SourceReport:
    """What happened to one source: for the settings page and support bundles."""

    location: str
    kind: SourceKind
    loaded: bool
    from_cache: bool = False  # the saved copy was used because the download failed
    fetched_at: datetime | None = None  # when the copy in use was downloaded (URLs)
    course_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoadedCatalogue:
    catalogue: Catalogue
    warnings: tuple[str, ...] = ()
    sources: tuple[SourceReport, ...] = ()
    #: (earlier, later) where a later source redefines a course's image or workspace
    redefined: tuple[tuple[Course, Course], ...] = ()


def parse_source_bytes(data: bytes, source: str) -> tuple[Catalogue, tuple[str, ...]]:
    """The catalogue in ``data``, TOML or a Portainer feed, and warnings about it."""
    if looks_like_feed(data):
        feed = parse_feed(data, source)
        return feed.catalogue, feed.warnings
    return parse_catalogue_bytes(data, source), ()


def is_url(source: str) -> bool:
    return "://" in source


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_source(source: str) -> str:
    """The source, tidied, if the launcher accepts it; :class:`CatalogueError` if not."""
    source, shown = source.strip(), redact_login(source)
    if not source:
        raise CatalogueError("A catalogue source is empty.", hint="Give a file path or address.")
    if not is_url(source):
        return source
    if shown != source:
        raise CatalogueError(
            f"The catalogue address {shown} must not contain a user name or password.",
            hint="Publish the catalogue at an address that needs no login.",
        )
    try:
        parts = urlsplit(source)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise CatalogueError(f"The catalogue address {source} is not a valid address.") from None
    scheme = parts.scheme.lower()
    if host and (scheme == "https" or (scheme == "http" and _is_loopback(host))):
        return source
    raise CatalogueError(
        f"The catalogue address {source} is not accepted: only https:// addresses "
        "(or http:// on this computer) can be used.",
        hint="Ask the catalogue's publisher for its https:// address.",
    )


def cache_file(url: str, cache_dir: Path) -> Path:
    """Where the saved copy of the catalogue at ``url`` lives."""
    return cache_dir / f"{hashlib.sha256(url.encode('utf-8')).hexdigest()[:24]}.toml"


def _meta_file(url: str, cache_dir: Path) -> Path:
    return cache_file(url, cache_dir).with_suffix(".json")


@dataclass(frozen=True)
class _Saved:
    catalogue: Catalogue
    warnings: tuple[str, ...]
    fetched_at: datetime
    etag: str | None
    last_modified: str | None


def _read_saved(url: str, cache_dir: Path) -> _Saved | None:
    """The saved copy of ``url`` if there is a readable, valid one."""
    try:
        meta = json.loads(_meta_file(url, cache_dir).read_text(encoding="utf-8"))
        body = cache_file(url, cache_dir).read_bytes()
        fetched_at = datetime.fromisoformat(str(meta["fetched_at"]))
        if meta.get("url") != url or fetched_at.tzinfo is None:
            return None
        catalogue, warnings = parse_source_bytes(body, url)
    except (OSError, ValueError, KeyError, TypeError, CatalogueError):
        return None
    etag, modified = meta.get("etag"), meta.get("last_modified")
    return _Saved(
        catalogue,
        warnings,
        fetched_at,
        etag if isinstance(etag, str) else None,
        modified if isinstance(modified, str) else None,
    )


def _save(url: str, cache_dir: Path, body: bytes, response: requests.Response) -> datetime:
    now = datetime.now(UTC)
    meta = {
        "url": url,
        "fetched_at": now.isoformat(),
        "etag": response.headers.get("ETag"),
        "last_modified": response.headers.get("Last-Modified"),
    }
    write_atomic(cache_file(url, cache_dir), body, mode=0o644)
    write_atomic(_meta_file(url, cache_dir), json.dumps(meta).encode("utf-8"), mode=0o644)
    return now


def _touch_saved(url: str, cache_dir: Path, saved: _Saved) -> datetime:
    """Record that the server confirmed the saved copy is current."""
    now = datetime.now(UTC)
    meta = {
        "url": url,
        "fetched_at": now.isoformat(),
        "etag": saved.etag,
        "last_modified": saved.last_modified,
    }
    with contextlib.suppress(OSError):
        write_atomic(_meta_file(url, cache_dir), json.dumps(meta).encode("utf-8"), mode=0o644)
    return now


def _describe(exc: requests.RequestException) -> str:
    import requests

    if isinstance(exc, requests.exceptions.SSLError):
        return "the secure connection could not be checked (certificate problem)"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"the server did not answer within {CONNECT_TIMEOUT:g} seconds"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return f"the server stopped sending for more than {READ_TIMEOUT:g} seconds"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "the server could not be reached (no network, or the server is down)"
    return f"the download failed ({type(exc).__name__})"


class _FetchError(Exception):
    """The download gave no usable catalogue; the message is the reason, for a person."""


MAX_REDIRECTS = 5


def redirect_allowed(origin: str, target: str) -> bool:
    """A redirect is followed only to an accepted address, and never from https down to
    plain http (a remote server cannot send the launcher to this computer's own ports)."""
    try:
        check_source(target)
    except CatalogueError:
        return False
    return not (urlsplit(origin).scheme == "https" and urlsplit(target).scheme != "https")


def _redirect_target(url: str, location: str) -> str:
    target = urljoin(url, location)
    if not redirect_allowed(url, target):
        raise _FetchError(
            f"the server sent the launcher on to {target}, an address it does not accept"
        )
    return target


def _download(url: str, saved: _Saved | None) -> tuple[bytes | None, requests.Response]:
    """The body at ``url``, or ``None`` when the server says the saved copy is current.

    Redirects are followed by hand so that each address is checked before it is visited.
    """
    import requests

    headers = {"User-Agent": f"course-launcher/{__version__}", "Accept": "*/*"}
    if saved is not None and saved.etag:
        headers["If-None-Match"] = saved.etag
    if saved is not None and saved.last_modified:
        headers["If-Modified-Since"] = saved.last_modified
    for _ in range(MAX_REDIRECTS + 1):
        try:
            with requests.Session() as session:
                # A proxy cannot reach this computer's own addresses.
                session.trust_env = not _is_loopback(urlsplit(url).hostname or "")
                with session.get(
                    url,
                    headers=headers,
                    timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                    stream=True,
                    allow_redirects=False,
                ) as response:
                    if response.is_redirect:
                        url = _redirect_target(url, response.headers["Location"])
                        continue
                    return _body(response, saved), response
        except requests.RequestException as exc:
            raise _FetchError(_describe(exc)) from None
    raise _FetchError("the server redirected too many times")


def _body(response: requests.Response, saved: _Saved | None) -> bytes | None:
    if response.status_code == 304 and saved is not None:
        return None
    if response.status_code != 200:
        status = f"{response.status_code} {response.reason or ''}".rstrip()
        raise _FetchError(f"the server answered {status}")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > MAX_CATALOGUE_BYTES:
            raise _FetchError("the file is too large to be a catalogue")
        chunks.append(chunk)
    return b"".join(chunks)


def _when(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def load_url_catalogue(
    url: str, cache_dir: Path, *, offline: bool = False
) -> tuple[Catalogue, SourceReport, tuple[str, ...]]:
    """The catalogue at ``url`` (downloaded, or the saved copy) and its warnings.

    Raises :class:`CatalogueError` when nothing usable is found.
    """
    url = check_source(url)
    saved = _read_saved(url, cache_dir)
    try:
        if offline:
            raise _FetchError("the launcher is working offline")
        body, response = _download(url, saved)
        if body is None and saved is not None:  # 304 Not Modified
            fetched = _touch_saved(url, cache_dir, saved)
            return saved.catalogue, _report(url, saved.catalogue, False, fetched), saved.warnings
        assert body is not None
        try:
            catalogue, warnings = parse_source_bytes(body, url)
        except CatalogueError as exc:
            mistake = exc.message.rstrip(".")
            raise _FetchError(f"the downloaded file has a mistake ({mistake})") from None
        try:
            fetched = _save(url, cache_dir, body, response)
        except OSError:
            fetched = datetime.now(UTC)  # still usable now; next time it downloads again
        return catalogue, _report(url, catalogue, False, fetched), warnings
    except _FetchError as failure:
        reason = str(failure)
    if saved is None:
        raise CatalogueError(
            f"The course catalogue {url} could not be loaded because {reason}, "
            "and there is no saved copy of it yet.",
            hint="Check the internet connection, then try again.",
        )
    warning = f"Using the copy of {url} saved on {_when(saved.fetched_at)} because {reason}."
    report = _report(url, saved.catalogue, True, saved.fetched_at)
    return saved.catalogue, report, (warning, *saved.warnings)


def _report(
    location: str, catalogue: Catalogue, from_cache: bool, fetched_at: datetime | None
) -> SourceReport:
    kind: SourceKind = "url" if is_url(location) else "file"
    if location == BUNDLED:
        kind = "bundled"
    return SourceReport(location, kind, True, from_cache, fetched_at, catalogue.ids)


def load_catalogues(
    sources: Sequence[str],
    cache_dir: Path,
    *,
    include_bundled: bool = True,
    strict: bool = False,
    offline: bool = False,
) -> LoadedCatalogue:
    """Every course from the bundled catalogue (first) and ``sources`` (in order).

    ``offline=True`` uses saved copies of addresses without touching the network.
    """
    if strict:
        for source in sources:
            check_source(source)  # a mistake in what was asked for: fail before any download
    catalogues: list[Catalogue] = []
    warnings: list[str] = []
    reports: list[SourceReport] = []
    if include_bundled:
        bundled = load_catalogue_file(resource_path("catalogue.toml"))
        catalogues.append(bundled)
        reports.append(_report(BUNDLED, bundled, False, None))
    for given in sources:
        source = given.strip()
        try:
            source = check_source(source)
            if is_url(source):
                catalogue, report, notes = load_url_catalogue(source, cache_dir, offline=offline)
            else:
                path = Path(source).expanduser()
                catalogue, notes = parse_source_bytes(read_catalogue_file(path), str(path))
                report = _report(source, catalogue, False, None)
            warnings.extend(notes)
        except CatalogueError as exc:
            if strict:
                raise
            warnings.append(exc.message)
            kind: SourceKind = "url" if is_url(source) else "file"
            reports.append(SourceReport(redact_login(source), kind, loaded=False))
            continue
        catalogues.append(catalogue)
        reports.append(report)
    return LoadedCatalogue(
        merge_catalogues(catalogues),
        tuple(warnings),
        tuple(reports),
        tuple(redefinitions(catalogues)),
    )
