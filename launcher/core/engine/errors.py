"""A lost or refused connection to the engine, in words a student can act on.

Why an address did not answer (``explain_connection_error``) and a lost connection
turned into :class:`EngineUnavailable` (``translate_engine_errors``, used by every
module that talks to the engine). What to do about it is :mod:`advice`.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from contextlib import contextmanager

import docker.errors
import requests
import urllib3.exceptions

from launcher.core.engine.advice import engine_hint
from launcher.core.engine.diagnosis import PERMISSION_DENIED as PERMISSION_DENIED
from launcher.core.errors import EngineUnavailable


class NotAnEngineError(Exception):
    """Something answered at the address, but not like a Docker engine."""


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps (causes, contexts, urllib3 reasons, args)."""
    queue, seen = [exc], set[int]()
    while queue and len(seen) < 30:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        nested += list(getattr(current, "args", ()))
        queue += [item for item in nested if isinstance(item, BaseException)]


def explain_connection_error(exc: BaseException, timeout: float | None = None) -> str:
    """A short reason a student can read: "permission denied", "connection refused" …"""
    for cause in _causes(exc):
        winerror = getattr(cause, "winerror", None)  # named-pipe errors on Windows
        if isinstance(cause, PermissionError) or winerror == 5:
            return PERMISSION_DENIED
        if isinstance(cause, FileNotFoundError) or winerror == 2:
            return "not running (no socket or pipe to connect to)"
        if isinstance(cause, ConnectionRefusedError):
            return "nothing is listening (connection refused)"
        timed_out = (TimeoutError, requests.exceptions.Timeout, urllib3.exceptions.TimeoutError)
        if isinstance(cause, timed_out):
            return f"no answer within {timeout:g} s" if timeout else "no answer in time"
        if isinstance(cause, ssl.SSLError):
            return f"TLS problem: {cause.reason or cause}"
        if isinstance(cause, docker.errors.InvalidVersion):
            return "the engine is too old for this launcher"
        if isinstance(cause, NotAnEngineError):
            return str(cause)
    if isinstance(exc, docker.errors.APIError):
        return f"answered with an error: {exc.explanation or exc}"
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__


@contextmanager
def translate_engine_errors(
    doing: str = "working", *, platform: str | None = None
) -> Iterator[None]:
    """Turn a lost connection to the engine into :class:`EngineUnavailable`.

    ``with translate_engine_errors("starting TM351"):`` or as a decorator. Errors the
    engine sent (``docker.errors.APIError``: 404, 409 …) and other SDK errors (a
    container's non-zero exit …) pass through. ``FileNotFoundError`` counts only with
    no file name (raised by a socket connect, not by a missing local file).
    """
    try:
        yield
    except docker.errors.APIError:
        raise
    # requests' errors are OSErrors; a stream the engine cut mid-way (killed while it
    # streamed a pull or logs) surfaces from urllib3 as a ProtocolError
    except (docker.errors.DockerException, OSError, urllib3.exceptions.ProtocolError) as exc:
        if not any(_is_connection_error(cause) for cause in _causes(exc)):
            raise
        reason = explain_connection_error(exc)
        verb = "stopped answering" if reason.startswith("no answer") else "stopped"
        denied = reason == PERMISSION_DENIED
        hint = engine_hint(platform, permission_denied=denied)
        raise EngineUnavailable(f"Docker {verb} while {doing}.", hint) from exc


def _is_connection_error(exc: BaseException) -> bool:
    if isinstance(exc, FileNotFoundError):
        return exc.filename is None
    kinds = (
        ConnectionError,
        requests.exceptions.ConnectionError,
        requests.exceptions.Timeout,
        requests.exceptions.ChunkedEncodingError,
        urllib3.exceptions.ProtocolError,
    )
    return isinstance(exc, kinds)
