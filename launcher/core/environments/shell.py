"""The command that opens a shell in a running environment (``docker exec``).

The command line runs it in the terminal; here the container is found and checked,
so no front end asks the engine itself.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable

import docker

from launcher.core.catalogue.model import Course
from launcher.core.environments.containers import container_state, find_container
from launcher.core.environments.state import EnvironmentState
from launcher.core.errors import UsageError


def shell_command(
    client: docker.DockerClient,
    engine_address: str,
    course: Course,
    *,
    shell: str = "bash",
    interactive_terminal: bool = True,
    terminal_page: Callable[[], str] | None = None,
) -> list[str]:
    """``docker -H ADDRESS exec -it CONTAINER bash -l`` for the course's running container.

    ``terminal_page`` gives Jupyter's terminal (without its token), offered when the
    docker command is not installed here."""
    container = find_container(client, course)
    if container is None or container_state(container) != EnvironmentState.RUNNING:
        raise UsageError(f"{course.display_name} is not running.", "Start it first.")
    docker_cli = shutil.which("docker")
    if docker_cli is None:
        page = terminal_page() if terminal_page is not None else ""
        instead = f"Use the terminal in Jupyter instead: {page}" if page else ""
        raise UsageError(
            "The docker command is not installed here, so no shell can be opened.", instead
        )
    interactive = ["-it"] if interactive_terminal else ["-i"]
    command = [docker_cli, "-H", engine_address, "exec", *interactive, str(container.id)]
    return [*command, *(["bash", "-l"] if shell == "bash" else [shell])]
