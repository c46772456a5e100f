"""What the doctor's output and the support bundle must never contain: every token
in the secret store (read, never made), secret-looking values in the settings, the
catalogue and containers' environments, and registry logins in the Docker
configuration. See :mod:`launcher.core.redaction`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from launcher.core.context import LauncherContext
from launcher.core.errors import LauncherError
from launcher.core.local.settings import settings_to_json
from launcher.core.redaction import Redactor, is_secret_name, secret_env_values, secret_values


def docker_config_secrets(environ: dict[str, str] | None = None) -> list[str]:
    """Registry logins stored in the Docker configuration (``auths``), never sent."""
    env = dict(os.environ) if environ is None else environ
    folder = Path(env.get("DOCKER_CONFIG") or Path.home() / ".docker")
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    found: list[str] = []
    auths = config.get("auths") if isinstance(config, dict) else None
    for entry in (auths or {}).values() if isinstance(auths, dict) else []:
        if not isinstance(entry, dict):
            continue
        found += [str(v) for k, v in entry.items() if is_secret_name(k) and v]
        encoded = entry.get("auth")
        if isinstance(encoded, str) and encoded:
            try:
                decoded = base64.b64decode(encoded).decode("utf-8", errors="replace")
            except ValueError:
                continue
            found += [decoded, decoded.partition(":")[2]]
    return found


def collect_secrets(
    launcher: LauncherContext, containers: Iterable[Any]
) -> tuple[Redactor, list[str]]:
    """Everything the bundle must not contain, and notes about what could not be read."""
    redactor, notes = Redactor(), []
    course_ids = {course.id for course in launcher.catalogue} | set(launcher.settings.courses)
    for course_id in sorted(course_ids):
        try:
            redactor.add([launcher.secrets.get(course_id)])  # read only: never made here
        except LauncherError as exc:
            notes.append(f"The token of {course_id} could not be read to leave it out: "
                         f"{exc.message}")  # fmt: skip
    redactor.add(secret_values(settings_to_json(launcher.settings)))
    with contextlib.suppress(OSError, ValueError):  # the file as written, unknown keys too
        redactor.add(secret_values(json.loads(launcher.paths.settings_file.read_bytes())))
    for course in launcher.catalogue:
        redactor.add(value for name, value in course.env.items() if is_secret_name(name))
    for container in containers:
        redactor.add(secret_env_values(container.attrs.get("Config", {}).get("Env") or []))
    redactor.add(docker_config_secrets())
    return redactor, notes
