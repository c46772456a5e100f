"""Follow an environment's log, line by line, with tokens blanked out."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

import docker

from launcher.core.catalogue.model import Course
from launcher.core.engine.errors import translate_engine_errors
from launcher.core.environments.containers import find_container
from launcher.core.environments.readiness import redact
from launcher.core.operation import CancelToken

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
                        sink(redact(text, secrets))
        finally:
            forget()
            stream.close()
    if pending and not cancel.cancelled:
        sink(redact(pending.decode("utf-8", errors="replace")[:MAX_LINE], secrets))
