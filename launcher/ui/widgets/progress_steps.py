"""Progress as the student reads it: Download → Start → Ready, each step ticked off.

``journey_steps`` works out the steps from what the window knows (plain data, tested
without a window); ``ProgressSteps`` draws them, with a bar under the download and a
Cancel button while there is something to cancel. Nothing of it shows when nothing
is happening.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)


class StepState(Enum):
    DONE = "done"
    NOW = "now"
    TODO = "todo"


MARKS = {StepState.DONE: "✓", StepState.NOW: "▶", StepState.TODO: "○"}


@dataclass(frozen=True)
class Step:
    name: str  # Download, Start, Ready
    state: StepState
    detail: str = ""  # what happens in it now, in plain words
    services: tuple[tuple[str, bool], ...] = ()  # Start: each service, and whether it answers


class Journey(Enum):
    """The jobs whose progress is drawn as steps; any other job is one line."""

    INSTALL = "install"  # download only
    START = "start"  # download what is missing, then start


def journey_steps(
    journey: Journey,
    *,
    installed: bool | None,
    downloading: bool,
    progress_text: str,
    services: Sequence[str],
    ready: frozenset[str],
) -> tuple[Step, ...]:
    """The steps of an install or a start, from its latest progress.

    The download is the current step while the progress is a download's (or nothing
    has been said yet of a course that is not on this computer); after it the start
    waits for each service, ticked off as it answers."""
    download_now = downloading or (not progress_text and not installed)
    if journey is Journey.INSTALL:
        return (
            Step("Download", StepState.NOW, progress_text or "Looking up the course image…"),
            Step("Ready", StepState.TODO, "Installed: it can start without the network"),
        )
    if download_now:
        return (
            Step("Download", StepState.NOW, progress_text or "Looking up the course image…"),
            Step("Start", StepState.TODO),
            Step("Ready", StepState.TODO),
        )
    ticks = tuple((name, name in ready) for name in services)
    return (
        Step("Download", StepState.DONE, "On this computer"),
        Step("Start", StepState.NOW, progress_text or "Starting…", ticks),
        Step("Ready", StepState.TODO),
    )


def step_lines(steps: Sequence[Step]) -> list[str]:
    """The steps as the plain lines the widget shows (also for tests and the log)."""
    lines: list[str] = []
    for step in steps:
        lines.append(f"{MARKS[step.state]} {step.name}")
        if step.detail and step.state is StepState.NOW:
            lines.append(f"    {step.detail}")
        for name, answers in step.services:
            lines.append(f"    {'✓' if answers else '…'} {name}{'' if answers else ' starting'}")
    return lines


class ProgressSteps(QWidget):
    """The steps of what is happening to the course, a bar for a download, Cancel."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lines = QLabel(self)
        self.lines.setObjectName("progressSteps")
        self.lines.setAccessibleName("Progress")
        self.lines.setWordWrap(True)
        self.bar = QProgressBar(self)
        self.bar.setAccessibleName("Download progress")
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.cancel = QPushButton("&Cancel", self)
        self.cancel.setAccessibleName("Cancel")
        self.cancel.setToolTip("Stop what is in progress (what was done so far is kept)")
        self.cancel.setAutoDefault(True)  # Enter presses it when it has the focus
        self.cancel.clicked.connect(self.cancel_requested)
        self.cancel.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel)
        row.addStretch(0)  # with no bar, Cancel keeps its own width
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.lines)
        layout.addLayout(row)
        self._shown: tuple[object, ...] | None = None

    def show_steps(
        self,
        lines: Sequence[str],
        *,
        bar: bool,
        fraction: float | None,
        cancellable: bool,
    ) -> None:
        """Show these lines; a bar (a fraction, or busy when None) if asked; Cancel if
        the job can be cancelled. Unchanged input redraws nothing."""
        shown = (tuple(lines), bar, fraction, cancellable)
        if shown == self._shown:
            return
        self._shown = shown
        self.lines.setText("\n".join(lines))
        self.bar.setVisible(bar)
        if bar:
            if fraction is None:
                self.bar.setRange(0, 0)  # busy, amount unknown
            else:
                self.bar.setRange(0, 1000)
                self.bar.setValue(round(fraction * 1000))
        self.cancel.setVisible(cancellable)
        self.cancel.setEnabled(cancellable)
        self.show()

    def clear(self) -> None:
        """Nothing is happening: no steps, no bar, no Cancel."""
        self._shown = None
        self.cancel.setEnabled(False)
        self.hide()
