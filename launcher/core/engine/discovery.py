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

Why an address failed is :mod:`launcher.core.engine.errors`; what to do when none
answered, :mod:`launcher.core.engine.diagnosis` (from :mod:`launcher.core.engine.facts`);
what was found, :mod:`launcher.core.engine.model`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import stat
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors
from docker.tls import TLSConfig

from launcher.core.engine import transport as docker_transport
from launcher.core.engine.diagnosis import PERMISSION_DENIED, diagnose
from launcher.core.engine.errors import NotAnEngineError, explain_connection_error
from launcher.core.engine.facts import gather_facts
from launcher.core.engine.model import Attempt, Engine, EngineInfo
from launcher.core.errors import NoEngineFound

docker_transport.apply()
log = logging.getLogger(__name__)

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


ANSWER_TIMEOUT = 10.0  # an engine that answered /_ping: busy, not absent


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
    facts = gather_facts(
        tuple(tried), explicit, platform=plat, environ=environ, home=home, root=root
    )
    diagnosis = diagnose(facts)
    raise NoEngineFound(diagnosis.headline, diagnosis.as_hint(), facts.tried, diagnosis)


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


def _connect(
    candidate: Candidate, timeout: float, answer_timeout: float = ANSWER_TIMEOUT
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    path = _unix_path(candidate.address)
    if path is not None and hasattr(socket, "AF_UNIX"):
        # Knock first: the SDK leaks its socket when connect fails (docker/docker-py#3356).
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as knock:
            knock.settimeout(timeout)
            knock.connect(path)
    # /_ping is the cheapest answer every engine gives, so it alone is bounded by the
    # search's short timeout: something silent is passed over quickly. An engine that
    # answered it is there, only busy (Podman takes seconds over /version while it
    # pulls), so /version and /info get longer.
    probe = docker.APIClient(
        base_url=candidate.address, tls=candidate.tls, timeout=timeout, version=_MIN_API
    )
    try:
        probe.ping()
        probe.timeout = answer_timeout
        # The unversioned /version tells which API version to speak.
        version: dict[str, Any] = probe.version(api_version=False)
    except ValueError as exc:  # not JSON
        raise NotAnEngineError("it answered, but not like a Docker engine") from exc
    except docker.errors.APIError as exc:  # an HTTP server, but no engine behind it
        raise NotAnEngineError("it answered, but not like a Docker engine") from exc
    finally:
        probe.close()
    if not isinstance(version, dict) or not version.get("ApiVersion"):
        raise NotAnEngineError("it answered, but not like a Docker engine")
    client = docker.DockerClient(
        base_url=candidate.address,
        tls=candidate.tls,
        timeout=answer_timeout,
        version=str(version["ApiVersion"]),
    )
    try:
        try:
            info: dict[str, Any] = client.info()
        except docker.errors.APIError:
            info = {}
    except BaseException:
        client.close()
        raise
    return client, version, info
