"""The facade's verbs for this computer's side: the launcher's folders, its entry
that starts it at login, and purge. :class:`launcher.core.launcher.Launcher`
inherits them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from launcher.core.context import LauncherContext
from launcher.core.errors import EngineUnavailable
from launcher.core.operation import Progress, no_progress

# Annotations only: purge loads the Docker SDK when it runs.
if TYPE_CHECKING:
    from launcher.core.local.purge import PurgeReport


class LocalOperations:
    def folders(self: LauncherContext) -> dict[str, Path]:
        """The folders the launcher writes to, by name (config, data, state, cache, log)."""
        return self.paths.all()

    def login_entry_enabled(self: LauncherContext) -> bool:
        """Whether the launcher starts when the student logs in."""
        from launcher.core.local.autostart import is_enabled

        return is_enabled()

    def set_login_entry(self: LauncherContext, enabled: bool) -> None:
        from launcher.core.local.autostart import set_enabled

        set_enabled(enabled)

    def purge(
        self: LauncherContext, *, images: bool = False, progress: Progress = no_progress
    ) -> PurgeReport:
        """Remove everything the launcher made; course folders stay. Without an engine,
        only the launcher's own files go (``report.engine_checked`` is False)."""
        from launcher.core.local.purge import home_folder, purge

        try:
            client = self.engine.client
        except EngineUnavailable as exc:
            progress(f"{exc.message} Only the launcher's own files are removed now.")
            client = None
        return purge(
            self.paths, self.settings, self.catalogue, self.secrets, client,
            images=images, home=home_folder(os.environ), progress=progress,
        )  # fmt: skip
