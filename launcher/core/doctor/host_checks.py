"""Doctor checks about this computer rather than the engine: where tokens live, the
catalogue sources, the clock and proxy variables. See :mod:`launcher.core.doctor.engine_checks`."""

from __future__ import annotations

import ipaddress
import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from launcher.core.catalogue.sources import (
    BUNDLED,
    SourceReport,
    is_url,
    load_catalogues,
)
from launcher.core.context import LauncherContext
from launcher.core.doctor.check import Check
from launcher.core.errors import CatalogueError, ImageReferenceError, SecretStoreError
from launcher.core.images.reference import ImageReference
from launcher.core.images.registry_auth import base_url, is_loopback
from launcher.core.local.resources import resource_path
from launcher.core.local.secrets import BACKEND_VARIABLE, FileSecretStore, SecretStore
from launcher.core.redaction import redact_login

SECRET_PROBE = "course-launcher-doctor"  # noqa: S105 - a key name, never a token
MAX_SKEW_SECONDS = 300
CLOCK_TIMEOUT = (2.0, 3.0)  # connect, read
CLOCK_DEADLINE = 8.0  # seconds for every server tried together
CLOCK_TRIES = 4
FALLBACK_TIME_SERVER = "https://registry-1.docker.io/v2/"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
LOCAL_NAMES = ("localhost", "127.0.0.1")


# --- where tokens live -------------------------------------------------------------------


def check_secret_store(store: SecretStore, environ: Mapping[str, str] | None = None) -> Check:
    """Where tokens are kept; a warning when that is the file because no keyring works."""
    env = os.environ if environ is None else environ
    try:
        store.get(SECRET_PROBE)  # makes a locked or broken keyring show itself
    except SecretStoreError as exc:
        return Check("secrets.backend", "error", exc.message, exc.hint)
    chosen_file = env.get(BACKEND_VARIABLE, "").strip().lower() == "file"
    keyring_fix = (
        "Install or unlock a system keyring (GNOME Keyring or KWallet on Linux), then restart "
        f"the launcher; or set {BACKEND_VARIABLE}=file to keep the file on purpose."
    )
    if store.notice:
        return Check("secrets.backend", "warning", store.notice, keyring_fix)
    if isinstance(store, FileSecretStore) and not chosen_file:
        return Check("secrets.backend", "warning", store.location, keyring_fix)
    return Check("secrets.backend", "ok", store.location)


# --- catalogue sources -------------------------------------------------------------------


def _source_key(source: str) -> str:
    source = source.strip()
    return source if is_url(source) else str(Path(source).expanduser().absolute())


def catalogue_sources(launcher: LauncherContext) -> list[str]:
    """The remembered sources, then any other the courses came from (``--catalogue``)."""
    bundled = _source_key(str(resource_path("catalogue.toml")))
    sources = list(launcher.settings.catalogue_sources)
    seen = {_source_key(source) for source in sources} | {bundled}
    for course in launcher.catalogue:
        if course.source and _source_key(course.source) not in seen:
            seen.add(_source_key(course.source))
            sources.append(course.source)
    return sources


def check_catalogue_source(number: int, report: SourceReport, warnings: Sequence[str]) -> Check:
    check_id = f"catalogue.{number}.source"
    location = redact_login(report.location)
    said = warnings[0] if warnings else ""
    if not report.loaded:
        return Check(
            check_id,
            "error",
            said or f"The course catalogue {location} could not be loaded.",
            "Check the address or file; if it is no longer used, forget it with: "
            f"course-launcher catalogues --remove {location}",
        )
    if report.from_cache:
        return Check(
            check_id,
            "warning",
            said or f"Only the saved copy of {location} could be used.",
            "Check the internet connection. The saved copy is used until the catalogue can be "
            "downloaded again, so new courses and updates may be missing.",
        )
    where = (
        "The catalogue that comes with the launcher"
        if report.kind == "bundled"
        else f"The catalogue {location}"
        + (" (downloaded just now)" if report.kind == "url" else "")
    )
    count = len(report.course_ids)
    ids = f": {', '.join(report.course_ids)}" if count else ""
    return Check(check_id, "ok", f"{where} offers {count} course{'s' * (count != 1)}{ids}.")


def catalogue_checks(launcher: LauncherContext) -> list[Check]:
    cache = launcher.paths.catalogue_cache
    try:
        bundled = load_catalogues([], cache).sources[0]
    except CatalogueError as exc:
        bundled = SourceReport(BUNDLED, "bundled", loaded=False)
        checks = [check_catalogue_source(0, bundled, [exc.message])]
    else:
        checks = [check_catalogue_source(0, bundled, [])]
    for number, source in enumerate(catalogue_sources(launcher), start=1):
        loaded = load_catalogues([source], cache, include_bundled=False)
        checks.append(check_catalogue_source(number, loaded.sources[0], loaded.warnings))
    return checks


# --- the clock --------------------------------------------------------------------------


def _minutes(seconds: float) -> str:
    minutes = abs(seconds) / 60
    if minutes < 120:
        return f"{minutes:.0f} min"
    hours = minutes / 60
    return f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.0f} days"


def check_clock(host_skew: float | None, reference: str | None, engine_skew: float | None) -> Check:
    """``host_skew``: this computer's clock minus ``reference``'s (seconds); ``engine_skew``:
    Docker's clock minus this computer's. None: not measured."""
    if host_skew is not None and abs(host_skew) > MAX_SKEW_SECONDS:
        way = "ahead of" if host_skew > 0 else "behind"
        return Check(
            "clock.skew",
            "warning",
            f"This computer's clock is {_minutes(host_skew)} {way} the time at {reference}: "
            "secure (https) connections may fail with certificate errors.",
            "Turn on 'Set the time automatically' in the date and time settings, then try again.",
        )
    if engine_skew is not None and abs(engine_skew) > MAX_SKEW_SECONDS:
        way = "ahead of" if engine_skew > 0 else "behind"
        return Check(
            "clock.skew",
            "warning",
            f"Docker's clock is {_minutes(engine_skew)} {way} this computer's: downloads of "
            "course images may fail with certificate errors.",
            "Restart Docker Desktop (its clock can stop while the computer sleeps).",
        )
    if host_skew is None:
        summary = "The clock was not compared with a server: none answered (offline?)"
    else:
        summary = f"This computer's clock agrees with {reference} (within {abs(host_skew):.0f} s)"
    if engine_skew is not None:
        summary += ", and Docker's clock agrees with this computer's"
    return Check("clock.skew", "ok", summary + ".")


def time_servers(launcher: LauncherContext) -> list[str]:
    """Servers whose ``Date`` header is worth comparing with: the registries of the
    courses in use first, then the other courses', the https catalogues, Docker Hub."""
    used = [c for c in launcher.catalogue if c.id in launcher.settings.courses]
    urls: list[str] = []
    for course in [*used, *launcher.catalogue]:
        try:
            registry = ImageReference.parse(course.image).registry
        except ImageReferenceError:
            continue
        urls.append(f"{base_url(registry)}/v2/")
    urls += [s for s in catalogue_sources(launcher) if s.lower().startswith("https://")]
    urls.append(FALLBACK_TIME_SERVER)
    return list(dict.fromkeys(urls))


def server_clock_skew(url: str) -> float | None:
    """This computer's clock minus the server's (from its ``Date`` header), or None."""
    with requests.Session() as session:
        session.trust_env = not is_loopback(urlsplit(url).netloc)
        before = time.time()
        try:
            response = session.head(url, timeout=CLOCK_TIMEOUT, allow_redirects=False)
        except requests.RequestException:
            return None
        after = time.time()
    try:
        server = parsedate_to_datetime(response.headers.get("Date", ""))
    except (TypeError, ValueError):
        return None
    # The header has whole seconds: compare with the middle of the request, plus half a second.
    return (before + after) / 2 - (server.timestamp() + 0.5)


def parse_engine_time(text: str) -> datetime | None:
    """The engine's ``SystemTime`` (RFC 3339, nanoseconds) as a datetime."""
    match = re.fullmatch(r"(.+?T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text.strip())
    if not match:
        return None
    stamp, fraction, zone = match.groups()
    fraction = f".{fraction[:6]}" if fraction else ""
    try:
        return datetime.fromisoformat(stamp + fraction + ("+00:00" if zone == "Z" else zone))
    except ValueError:
        return None


def _engine_skew(launcher: LauncherContext) -> float | None:
    engine = launcher.connected_engine
    if engine is None:
        return None
    before = time.time()
    info: Mapping[str, Any] = engine.client.info()
    after = time.time()
    engine_time = parse_engine_time(str(info.get("SystemTime", "")))
    return None if engine_time is None else engine_time.timestamp() - (before + after) / 2


def _first_answer(urls: Sequence[str]) -> Iterator[tuple[str, float]]:
    started = time.monotonic()
    for url in urls[:CLOCK_TRIES]:
        if time.monotonic() - started > CLOCK_DEADLINE:
            return
        skew = server_clock_skew(url)
        if skew is not None:
            yield url, skew
            return


def clock_check(launcher: LauncherContext) -> Check:
    answered = next(_first_answer(time_servers(launcher)), None)
    reference = urlsplit(answered[0]).netloc if answered else None
    return check_clock(answered[1] if answered else None, reference, _engine_skew(launcher))


# --- proxies ----------------------------------------------------------------------------


def _variable(environ: Mapping[str, str], name: str) -> str:
    return (environ.get(name) or environ.get(name.lower()) or "").strip()


def no_proxy_covers(no_proxy: str, host: str) -> bool:
    """Whether a NO_PROXY value keeps ``host`` (a name or an IP address) off the proxy."""
    for entry in re.split(r"[,\s]+", no_proxy.strip()):
        entry = entry.strip().lower()
        if entry in ("*", host):
            return True
        if "/" in entry:
            try:
                if ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
    return False


def check_proxy(environ: Mapping[str, str], engine_info: Mapping[str, Any] | None = None) -> Check:
    proxies = {name: value for name in PROXY_VARIABLES if (value := _variable(environ, name))}
    no_proxy = _variable(environ, "NO_PROXY")
    info = engine_info or {}
    engine_proxy = str(info.get("HttpsProxy") or info.get("HttpProxy") or "")
    docker_note = (
        f" Docker itself downloads through {redact_login(engine_proxy)}." if engine_proxy else ""
    )
    if not proxies:
        return Check(
            "network.proxy",
            "ok",
            "No proxy is set for the launcher (HTTP_PROXY, HTTPS_PROXY)." + docker_note,
        )
    shown = "; ".join(f"{name}={redact_login(value)}" for name, value in proxies.items())
    missing = [host for host in LOCAL_NAMES if not no_proxy_covers(no_proxy, host)]
    if missing:
        wanted = ",".join([*LOCAL_NAMES, *([no_proxy] if no_proxy else [])])
        return Check(
            "network.proxy",
            "warning",
            f"A proxy is set ({shown}) but NO_PROXY does not list {' or '.join(missing)}: "
            "the launcher's checks of a running environment would go to the proxy and fail.",
            f"Add this computer's own addresses to NO_PROXY, e.g. NO_PROXY={wanted}",
        )
    return Check(
        "network.proxy",
        "ok",
        f"A proxy is set ({shown}); NO_PROXY={no_proxy} keeps this computer's own addresses "
        "away from it." + docker_note,
        "If downloads fail, check the proxy address with whoever looks after your network.",
    )


def proxy_check(engine_info: Mapping[str, Any]) -> Check:
    return check_proxy(os.environ, engine_info)
