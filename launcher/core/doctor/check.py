"""One doctor check: what was looked at, how it went, and what to do.

Kept below the engine and host checks, which both make :class:`Check` values, and
below :mod:`launcher.core.doctor.report`, which runs them all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from typing import Literal

from launcher.core.errors import LauncherError

log = logging.getLogger(__name__)

Status = Literal["ok", "warning", "error"]
NOT_CHECKED_FIX = "Make Docker answer first (see engine.reachable), then run the doctor again."


@dataclass(frozen=True)
class Check:
    id: str
    status: Status
    summary: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def has_errors(checks: Collection[Check]) -> bool:
    return any(check.status == "error" for check in checks)


def guarded(check_id: str, make: Callable[[], list[Check]]) -> list[Check]:
    """The checks ``make`` returns; a check that cannot be made is reported, not raised."""
    try:
        return make()
    except LauncherError as exc:
        return [Check(check_id, "error", exc.message, exc.hint)]
    except Exception as exc:
        log.warning("The %s check could not be made", check_id, exc_info=True)
        return [
            Check(
                check_id,
                "warning",
                f"Could not be checked ({type(exc).__name__}: {str(exc)[:200]}).",
                "Run the doctor again; if this stays, send a support bundle to your tutor.",
            )
        ]
