"""The settings file: read, written atomically, set aside when damaged.

The file is JSON at ``AppPaths.settings_file``. A damaged file is renamed aside
(never deleted) and the launcher starts with defaults and a sentence saying so.
What the settings are is :mod:`launcher.core.local.settings`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from launcher.core.errors import HomeNotWritable
from launcher.core.local.files import write_text_atomic
from launcher.core.local.paths import AppPaths
from launcher.core.local.settings import Settings, settings_from_json, settings_to_json

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadResult:
    settings: Settings
    #: a sentence for the user when the file could not be used, else None
    warning: str | None = None


def set_aside(path: Path, now: datetime | None = None) -> Path:
    """Rename a damaged file to ``NAME.corrupt-YYYYmmdd-HHMMSS`` (never over another one)."""
    stamp = f"{(now or datetime.now()):%Y%m%d-%H%M%S}"
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 1
    while aside.exists():
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
        number += 1
    path.rename(aside)
    return aside


def load_settings(paths: AppPaths) -> LoadResult:
    """Read the settings file; never fails: a missing or damaged file gives defaults."""
    path = paths.settings_file
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return LoadResult(Settings())
    except OSError as exc:
        log.warning("Settings file %s could not be read: %s", path, exc)
        return LoadResult(
            Settings(),
            f"Your settings file {path} could not be read ({exc.strerror}), so the launcher "
            "started with default settings.",
        )
    try:
        return LoadResult(settings_from_json(json.loads(raw.decode("utf-8"))))
    except (ValueError, RecursionError) as exc:  # bad UTF-8 and bad JSON are ValueErrors
        log.warning("Settings file %s is damaged: %s", path, exc)
    try:
        aside = set_aside(path)
    except OSError as exc:
        log.warning("Damaged settings file %s could not be renamed: %s", path, exc)
        return LoadResult(
            Settings(),
            "Your settings file was damaged, so the launcher started with default settings. "
            f"The damaged file is still at {path} and will be replaced when settings are saved.",
        )
    return LoadResult(
        Settings(),
        "Your settings file was damaged, so the launcher started with default settings. "
        f"The old file was kept at {aside}.",
    )


def save_settings(paths: AppPaths, settings: Settings) -> None:
    """Write the settings file atomically: readers see the old file or the new one."""
    text = json.dumps(settings_to_json(settings), indent=2, ensure_ascii=False) + "\n"
    try:
        write_text_atomic(paths.settings_file, text)
    except OSError as exc:
        raise HomeNotWritable(
            f"Your settings could not be saved in {paths.settings_file} "
            f"({exc.strerror or exc}), so the change was not kept.",
            "Make sure that folder is yours and not full, or set COURSE_LAUNCHER_HOME to a "
            "folder of your own, then try again.",
        ) from exc
