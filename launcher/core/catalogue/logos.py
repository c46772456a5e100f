"""Course icons from the catalogue's ``logo`` key, kept for offline use.

A logo is an https:// address, or a path relative to the catalogue it came from (a
file next to a catalogue file, or an address next to a catalogue address). Each is
fetched once and copied into the launcher's cache (``<cache>/logos``); afterwards the
copy is used, with no network. A logo is at most ``MAX_LOGO_BYTES`` and must be a
PNG or JPEG whose header says at most ``MAX_LOGO_SIDE`` pixels a side: anything else
is left out (and logged), never shown. The window decodes the copy once more, with
Qt's own limits, before it draws it.
"""

from __future__ import annotations

import hashlib
import logging
import struct
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from launcher.core.catalogue.model import Course
from launcher.core.catalogue.tables import is_loopback_host
from launcher.core.local.files import write_atomic

log = logging.getLogger(__name__)

MAX_LOGO_BYTES = 256 * 1024
MAX_LOGO_SIDE = 1024
TIMEOUT = (3.0, 10.0)
FOLDER = "logos"
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


def logo_location(course: Course) -> str | None:
    """The logo's address, or its file's path, resolved against the catalogue's."""
    logo, source = course.logo, course.source
    if logo is None:
        return None
    if "://" in logo:
        return logo
    if "://" in source:
        return urljoin(source, logo)  # next to the catalogue's address
    if not source:
        return None
    folder = Path(source).parent.resolve()
    path = (folder / logo).resolve()
    return str(path) if path.is_relative_to(folder) else None  # no link out of the folder


def image_kind(data: bytes) -> str | None:
    """``"png"`` or ``"jpeg"`` for an image the launcher will show, else None."""
    if len(data) > MAX_LOGO_BYTES:
        return None
    if data.startswith(_PNG) and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "png" if 0 < width <= MAX_LOGO_SIDE and 0 < height <= MAX_LOGO_SIDE else None
    if data.startswith(_JPEG) and data.endswith(b"\xff\xd9"):
        size = _jpeg_size(data)
        fits = size is not None and min(size) > 0 and max(size) <= MAX_LOGO_SIDE
        return "jpeg" if fits else None
    return None


_SOF = frozenset({*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), *range(0xCD, 0xD0)})


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from the JPEG's frame header (the segments before it walked)."""
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if length < 2 or marker in (0xD9, 0xDA):  # no frame header before the picture
            return None
        if marker in _SOF and at + 9 <= len(data):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None


def cache_path(location: str, cache_dir: Path) -> Path:
    return cache_dir / FOLDER / f"{hashlib.sha256(location.encode('utf-8')).hexdigest()[:24]}.img"


def _secure(url: str) -> bool:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(host))


def _download(url: str) -> bytes | None:
    if not _secure(url):
        log.info("logo %s refused: https:// needed", url)
        return None
    try:
        with requests.Session() as session:
            session.trust_env = not is_loopback_host(urlsplit(url).hostname or "")  # no proxy
            with session.get(url, timeout=TIMEOUT, stream=True) as response:
                if response.status_code != 200 or not _secure(response.url):
                    log.info("logo %s not fetched: HTTP %s", url, response.status_code)
                    return None
                body = b""
                for chunk in response.iter_content(64 * 1024):
                    body += chunk
                    if len(body) > MAX_LOGO_BYTES:
                        log.info("logo %s refused: over %d bytes", url, MAX_LOGO_BYTES)
                        return None
                return body
    except requests.RequestException as exc:
        log.info("logo %s not fetched: %s", url, exc)
        return None


def _read_file(path: Path) -> bytes | None:
    try:
        with path.open("rb") as stream:
            return stream.read(MAX_LOGO_BYTES + 1)
    except OSError as exc:
        log.info("logo %s not read: %s", path, exc.strerror)
        return None


def course_logo(course: Course, cache_dir: Path) -> Path | None:
    """The cached copy of the course's logo, fetched first if there is none yet."""
    location = logo_location(course)
    if location is None:
        return None
    cached = cache_path(location, cache_dir)
    if cached.is_file():
        return cached
    data = _download(location) if "://" in location else _read_file(Path(location))
    if data is None or image_kind(data) is None:
        if data is not None:
            log.info("logo of %s is not a PNG or JPEG the launcher shows", course.id)
        return None
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(cached, data, mode=0o644)
    except OSError as exc:
        log.info("logo of %s not kept: %s", course.id, exc.strerror)
        return None
    return cached


def course_logos(courses: Iterable[Course], cache_dir: Path) -> dict[str, Path]:
    """Course id → its logo's cached copy, for the courses that have a usable one."""
    found: dict[str, Path] = {}
    for course in courses:
        path = course_logo(course, cache_dir)
        if path is not None:
            found[course.id] = path
    return found
