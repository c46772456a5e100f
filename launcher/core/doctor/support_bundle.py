"""The support bundle: one text file a student sends to a tutor.

It first says what it contains, then gives the versions (launcher, Python, operating
system, PySide6 read from the installed package so that core never imports Qt, Docker
SDK and engine), the doctor's results, the launcher's folders and settings, each
environment's settings, container labels, state and last log lines, and the last
lines of the launcher's log.

Secrets never reach the file: every token in the secret store (read, never made),
every value under a secret-looking name (settings keys, the catalogue's and the
containers' environment variables such as ``DB_PASSWORD``, registry logins in the
Docker configuration) is removed wherever it appears, and so is anything that looks
like one (``token=…``, ``Authorization:`` headers, ``user:password@`` in addresses).
See :mod:`launcher.core.redaction`. The file is written atomically.
"""

from __future__ import annotations

import json
import logging
import platform
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from launcher import APP_NAME, __version__
from launcher.core.context import LauncherContext
from launcher.core.doctor.check import Check
from launcher.core.doctor.known_secrets import collect_secrets
from launcher.core.doctor.report import run_checks
from launcher.core.engine import labels
from launcher.core.engine.advice import describe
from launcher.core.environments.containers import published_ports
from launcher.core.errors import LauncherError
from launcher.core.local.destinations import check_can_write_file
from launcher.core.local.files import write_atomic
from launcher.core.local.settings import settings_to_json
from launcher.core.redaction import (
    MASK,
    is_secret_name,
    mask_secret_keys,
)

log = logging.getLogger(__name__)

LOG_LINES = 200
_PACKAGES = (
    ("PySide6", ("PySide6-Essentials", "PySide6")),
    ("Docker SDK for Python", ("docker",)),
    ("requests", ("requests",)),
    ("keyring", ("keyring",)),
    ("platformdirs", ("platformdirs",)),
)


def _package_version(names: Iterable[str]) -> str:
    for name in names:
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return "not installed"


def _managed_containers(launcher: LauncherContext) -> list[Any]:
    engine = launcher.connected_engine
    if engine is None:
        return []
    containers: list[Any] = engine.client.containers.list(all=True, filters=labels.managed_filter())
    return containers


# --- sections ---------------------------------------------------------------------------


def _heading(title: str) -> list[str]:
    return ["", "", title, "=" * len(title)]


def _guard(title: str, make: Callable[[], list[str]]) -> list[str]:
    try:
        return make()
    except LauncherError as exc:
        return [f"({title} could not be read: {exc.message})"]
    except Exception as exc:
        log.warning("Support bundle: %s could not be read", title, exc_info=True)
        return [f"({title} could not be read: {type(exc).__name__})"]


def _versions(launcher: LauncherContext, engine_problem: str) -> list[str]:
    lines = [
        f"{APP_NAME} {__version__}",
        f"Python {platform.python_version()} ({platform.python_implementation()})",
        f"Operating system: {platform.platform()}",
    ]
    lines += [f"{label} {_package_version(names)}" for label, names in _PACKAGES]
    engine = launcher.connected_engine
    if engine is None:
        lines.append(f"Docker engine: not reachable ({engine_problem or 'not connected'})")
    else:
        lines += describe(engine)
    return lines


def _doctor(checks: list[Check]) -> list[str]:
    lines = []
    for check in checks:
        lines.append(f"[{check.status}] {check.id}: {check.summary}")
        if check.fix:
            lines.append(f"    fix: {check.fix}".replace("\n", "\n         "))
    return lines


def _settings(launcher: LauncherContext) -> list[str]:
    lines = [f"{name}: {path}" for name, path in launcher.paths.all().items()]
    lines += [
        f"settings file: {launcher.paths.settings_file}",
        f"log file: {launcher.paths.log_file}",
    ]
    lines += [f"note: {warning}" for warning in launcher.warnings]
    document = mask_secret_keys(settings_to_json(launcher.settings))
    lines += ["", "Settings (secret-looking values masked):"]
    lines += json.dumps(document, indent=2, sort_keys=True, default=str).splitlines()
    return lines


def _masked_env(env: Iterable[str]) -> list[str]:
    shown = []
    for item in env:
        name, sep, value = str(item).partition("=")
        shown.append(f"{name}={MASK}" if sep and value and is_secret_name(name) else str(item))
    return shown


def _container(container: Any, log_lines: int) -> list[str]:
    attrs = container.attrs
    state = attrs.get("State") or {}
    lines = [
        f"  container: {container.name} ({container.short_id}), {container.status}",
        f"  image: {attrs.get('Config', {}).get('Image', '?')} ({attrs.get('Image', '?')})",
        f"  created: {attrs.get('Created', '?')}; started: {state.get('StartedAt', '?')}; "
        f"finished: {state.get('FinishedAt', '?')}; exit code: {state.get('ExitCode', '?')}"
        + ("; killed: out of memory" if state.get("OOMKilled") else "")
        + (f"; error: {state['Error']}" if state.get("Error") else ""),
        "  published ports (container -> 127.0.0.1): "
        + (", ".join(f"{c} -> {h}" for c, h in sorted(published_ports(container).items()))
           or "none"),
        "  labels:",
    ]  # fmt: skip
    lines += [f"    {key}={value}" for key, value in sorted(container.labels.items())]
    lines.append("  mounts:")
    for mount in attrs.get("Mounts") or []:
        source = mount.get("Name") or mount.get("Source")
        lines.append(f"    {mount.get('Type')} {source} -> {mount.get('Destination')}")
    lines.append("  environment variables (secret ones masked):")
    lines += [f"    {item}" for item in _masked_env(attrs.get("Config", {}).get("Env") or [])]
    lines += ["", f"  Last {log_lines} lines of its log:"]
    try:
        raw = container.logs(tail=log_lines, timestamps=True)
        text = raw.decode("utf-8", errors="replace").rstrip()
    except Exception as exc:
        text = f"(the log could not be read: {type(exc).__name__})"
    lines += [f"  | {line}" for line in (text or "(empty)").splitlines()]
    return lines


def _environments(launcher: LauncherContext, containers: list[Any], log_lines: int) -> list[str]:
    by_course: dict[str, list[Any]] = {}
    for container in containers:
        by_course.setdefault(container.labels.get(labels.COURSE, "?"), []).append(container)
    course_ids = list(launcher.settings.courses)
    course_ids += [cid for cid in sorted(by_course) if cid not in course_ids]
    if not course_ids:
        return ["No course has been used here yet."]
    lines: list[str] = []
    for course_id in course_ids:
        try:
            course = launcher.course(course_id)
            title = f"{course.display_name} ({course_id}), image {course.image}"
        except LauncherError:
            title = f"{course_id} (not in the catalogue)"
        remembered = launcher.settings.course(course_id)
        ports = ", ".join(f"{c} -> {h}" for c, h in sorted(remembered.ports.items()))
        lines += [
            "",
            f"--- {title}",
            f"  folder (settings): {remembered.folder or 'not chosen'}",
            f"  ports (settings, container -> host): {ports or 'none yet'}",
        ]
        if launcher.connected_engine is None:
            lines.append("  container: unknown (Docker is not reachable)")
            continue
        found = by_course.get(course_id) or []
        if not found:
            lines.append("  container: none")
        for container in found:
            lines += _guard("the container", partial(_container, container, log_lines))
    return lines


def tail_lines(paths: Iterable[Path], count: int) -> list[str]:
    """The last ``count`` lines of the files, read oldest first."""
    lines: list[str] = []
    for path in paths:
        try:
            lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            continue
    return lines[-count:] if count > 0 else []


def _launcher_log(launcher: LauncherContext, log_lines: int) -> list[str]:
    current = launcher.paths.log_file
    older = current.with_name(current.name + ".1")
    for handler in logging.getLogger("launcher").handlers:
        handler.flush()
    lines = tail_lines([older, current], log_lines)
    return [f"| {line}" for line in lines] or ["(the log is empty)"]


# --- the bundle -------------------------------------------------------------------------


def _preamble(log_lines: int, written: datetime) -> list[str]:
    return [
        f"{APP_NAME} support bundle",
        f"Written {written:%Y-%m-%d %H:%M:%S %Z}".rstrip(),
        "",
        "This file contains, in this order:",
        "  1. Versions: the launcher, Python, the operating system, PySide6, the Docker SDK "
        "and the Docker engine.",
        "  2. Doctor: every check of Docker, the environments and this computer, with fixes.",
        "  3. The launcher's folders and settings.",
        "  4. Environments: for each course used here, its folder and ports, and its "
        "container's state, labels, mounts, environment variables and last "
        f"{log_lines} log lines.",
        f"  5. The last {log_lines} lines of the launcher's log.",
        "",
        "It does not contain access tokens, passwords or registry logins: they, and any "
        "value whose name contains TOKEN, PASSWORD, SECRET or KEY, are replaced by "
        f"{MASK} wherever they appear. The files in the course folders are not included.",
    ]


def support_bundle_text(
    launcher: LauncherContext, *, checks: list[Check] | None = None, log_lines: int = LOG_LINES
) -> str:
    """The bundle's text, secrets already removed."""
    written = datetime.now().astimezone()
    engine_problem = ""
    if checks is None:
        checks = run_checks(launcher)  # also connects to the engine when it answers
    if launcher.connected_engine is None:
        engine_problem = next((c.summary for c in checks if c.id == "engine.reachable"), "")
    containers = _guard_list(lambda: _managed_containers(launcher))
    redactor, notes = collect_secrets(launcher, containers)
    lines = _preamble(log_lines, written)
    lines += [f"Note: {note}" for note in notes]
    lines += _heading("1. Versions") + _guard(
        "versions", lambda: _versions(launcher, engine_problem)
    )
    lines += _heading("2. Doctor") + _doctor(checks)
    lines += _heading("3. Launcher folders and settings") + _guard(
        "settings", lambda: _settings(launcher)
    )
    lines += _heading("4. Environments") + _guard(
        "environments", lambda: _environments(launcher, containers, log_lines)
    )
    lines += _heading(f"5. The launcher's log (last {log_lines} lines)") + _guard(
        "the launcher's log", lambda: _launcher_log(launcher, log_lines)
    )
    return redactor("\n".join(lines) + "\n")


def _guard_list(make: Callable[[], list[Any]]) -> list[Any]:
    try:
        return make()
    except Exception:
        log.warning("Support bundle: the containers could not be listed", exc_info=True)
        return []


def write_support_bundle(
    launcher: LauncherContext,
    path: Path,
    *,
    checks: list[Check] | None = None,
    log_lines: int = LOG_LINES,
) -> Path:
    """Write the bundle to ``path`` (atomically) and return where it is."""
    path = path.expanduser().absolute()
    check_can_write_file(path, "The support bundle")
    text = support_bundle_text(launcher, checks=checks, log_lines=log_lines)
    write_atomic(path, text.encode("utf-8"), mode=0o600)
    log.info("Support bundle written to %s", path)
    return path
