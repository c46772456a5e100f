"""Wait until every service of a started environment answers, as JupyterLab Desktop does:
poll the readiness URL (with the token in a header) instead of reading logs.

A service that needs the token is ready only when it also keeps its page from a
request without the token: a placeholder that answers everyone (the "Your VCE is
starting" page of images made by ou-container-builder holds the port while the
course sets up) is not the service yet."""

from __future__ import annotations

import http.client
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from launcher.core.catalogue.model import Course, Service
from launcher.core.environments.ports import LOOPBACK
from launcher.core.errors import StartFailed
from launcher.core.operation import CancelToken, Progress
from launcher.core.redaction import blank_secrets
from launcher.core.text import LAST_MESSAGES

POLL_SECONDS = 0.05  # as often as a shell loop would ask; each ask is one local request
STATE_CHECK_SECONDS = 1.0
LOG_LINES = 15
PLACEHOLDER = 0  # the status recorded while a page that needs no token holds the port


@dataclass(frozen=True)
class ReadyCheck:
    service: str
    url: str
    token: str | None  # sent as "Authorization: token …" when the service needs it


@dataclass(frozen=True)
class ServicesStarting:
    """A start's progress while it waits for its services: which answer already (the
    window ticks them off) and which it still waits for."""

    answered: tuple[str, ...]
    waiting: tuple[str, ...]
    elapsed: float  # seconds since the container started

    def describe(self) -> str:
        return f"Starting {self.waiting[0]}… {self.elapsed:.0f} s"

    def __str__(self) -> str:
        return self.describe()


def ready_url(service: Service, ports: Mapping[int, int]) -> str:
    return f"http://{LOOPBACK}:{ports[service.port]}{service.ready}"


def ready_checks(course: Course, ports: Mapping[int, int], token: str | None) -> list[ReadyCheck]:
    """One check per distinct readiness URL (services behind one server share it)."""
    checks: dict[str, ReadyCheck] = {}
    for service in course.services:
        url = ready_url(service, ports)
        if url not in checks:
            needs = token if service.auth == "token" else None
            checks[url] = ReadyCheck(service=service.name, url=url, token=needs)
    return list(checks.values())


def last_log_lines(container: Any, secrets: Sequence[str], lines: int = LOG_LINES) -> str:
    try:
        raw = container.logs(tail=lines).decode("utf-8", errors="replace")
    except Exception:  # the logs are a courtesy; never hide the real error behind them
        return "(the environment's log could not be read)"
    return blank_secrets(raw.rstrip(), secrets)


def _status(url_text: str, token: str | None) -> int | None:
    """One GET straight to the service on this computer: no proxy (a proxy set for
    the internet must not stand between the launcher and 127.0.0.1), no redirects,
    and little work per try, as it is repeated 20 times a second while the
    environment boots on the same processors."""
    url = urlsplit(url_text)
    target = url.path + (f"?{url.query}" if url.query else "")
    headers = {"Authorization": f"token {token}"} if token else {}
    connection = http.client.HTTPConnection(url.hostname or LOOPBACK, url.port, timeout=2)
    try:
        connection.request("GET", target, headers=headers)
        return connection.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def _answers(check: ReadyCheck) -> tuple[bool, int | None]:
    """Whether the service is ready, and the status it answered the launcher with."""
    status = _status(check.url, check.token)
    if status is None or status >= 400:
        return False, status
    if check.token and is_placeholder(_status(check.url, None)):
        return False, PLACEHOLDER
    return True, status


def is_placeholder(status_without_token: int | None) -> bool:
    """A page served without the token (2xx) is not the token-protected service:
    that refuses (401, 403) or sends to its login page (3xx)."""
    return status_without_token is not None and status_without_token < 300


def answering(checks: Sequence[ReadyCheck]) -> set[str]:
    """The services whose readiness URL answers right now (one quick try each)."""
    return {check.service for check in checks if _answers(check)[0]}


def wait_until_ready(
    container: Any,
    checks: Sequence[ReadyCheck],
    *,
    cancel: CancelToken,
    progress: Progress,
    timeout: float,
) -> None:
    """Return when every check answers below 400; raise ``StartFailed`` if it never does."""
    secrets = [c.token for c in checks if c.token]
    started = time.monotonic()
    pending = list(checks)
    last_status: dict[str, int | None] = {}
    next_state_check = started + STATE_CHECK_SECONDS
    while pending:
        cancel.check()
        elapsed = time.monotonic() - started
        for check in list(pending):
            ok, status = _answers(check)
            last_status[check.service] = status
            if ok:
                pending.remove(check)
        if not pending:
            return
        waiting = tuple(c.service for c in pending)
        answered = tuple(c.service for c in checks if c.service not in waiting)
        progress(ServicesStarting(answered, waiting, elapsed))
        if time.monotonic() >= next_state_check:
            next_state_check = time.monotonic() + STATE_CHECK_SECONDS
            container.reload()
            if container.status not in ("running", "created", "restarting"):
                code = container.attrs.get("State", {}).get("ExitCode")
                raise StartFailed(
                    f"The environment stopped while starting (exit code {code}).",
                    LAST_MESSAGES + last_log_lines(container, secrets),
                )
        if elapsed > timeout:
            names = ", ".join(c.service for c in pending)
            refused = [c.service for c in pending if last_status.get(c.service) in (401, 403)]
            interim = [c.service for c in pending if last_status.get(c.service) == PLACEHOLDER]
            if refused:
                why = f"{', '.join(refused)} refused the launcher's token"
            elif interim:
                why = f"only a waiting page answered in place of {', '.join(interim)}"
            else:
                why = f"{names} did not answer"
            raise StartFailed(
                f"The environment did not become ready: {why} within {timeout:.0f} s.",
                "Try Reset. " + LAST_MESSAGES + last_log_lines(container, secrets),
            )
        cancel.wait(POLL_SECONDS)
