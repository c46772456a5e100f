"""An environment's log, with tokens blanked out: followed line by line, or its last lines."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

import docker

from launcher.core.catalogue.model import Course
from launcher.core.engine.errors import translate_engine_errors
from launcher.core.environments.containers import find_container
from launcher.core.errors import UsageError
from launcher.core.operation import CancelToken
from launcher.core.redaction import blank_secrets

MAX_LINE = 4000  # a single runaway line is cut, so the log view stays fast


def follow_logs(
    client: docker.DockerClient,
    course: Course,
    sink: Callable[[str], None],
    cancel: CancelToken,
    *,
    secrets: Sequence[str] = (),
    tail: int = 200,
) -> None:
    """Send each log line to ``sink`` until the container stops or ``cancel`` is set."""
    container = find_container(client, course)
    if container is None:
        return
    with translate_engine_errors(f"reading the log of {course.display_name}"):
        stream = container.logs(stream=True, follow=True, tail=tail)
        forget = cancel.on_cancel(stream.close)
        pending = b""
        try:
            with contextlib.suppress(AttributeError, OSError, ValueError):
                # closing the stream from another thread ends the read with one of these
                for chunk in stream:
                    pending += chunk
                    *lines, pending = pending.split(b"\n")
                    for raw in lines:
                        text = raw.decode("utf-8", errors="replace").rstrip("\r")[:MAX_LINE]
                        sink(blank_secrets(text, secrets))
        finally:
            forget()
            stream.close()
    if pending and not cancel.cancelled:
        sink(blank_secrets(pending.decode("utf-8", errors="replace")[:MAX_LINE], secrets))


def read_logs(
    client: docker.DockerClient, course: Course, *, secrets: Sequence[str] = (), tail: int = 200
) -> str:
    """The last ``tail`` lines of the environment's log, tokens blanked (no following)."""
    container = find_container(client, course)
    if container is None:
        raise UsageError(f"{course.display_name} has no environment yet.", "Start it first.")
    with translate_engine_errors(f"reading the log of {course.display_name}"):
        text = container.logs(tail=tail).decode("utf-8", "replace")
    return blank_secrets(text, secrets)
