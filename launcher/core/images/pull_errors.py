"""The errors a download of a course image can end in, with messages for a student.

Shared by the registry client (:mod:`launcher.core.images.registry`) and the pull-event
aggregator (:mod:`launcher.core.images.pull_progress`), so the same problem reads the same
whichever of them meets it first. :func:`engine_pull_error` classifies the text of an
``error``/``errorDetail`` the engine sends inside a pull stream (or in an API error).
"""

from __future__ import annotations

from launcher.core.errors import (
    DiskFull,
    ImageNotFound,
    ImageReferenceError,
    LauncherError,
    PullFailed,
    RateLimited,
    RegistryAccessDenied,
    RegistryUnreachable,
)
from launcher.core.images.reference import ImageReference
from launcher.core.text import human_size

PRUNE_COMMAND = "course-launcher images --prune"
KEPT = "The parts already downloaded are kept, so a retry continues where this one stopped."
RATE_LIMIT_HINT = (
    "Wait a few hours and press Retry, or sign in to Docker Hub (Docker Desktop > Sign in), "
    "which raises the limit. Your tutor can also give you the course image as a file to import."
)
_NETWORK_REASONS = (
    ("connection refused", "nothing answers at that address"),
    ("no such host", "the name is unknown: no network, or a typo"),
    ("name or service not known", "the name is unknown: no network, or a typo"),
    ("nodename nor servname", "the name is unknown: no network, or a typo"),
    ("getaddrinfo failed", "the name is unknown: no network, or a typo"),
    ("temporary failure in name resolution", "no network, or the name is unknown"),
    ("network is unreachable", "no network"),
    ("no route to host", "no network route to it"),
    ("tls handshake", "its secure connection could not be set up"),
    ("x509", "its secure connection could not be checked"),
    ("timeout", "no answer in time"),
    ("timed out", "no answer in time"),
    ("connection reset", "the connection was cut"),
    ("broken pipe", "the connection was cut"),
    ("unexpected eof", "the connection was cut"),
)
_NOT_FOUND_WORDS = (
    "manifest unknown", "not found", "does not exist", "name unknown", "pull access denied",
)  # fmt: skip
_DENIED_WORDS = ("unauthorized", "authentication required", "denied", "forbidden")


def network_reason(text: str) -> str | None:
    """Why a connection failed, in words, from an error text (Python's or the engine's)."""
    lowered = text.lower()
    return next((reason for words, reason in _NETWORK_REASONS if words in lowered), None)


def unreachable(server: str, reason: str = "") -> RegistryUnreachable:
    where = f": {server}" if server else ""
    detail = f" ({reason})" if reason else ""
    return RegistryUnreachable(
        f"The course image server could not be reached{where}{detail}.",
        "Check that this computer is online (open any web page), then press Retry. "
        "On a school or work network a firewall may block it; try another network. " + KEPT,
    )


def rate_limited(limit: int | None = None, retry_after: str | None = None) -> RateLimited:
    amount = f" of {limit} image downloads" if limit else ""
    wait = f" It resets in about {retry_after} seconds." if retry_after else ""
    return RateLimited(
        f"Docker Hub's download limit{amount} for this network has been reached, so the "
        f"course image cannot be downloaded right now.{wait}",
        RATE_LIMIT_HINT,
    )


def access_denied(image: str, had_credentials: bool) -> RegistryAccessDenied:
    if had_credentials:
        return RegistryAccessDenied(
            f"The course image server refused the saved login for {image}.",
            "Check the user name and password (or token) for this server in the launcher's "
            "settings, then press Retry.",
        )
    return RegistryAccessDenied(
        f"The course image {image} could not be downloaded: it does not exist, or it needs "
        "a login to download.",
        "Check the image name with your tutor. If your course gave you a login for this "
        "server, add it in the launcher's settings, then press Retry.",
    )


def image_not_found(image: str) -> ImageNotFound:
    return ImageNotFound(
        f"The course image {image} was not found on its server.",
        "The course catalogue may name an image that has not been published yet, or was "
        "removed. Ask your tutor which version to use, or update the catalogue.",
    )


def disk_full(still_to_download: int | None, download_total: int | None = None) -> DiskFull:
    needed, needed_bytes = "", still_to_download or None
    if still_to_download:
        needed = (
            f" It needs at least {human_size(still_to_download)} more (what is left to "
            "download; unpacked, the image takes up to about twice that)."
        )
    elif download_total:  # everything was downloaded; unpacking it ran out of space
        # While it unpacks, the download and the unpacked files (about 2.5 times the
        # download for course images) are both on the disk.
        needed_bytes = download_total * 7 // 2
        needed = (
            f" Downloading and unpacking it needs about {human_size(needed_bytes)} of free "
            f"space (the download is {human_size(download_total)}, and unpacked it takes "
            "about two and a half times that)."
        )
    return DiskFull(
        f"There is not enough free disk space for the course image.{needed}",
        "Free some space (empty the recycle bin; remove the course images you no longer use "
        f"with: {PRUNE_COMMAND}), then press Retry. " + KEPT,
        needed_bytes=needed_bytes,
    )


def plain_http_not_allowed(server: str) -> PullFailed:
    """The engine asked for HTTPS and the server answered in plain HTTP. Docker allows
    plain HTTP on loopback by itself; Podman only for servers its registries.conf
    marks insecure."""
    name = server or "the course image server"
    return PullFailed(
        f"The course image server {name} answers only in plain HTTP, and this Docker "
        "engine is not set to allow that for it.",
        "Ask your tutor whether the server has an HTTPS address. To allow this one: with "
        f'Podman, add [[registry]] location = "{name}" insecure = true to registries.conf; '
        f'with Docker, add "{name}" to "insecure-registries" in daemon.json. Then restart '
        "the engine and press Retry.",
    )


def _server_of(image: str) -> str:
    try:
        return ImageReference.parse(image).registry
    except ImageReferenceError:
        return ""


def engine_pull_error(
    message: str,
    image: str = "the course image",
    still_to_download: int | None = None,
    download_total: int | None = None,
) -> LauncherError:
    """The typed error for an engine's pull error text (``error`` / ``errorDetail``)."""
    text = message.lower()
    if "no space left on device" in text or "disk quota exceeded" in text:
        return disk_full(still_to_download, download_total)
    if "toomanyrequests" in text or "rate limit" in text:
        return rate_limited()
    if "http response to https client" in text:
        return plain_http_not_allowed(_server_of(image))
    reason = network_reason(text)
    if reason is not None or "dial tcp" in text:
        return unreachable(_server_of(image), reason or "the connection failed")
    if any(word in text for word in _NOT_FOUND_WORDS):
        return image_not_found(image)
    if any(word in text for word in _DENIED_WORDS):
        return access_denied(image, had_credentials=False)
    return PullFailed(
        f"Downloading {image} failed: {message.strip()[:300]}",
        "Press Retry. If it fails again, send the launcher's support bundle to your tutor. " + KEPT,
    )
