"""Find the Docker engine on the student's computer, or say plainly that there is none.

Order (the first that answers wins): ``explicit`` (the engine setting or ``--engine``;
when given it is the *only* address tried, because quietly using another engine would
put containers and images elsewhere, which looks like lost work); ``DOCKER_HOST`` with
``DOCKER_TLS_VERIFY``/``DOCKER_CERT_PATH`` read as ``docker.from_env`` reads them; the
Docker CLI's current context (``DOCKER_CONTEXT``, else ``currentContext`` in
``$DOCKER_CONFIG`` or ``~/.docker/config.json``; ``default`` skipped; the store is read
here, not through ``docker.context.ContextAPI``, because that reads the process's own
environment and home, which this module takes as arguments); well-known sockets.

``tried`` names every configured address (even with no socket file) and every
well-known one whose socket file exists (named pipes cannot be checked without
connecting, so they are always tried). Missing well-known sockets are guesses: they
cost nothing and are not listed. ``deadline`` bounds the whole search.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import socket
import ssl
import stat
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests
import urllib3.exceptions
from docker.tls import TLSConfig

from launcher.core.errors import EngineUnavailable

log = logging.getLogger(__name__)

DOCKER_DESKTOP_URL = "https://www.docker.com/products/docker-desktop/"
PERMISSION_DENIED = "permission denied"
_MIN_API = "1.24"
_UNIX_PREFIXES = ("unix://", "http+unix://")


@dataclass(frozen=True)
class Candidate:
    """An address where an engine might answer, and how the launcher came to it."""

    address: str
    found_by: str
    configured: bool = False  # named by a setting, DOCKER_HOST or a context
    tls: Any = False  # bool or docker.tls.TLSConfig
    problem: str = ""  # set when the address could not even be worked out


@dataclass(frozen=True)
class Attempt:
    address: str
    found_by: str
    reason: str


@dataclass(frozen=True)
class EngineInfo:
    engine_version: str
    api_version: str
    os_type: str  # "linux" or "windows"
    architecture: str  # docker platform style: "amd64", "arm64" …
    operating_system: str  # e.g. "Docker Desktop", "Debian GNU/Linux 12 (bookworm)"
    kernel_version: str
    total_memory: int | None  # bytes
    cpus: int | None
    product: str | None  # "Docker Desktop 4.23.0 (120376)", "Podman 4.9.4" …

    @classmethod
    def from_api(
        cls, version: Mapping[str, Any], info: Mapping[str, Any] | None = None
    ) -> EngineInfo:
        """Parse the engine's ``/version`` and (optional) ``/info`` answers."""
        info = info or {}
        memory, cpus = info.get("MemTotal"), info.get("NCPU")
        return cls(
            engine_version=str(version.get("Version", "")),
            api_version=str(version.get("ApiVersion", "")),
            os_type=str(version.get("Os") or info.get("OSType") or ""),
            architecture=normalise_architecture(
                str(version.get("Arch") or info.get("Architecture") or "")
            ),
            operating_system=str(info.get("OperatingSystem", "")),
            kernel_version=str(version.get("KernelVersion") or info.get("KernelVersion") or ""),
            total_memory=memory if isinstance(memory, int) and memory > 0 else None,
            cpus=cpus if isinstance(cpus, int) and cpus > 0 else None,
            product=_product(version, info),
        )


@dataclass
class Engine:
    """A connected engine: the SDK client plus where it was found and what it is."""

    client: Any  # docker.DockerClient
    address: str
    found_by: str
    info: EngineInfo
    tried: tuple[Attempt, ...] = ()  # addresses that failed before this one answered

    def close(self) -> None:
        self.client.close()


class NoEngineFound(EngineUnavailable):
    """No engine answered; ``tried`` says where the launcher looked and why each failed."""

    def __init__(self, message: str, hint: str, tried: tuple[Attempt, ...]) -> None:
        super().__init__(message, hint)
        self.tried = tried


_ARCHITECTURES = {
    **dict.fromkeys(("x86_64", "x86-64", "x64"), "amd64"),
    **dict.fromkeys(("aarch64", "armv8", "armv8l"), "arm64"),
    **dict.fromkeys(("armv7l", "armv7", "armhf", "armv6l"), "arm"),
    **dict.fromkeys(("i386", "i686", "x86"), "386"),
}


def normalise_architecture(arch: str) -> str:
    """``x86_64`` → ``amd64``, ``aarch64`` → ``arm64``: the names image platforms use."""
    key = arch.strip().lower()
    return _ARCHITECTURES.get(key, key)


def _product(version: Mapping[str, Any], info: Mapping[str, Any]) -> str | None:
    for component in version.get("Components") or []:
        name = str(component.get("Name", "")) if isinstance(component, Mapping) else ""
        if "podman" in name.lower():
            return f"Podman {component.get('Version', '')}".strip()
    platform = version.get("Platform")
    name = str(platform.get("Name", "")) if isinstance(platform, Mapping) else ""
    if name and not re.match(r"^[a-z0-9]+/[a-z0-9_]+(/|$)", name):  # not "linux/amd64/…"
        return name
    operating_system = str(info.get("OperatingSystem", ""))
    for known in ("Docker Desktop", "Rancher Desktop"):
        if operating_system.startswith(known):
            return known
    return None


def engine_candidates(
    explicit: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
    platform: str | None = None,
    root: Path | None = None,
) -> list[Candidate]:
    """Addresses to try, in order, without duplicates. ``root`` prefixes system paths."""
    if explicit and explicit.strip():
        return [Candidate(explicit.strip(), "setting", configured=True)]
    env = os.environ if environ is None else environ
    home = Path.home() if home is None else home
    plat = sys.platform if platform is None else platform
    found: list[Candidate] = []
    host = env.get("DOCKER_HOST", "").strip()
    if host:
        found.append(Candidate(host, "DOCKER_HOST", configured=True, tls=_env_tls(env, home)))
    context = _context_candidate(env, home)
    if context is not None:
        found.append(context)
    found.extend(_well_known(env, home, plat, Path("/") if root is None else root))
    unique: dict[str, Candidate] = {}
    for candidate in found:
        unique.setdefault(_key(candidate.address), candidate)
    return list(unique.values())


def _key(address: str) -> str:
    path = _unix_path(address)
    return f"unix://{os.path.normpath(path)}" if path is not None else address.rstrip("/")


def _unix_path(address: str) -> str | None:
    for prefix in _UNIX_PREFIXES:
        if address.startswith(prefix):
            return "/" + address[len(prefix) :].strip("/")  # as the SDK's parse_host reads it
    return None


def _env_tls(env: Mapping[str, str], home: Path) -> Any:
    """TLS settings from the environment, read exactly as ``kwargs_from_env`` reads them."""
    cert_path = env.get("DOCKER_CERT_PATH") or None
    verify_value = env.get("DOCKER_TLS_VERIFY")
    verify = verify_value is not None and verify_value != ""
    if not (cert_path or verify):
        return False
    folder = Path(cert_path) if cert_path else home / ".docker"
    return TLSConfig(
        client_cert=(str(folder / "cert.pem"), str(folder / "key.pem")),
        ca_cert=str(folder / "ca.pem"),
        verify=verify,
    )


def _context_candidate(env: Mapping[str, str], home: Path) -> Candidate | None:
    config_dir = Path(env["DOCKER_CONFIG"]) if env.get("DOCKER_CONFIG") else home / ".docker"
    name = env.get("DOCKER_CONTEXT", "").strip()
    if not name:
        try:
            config = json.loads((config_dir / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # like the docker CLI and SDK: no readable config means "default"
        current = config.get("currentContext") if isinstance(config, dict) else None
        name = current.strip() if isinstance(current, str) else ""
    if not name or name == "default":
        return None
    label = f"context {name}"
    context_id = hashlib.sha256(name.encode("utf-8")).hexdigest()
    meta_file = config_dir / "contexts" / "meta" / context_id / "meta.json"
    try:
        endpoint = json.loads(meta_file.read_text(encoding="utf-8"))["Endpoints"]["docker"]
        host = str(endpoint["Host"])
    except (OSError, ValueError, KeyError, TypeError):
        return Candidate(
            label, label, configured=True, problem="the Docker CLI has no settings for it"
        )
    tls: Any = False
    tls_dir = config_dir / "contexts" / "tls" / context_id / "docker"
    if tls_dir.is_dir():
        cert, key, ca = tls_dir / "cert.pem", tls_dir / "key.pem", tls_dir / "ca.pem"
        tls = TLSConfig(
            client_cert=(str(cert), str(key)) if cert.is_file() and key.is_file() else None,
            ca_cert=str(ca) if ca.is_file() else None,
            verify=not endpoint.get("SkipTLSVerify", False),
        )
    return Candidate(host, label, configured=True, tls=tls)


# (platforms, address, found_by): "~" is the home folder, "$XDG" is $XDG_RUNTIME_DIR,
# other absolute paths are under ``root`` (``/`` except in tests).
_WELL_KNOWN = (
    ("win32", "npipe:////./pipe/docker_engine", "Docker Desktop"),
    ("win32", "npipe:////./pipe/dockerDesktopLinuxEngine", "Docker Desktop"),
    ("win32", "npipe:////./pipe/podman-machine-default", "Podman"),
    ("darwin", "~/.docker/run/docker.sock", "Docker Desktop"),
    ("linux", "~/.docker/desktop/docker.sock", "Docker Desktop"),
    ("linux", "/var/run/docker.sock", "default socket"),
    ("linux", "$XDG/docker.sock", "rootless Docker"),
    ("darwin linux", "~/.colima/default/docker.sock", "Colima"),
    ("darwin linux", "~/.colima/docker.sock", "Colima"),
    ("darwin linux", "~/.rd/docker.sock", "Rancher Desktop"),
    ("linux", "$XDG/podman/podman.sock", "Podman"),
    ("linux", "/run/podman/podman.sock", "Podman"),
    ("darwin", "~/.local/share/containers/podman/machine/podman.sock", "Podman"),
    ("darwin", "~/.local/share/containers/podman/machine/qemu/podman.sock", "Podman"),
    ("darwin", "/var/run/docker.sock", "default socket"),
)


def _well_known(env: Mapping[str, str], home: Path, plat: str, root: Path) -> list[Candidate]:
    plat = plat if plat in ("win32", "darwin") else "linux"
    bases = {
        "~": home,
        "$XDG": Path(env["XDG_RUNTIME_DIR"]) if env.get("XDG_RUNTIME_DIR") else None,
    }
    found = []
    for platforms, address, found_by in _WELL_KNOWN:
        if plat not in platforms.split():
            continue
        if not address.startswith("npipe:"):
            first, _, rest = address.partition("/")
            base = bases.get(first, root if first == "" else None)
            if base is None:
                continue
            address = f"unix://{(base / rest).as_posix()}"
        found.append(Candidate(address, found_by))
    return found


def find_engine(
    explicit: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
    platform: str | None = None,
    connect_timeout: float = 1.0,
    deadline: float = 1.8,
    request_timeout: float = 120.0,
    root: Path | None = None,
) -> Engine:
    """Connect to the first engine that answers; raise :class:`NoEngineFound` otherwise.

    ``connect_timeout`` bounds each address, ``deadline`` the whole search; the client
    handed back uses ``request_timeout`` for later calls.
    """
    plat = sys.platform if platform is None else platform
    started = time.monotonic()
    tried: list[Attempt] = []
    seen: set[str] = set()
    for candidate in engine_candidates(
        explicit, environ=environ, home=home, platform=plat, root=root
    ):
        reason = _precheck(candidate, seen)
        remaining = deadline - (time.monotonic() - started)
        if reason == "" and remaining < 0.05:
            reason = "not tried: the search ran out of time"
        elif reason == "":
            timeout = min(connect_timeout, remaining)
            try:
                client, version, info = _connect(candidate, timeout)
            except Exception as exc:  # any failure here is a reason, never a traceback
                log.debug("no engine at %s", candidate.address, exc_info=True)
                reason = explain_connection_error(exc, timeout)
            else:
                client.api.timeout = request_timeout
                log.info("Docker engine at %s (%s)", candidate.address, candidate.found_by)
                engine_info = EngineInfo.from_api(version, info)
                return Engine(
                    client, candidate.address, candidate.found_by, engine_info, tuple(tried)
                )
        if reason is not None:
            tried.append(Attempt(candidate.address, candidate.found_by, reason))
    raise _no_engine(tuple(tried), plat, explicit)


def _precheck(candidate: Candidate, seen: set[str]) -> str | None:
    """None: skip quietly; "": go ahead and connect; otherwise the reason it failed."""
    if candidate.problem:
        return candidate.problem
    path = _unix_path(candidate.address)
    if path is None:
        return ""
    try:
        mode = Path(path).stat().st_mode
    except FileNotFoundError:
        return "no such socket (is it running?)" if candidate.configured else None
    except PermissionError:
        return PERMISSION_DENIED
    except OSError as exc:
        return exc.strerror or str(exc)
    if not stat.S_ISSOCK(mode):
        return "exists but is not a socket"
    real = os.path.realpath(path)
    if real in seen:
        return None  # a symlink to a socket already tried (e.g. /var/run/docker.sock on macOS)
    seen.add(real)
    return ""


def _connect(candidate: Candidate, timeout: float) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    path = _unix_path(candidate.address)
    if path is not None and hasattr(socket, "AF_UNIX"):
        # Knock first: the SDK leaks its socket when connect fails (docker/docker-py#3356).
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as knock:
            knock.settimeout(timeout)
            knock.connect(path)
    # The unversioned /version answers on every engine, so it serves as the ping and
    # tells which API version to speak before the real client is made.
    probe = docker.APIClient(
        base_url=candidate.address, tls=candidate.tls, timeout=timeout, version=_MIN_API
    )
    try:
        version: dict[str, Any] = probe.version(api_version=False)
    except ValueError as exc:  # not JSON
        raise _NotAnEngineError("it answered, but not like a Docker engine") from exc
    finally:
        probe.close()
    if not isinstance(version, dict) or not version.get("ApiVersion"):
        raise _NotAnEngineError("it answered, but not like a Docker engine")
    client = docker.DockerClient(
        base_url=candidate.address,
        tls=candidate.tls,
        timeout=timeout,
        version=str(version["ApiVersion"]),
    )
    try:
        client.ping()
        try:
            info: dict[str, Any] = client.info()
        except docker.errors.APIError:
            info = {}
    except BaseException:
        client.close()
        raise
    return client, version, info


class _NotAnEngineError(Exception):
    pass


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps (causes, contexts, urllib3 reasons, args)."""
    queue, seen = [exc], set[int]()
    while queue and len(seen) < 30:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        nested += list(getattr(current, "args", ()))
        queue += [item for item in nested if isinstance(item, BaseException)]


def explain_connection_error(exc: BaseException, timeout: float | None = None) -> str:
    """A short reason a student can read: "permission denied", "connection refused" …"""
    for cause in _causes(exc):
        winerror = getattr(cause, "winerror", None)  # named-pipe errors on Windows
        if isinstance(cause, PermissionError) or winerror == 5:
            return PERMISSION_DENIED
        if isinstance(cause, FileNotFoundError) or winerror == 2:
            return "not running (no socket or pipe to connect to)"
        if isinstance(cause, ConnectionRefusedError):
            return "nothing is listening (connection refused)"
        timed_out = (TimeoutError, requests.exceptions.Timeout, urllib3.exceptions.TimeoutError)
        if isinstance(cause, timed_out):
            return f"no answer within {timeout:g} s" if timeout else "no answer in time"
        if isinstance(cause, ssl.SSLError):
            return f"TLS problem: {cause.reason or cause}"
        if isinstance(cause, docker.errors.InvalidVersion):
            return "the engine is too old for this launcher"
        if isinstance(cause, _NotAnEngineError):
            return str(cause)
    if isinstance(exc, docker.errors.APIError):
        return f"answered with an error: {exc.explanation or exc}"
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


_WAIT = "Wait until the whale icon {} stops animating, then press Retry."
_INSTALL = f"Install Docker Desktop ({DOCKER_DESKTOP_URL}) or, if it is installed, "
_HINTS = {
    ("win32", False): _INSTALL + "start it from the Start menu. " + _WAIT.format("in the taskbar"),
    ("win32", True): "Docker Desktop is running, but your Windows account is not in the "
    "'docker-users' group. Ask whoever looks after this computer to add you (Computer "
    "Management > Local Users and Groups > Groups > docker-users), sign out and in again, "
    "then press Retry.",
    ("darwin", False): _INSTALL + "open it from Applications. " + _WAIT.format("in the menu bar"),
    ("linux", False): "Start Docker with `sudo systemctl start docker` (or open Docker Desktop "
    "if you use it), then press Retry. If Docker is not installed, see "
    f"https://docs.docker.com/engine/install/ or {DOCKER_DESKTOP_URL}.",
    ("linux", True): "Docker is running, but your user is not in the 'docker' group. Run "
    "`sudo usermod -aG docker $USER`, log out and back in, then press Retry.",
}


def engine_hint(platform: str | None = None, *, permission_denied: bool = False) -> str:
    """What to do, on this operating system, so that an engine answers."""
    plat = sys.platform if platform is None else platform
    plat = plat if plat in ("win32", "darwin") else "linux"
    return _HINTS.get((plat, permission_denied)) or _HINTS[(plat, False)]


def _no_engine(tried: tuple[Attempt, ...], plat: str, explicit: str | None) -> NoEngineFound:
    denied = any(attempt.reason == PERMISSION_DENIED for attempt in tried)
    if denied:
        message = "Docker is running, but this user account is not allowed to use it."
    else:
        message = "Docker is not running on this computer, or is not installed."
    lines = [engine_hint(plat, permission_denied=denied)]
    if explicit:
        lines.append(
            f"The launcher is set to use the engine at {explicit}; clear that setting "
            "to let it look for Docker by itself."
        )
    if tried:
        lines.append("Addresses tried:")
        lines += [f"  {attempt.address}: {attempt.reason}" for attempt in tried]
    else:
        lines.append("No Docker socket was found on this computer.")
    return NoEngineFound(message, "\n".join(lines), tried)


@contextmanager
def translate_engine_errors(
    doing: str = "working", *, platform: str | None = None
) -> Iterator[None]:
    """Turn a lost connection to the engine into :class:`EngineUnavailable`.

    ``with translate_engine_errors("starting TM351"):`` or as a decorator. Errors the
    engine sent (``docker.errors.APIError``: 404, 409 …) and other SDK errors (a
    container's non-zero exit …) pass through. ``FileNotFoundError`` counts only with
    no file name (raised by a socket connect, not by a missing local file).
    """
    try:
        yield
    except docker.errors.APIError:
        raise
    except (docker.errors.DockerException, OSError) as exc:  # requests' errors are OSErrors
        if not any(_is_connection_error(cause) for cause in _causes(exc)):
            raise
        reason = explain_connection_error(exc)
        verb = "stopped answering" if reason.startswith("no answer") else "stopped"
        denied = reason == PERMISSION_DENIED
        hint = engine_hint(platform, permission_denied=denied)
        raise EngineUnavailable(f"Docker {verb} while {doing}.", hint) from exc


def _is_connection_error(exc: BaseException) -> bool:
    if isinstance(exc, FileNotFoundError):
        return exc.filename is None
    kinds = (ConnectionError, requests.exceptions.ConnectionError, requests.exceptions.Timeout)
    return isinstance(exc, kinds)


def check_image_platform(engine_info: EngineInfo, image_platforms: Iterable[str]) -> str | None:
    """A warning when the course image has no variant this engine runs natively.

    ``image_platforms``: ``os/arch[/variant]`` strings; ``unknown/unknown`` entries
    (build attestations) are ignored. None: fine, or unknown (nothing given).
    """
    pairs = set()
    for text in image_platforms:
        parts = text.strip().lower().split("/")
        if len(parts) >= 2 and "unknown" not in parts[:2]:
            pairs.add((parts[0], normalise_architecture(parts[1])))
    engine_os, arch = engine_info.os_type.lower() or "linux", engine_info.architecture
    if not pairs or (engine_os, arch) in pairs:
        return None
    same_os = sorted(a for o, a in pairs if o == engine_os)
    if same_os:
        return (
            f"This course's environment is built for {', '.join(same_os)} computers only, "
            f"and yours is {arch}: it will run under emulation, slowly, and may not start "
            "at all if emulation is not set up."
        )
    if engine_os == "windows":
        return (
            "Docker Desktop is set to run Windows containers, but this course needs Linux "
            "containers: right-click the whale icon, choose 'Switch to Linux containers…', "
            "then press Retry."
        )
    return f"This course's environment is not built for {engine_os} engines; it cannot run here."


def describe(engine: Engine) -> list[str]:
    """Human lines about the engine for the doctor command and the About view."""
    info = engine.info
    runs = f"Runs: {info.os_type}/{info.architecture}"
    runs += f" on {info.operating_system}" if info.operating_system else ""
    runs += f", kernel {info.kernel_version}" if info.kernel_version else ""
    lines = [
        f"Engine: {info.product or 'Docker Engine'} "
        f"(version {info.engine_version}, API {info.api_version})",
        f"Address: {engine.address} (found by {engine.found_by})",
        runs,
    ]
    resources = [f"{info.total_memory / 2**30:.1f} GiB memory"] if info.total_memory else []
    resources += [f"{info.cpus} CPUs"] if info.cpus else []
    if resources:
        lines.append("Available to containers: " + ", ".join(resources))
    return lines + [f"Also tried: {a.address}: {a.reason}" for a in engine.tried]
