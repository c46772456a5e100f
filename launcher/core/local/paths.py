"""Where the launcher keeps its own files.

Every folder the launcher writes to comes from here. ``COURSE_LAUNCHER_HOME``
moves all of them under one folder, which tests and tutors' scripts rely on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from platformdirs import PlatformDirs

HOME_VARIABLE = "COURSE_LAUNCHER_HOME"
_DIRS_NAME = "course-launcher"


@dataclass(frozen=True)
class AppPaths:
    config: Path
    data: Path
    state: Path
    cache: Path
    log: Path

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def log_file(self) -> Path:
        return self.log / "launcher.log"

    @property
    def catalogue_cache(self) -> Path:
        return self.cache / "catalogues"

    def all(self) -> dict[str, Path]:
        return {
            "config": self.config,
            "data": self.data,
            "state": self.state,
            "cache": self.cache,
            "log": self.log,
        }


def app_paths(environ: Mapping[str, str] | None = None) -> AppPaths:
    """Resolve the launcher's folders; nothing is created here."""
    env = os.environ if environ is None else environ
    home = env.get(HOME_VARIABLE)
    if home:
        base = Path(home).expanduser().absolute()
        return AppPaths(
            config=base / "config",
            data=base / "data",
            state=base / "state",
            cache=base / "cache",
            log=base / "log",
        )
    dirs = PlatformDirs(appname=_DIRS_NAME, appauthor=False)
    return AppPaths(
        config=Path(dirs.user_config_dir),
        data=Path(dirs.user_data_dir),
        state=Path(dirs.user_state_dir),
        cache=Path(dirs.user_cache_dir),
        log=Path(dirs.user_log_dir),
    )
