"""Sizes and durations in words a student reads at a glance: "1.2 GB", "3 min"; and
the words that introduce an environment's last log lines in a hint.

Sizes use decimal units (1 kB = 1000 bytes), as Docker's own output and most
operating systems' download dialogs do.
"""

from __future__ import annotations

_UNITS = ("bytes", "kB", "MB", "GB", "TB")
# A failed start's hint ends with the container's last lines after these words; the
# window shows those lines in its details instead (``hint_without_log``).
LAST_MESSAGES = "Its last messages were:\n"


def human_size(size: float) -> str:
    """``1234567`` → ``"1.2 MB"``; below 1 kB the exact number of bytes."""
    value = max(0.0, float(size))
    if value < 1000:
        count = int(value)
        return "1 byte" if count == 1 else f"{count} bytes"
    for unit in _UNITS[1:]:
        value /= 1000
        if value < 999.95 or unit == _UNITS[-1]:
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def human_duration(seconds: float) -> str:
    """``75`` → ``"1 min 15 s"``; ``4000`` → ``"1 h 7 min"``; rounded to what matters."""
    total = max(0, round(seconds))
    if total < 60:
        return f"{total} s"
    if total < 600:
        minutes, rest = divmod(total, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    minutes = round(total / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def hint_without_log(hint: str) -> tuple[str, bool]:
    """The hint without the log lines a failed start appends; whether it had them."""
    advice, found, _lines = hint.partition(LAST_MESSAGES)
    return (advice.strip(), True) if found else (hint, False)
