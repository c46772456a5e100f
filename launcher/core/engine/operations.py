"""The facade's verbs for Docker itself on this computer: starting Docker Desktop
(:mod:`launcher.core.engine.desktop`).

:class:`launcher.core.launcher.Launcher` inherits them.
"""

from __future__ import annotations

import logging

from launcher.core.context import LauncherContext

log = logging.getLogger(__name__)


class EngineOperations:
    def start_docker_desktop(
        self: LauncherContext, wait: float = 0.0, poll: float = 2.0
    ) -> tuple[str, ...]:
        """Ask this computer to start Docker Desktop; the command that was run. Its
        engine answers a minute or so later: the window looks for it again by itself;
        with ``wait`` (s) this looks, every ``poll`` s, until it answers (the command
        line), and raises :class:`NoEngineFound` when it has not answered in time."""
        from launcher.core.engine import desktop
        from launcher.core.errors import DockerDesktopStartFailed

        command = desktop.desktop_start_command()
        if not command:
            raise DockerDesktopStartFailed(
                "Docker Desktop is not installed on this computer.",
                "Install Docker Desktop, or start the Docker engine you use, then press Retry.",
            )
        desktop.run_start_command(command)
        log.info("asked the system to start Docker Desktop: %s", " ".join(command))
        if wait > 0:
            desktop.wait_until_answering(self.connect, wait, poll)
        return command
