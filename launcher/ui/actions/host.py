"""What the window's actions need of the window, and the one way they run a course's job.

The actions take an ``ActionHost`` rather than the window's class, so they can be
read (and changed) without it, and the window is the only module that knows them
all. They report what they learnt to the ``WindowState``; none writes the window's
fields.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from launcher.core.launcher import Launcher
from launcher.ui.jobs import Job, JobRunner, Work, env_key
from launcher.ui.window_forwards import WindowForwards
from launcher.ui.window_state import WindowState


class ActionHost(Protocol):
    @property
    def launcher(self) -> Launcher: ...

    @property
    def runner(self) -> JobRunner: ...

    @property
    def state(self) -> WindowState: ...

    @property
    def forwards(self) -> WindowForwards:
        """The forwards of courses on another computer, held while the window is open."""
        ...

    def selected_id(self) -> str | None: ...

    def select_course(self, course_id: str) -> None: ...

    def folder_for(self, course_id: str) -> Path:
        """The course's folder: the one chosen before, else the suggested one."""
        ...

    def chosen_folder(self) -> Path:
        """The folder written on the selected course's page (perhaps edited)."""
        ...

    def say(self, text: str, timeout_ms: int = 0) -> None:
        """A line in the status bar (0: until the next one)."""
        ...

    def refresh(self) -> None:
        """Ask the engine for every environment's state now."""
        ...

    def redraw(self) -> None: ...

    def catalogue_changed(self) -> None: ...

    def stop_following_log(self) -> None: ...


def idle_selection(host: ActionHost) -> str | None:
    """The selected course, unless none is selected or its environment is busy."""
    course_id = host.selected_id()
    if course_id is None or host.runner.busy(env_key(course_id)):
        return None
    return course_id


def env_job(
    host: ActionHost,
    course_id: str,
    title: str,
    work: Work,
    wire: Callable[[Job], None] | None = None,
) -> Job:
    """Run ``work`` as the course's job: one at a time per environment, shown on its
    page, its failure kept for the page, and the engine asked again when it ends.
    ``wire`` connects the caller's slots before the job can start (a quick job may
    end before ``env_job`` returns)."""
    host.state.clear_error(course_id)
    job = Job(env_key(course_id), title, work)
    if wire is not None:
        wire(job)
    job.failed.connect(lambda message, hint: host.state.job_failed(course_id, message, hint))
    job.cancelled.connect(lambda: host.say("Cancelled. What was done so far is kept.", 8000))
    job.done.connect(host.refresh)
    host.runner.submit(job)
    host.redraw()
    return job
