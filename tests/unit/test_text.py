"""A failed start's hint: its log lines come off for the window, which shows them in
its details, and the advice before them stays."""

from __future__ import annotations

from launcher.core.text import LAST_MESSAGES, hint_without_log


def test_the_log_lines_come_off_and_the_advice_stays() -> None:
    hint = "Try Reset. " + LAST_MESSAGES + "Traceback (most recent call last):\n  boom"
    assert hint_without_log(hint) == ("Try Reset.", True)
    assert hint_without_log(LAST_MESSAGES + "boom") == ("", True)


def test_a_hint_without_log_lines_is_kept_whole() -> None:
    hint = "Free some disk space, then press Retry."
    assert hint_without_log(hint) == (hint, False)
