"""What every command-line command shares: messages on stderr, data on stdout
(``--json``), and progress that does not flood a terminal or a log.

The core words its hints for the window ("then press Retry"); every line printed
here says the command line's action instead (see ``COMMAND_LINE_WORDS``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any, Protocol

from launcher.core.launcher import Launcher
from launcher.core.operation import describe

Handler = Callable[[argparse.Namespace, Launcher], int]


class AddCommand(Protocol):
    """Registers a sub-command; ``json`` adds ``--json``. Returns its parser for arguments."""

    def __call__(
        self, name: str, handler: Handler, help_text: str, *, json: bool = False
    ) -> argparse.ArgumentParser: ...


# The window's action → the command line's, in the core's messages and hints.
COMMAND_LINE_WORDS = (
    ("Press Retry", "Run the command again"),
    ("press Retry", "run the command again"),
)


def in_command_line_words(text: str) -> str:
    for window_words, command_words in COMMAND_LINE_WORDS:
        text = text.replace(window_words, command_words)
    return text


def say(text: str) -> None:
    print(in_command_line_words(text), file=sys.stderr, flush=True)


class ProgressPrinter:
    """Progress on stderr: one line rewritten in place on a terminal, else a plain line
    whenever the sentence changes (at most every 2 s), so logs stay readable."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last_text = ""
        self.last_time = 0.0

    def __call__(self, progress: Any) -> None:
        text = describe(progress)
        now = time.monotonic()
        final = getattr(progress, "phase", None) == "done"
        if text == self.last_text or (
            now - self.last_time < (0.25 if self.tty else 2) and not final
        ):
            return
        self.last_text, self.last_time = text, now
        if self.tty:
            print(f"\r\033[K{text}", end="\n" if final else "", file=sys.stderr, flush=True)
        else:
            say(text)

    def close(self) -> None:
        if self.tty and self.last_text:
            print(file=sys.stderr)
        self.last_text = ""


def emit(args: argparse.Namespace, data: Any, lines: list[str]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, sort_keys=True))
    else:
        for line in lines:
            print(in_command_line_words(line))
