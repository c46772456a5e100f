"""What the course page's buttons, the Course menu and the tray do to one course:
start (downloading first what is missing), stop, download only, cancel, and open or
copy a service's address (or the terminal). Each runs as a job; what it learns goes
to the window's state. Which job is an install or a start is remembered, so the page
draws its progress as steps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from launcher.core.errors import DefinitionChanged, GuideContainerFound
from launcher.core.operation import CancelToken
from launcher.ui.actions.host import ActionHost, env_job, idle_selection
from launcher.ui.actions.install import InstallFlow
from launcher.ui.jobs import Job, env_key, plain
from launcher.ui.widgets.progress_steps import Journey

if TYPE_CHECKING:
    from launcher.core.environments.guide_state import GuideChoice
    from launcher.core.launcher import StartResult
    from launcher.ui.dialogs.guide_container import GuideContainerQuestion
    from launcher.ui.dialogs.new_definition import NewDefinitionQuestion

Opener = Callable[[str], None]


class CourseActions(QObject):
    became_ready = Signal(str)  # course id: a start ended with the services answering

    def __init__(self, host: ActionHost, opener: Opener, parent: QWidget) -> None:
        super().__init__(parent)
        self.host = host
        self.opener = opener
        self.parent_widget = parent  # where questions appear
        self.guide_question: GuideContainerQuestion | None = None  # the last one asked
        self.install_flow = InstallFlow(host, parent)
        self.definition_question: NewDefinitionQuestion | None = None  # the last one asked
        self._journeys: dict[str, tuple[Job, Journey | None]] = {}  # by course: the last job

    def journey(self, course_id: str, job: Job | None) -> Journey | None:
        """Whether ``job`` (the course's job in progress) is an install or a start."""
        known = self._journeys.get(course_id)
        return known[1] if known is not None and known[0] is job else None

    def cancellable(self, course_id: str, job: Job | None) -> bool:
        """A stop cannot be cancelled; the other jobs of a course take a cancel token."""
        known = self._journeys.get(course_id)
        return job is not None and not (known is not None and known[0] is job and known[1] is None)

    def _remember(self, course_id: str, job: Job, journey: Journey | None) -> None:
        self._journeys[course_id] = (job, journey)
        job.done.connect(lambda: self._forget(course_id, job))

    def _forget(self, course_id: str, job: Job) -> None:
        if self._journeys.get(course_id, (None, None))[0] is job:
            del self._journeys[course_id]

    # -- a catalogue that redefined the course ------------------------------------------
    def _definition_kept(self, course_id: str, then: Callable[[], None]) -> bool:
        """True when the course's folder and token were made for its definition; else
        asks whether they go to the new one (a later catalogue changed its image or
        workspace) and returns False: Yes accepts it in a job, then calls ``then``."""
        change = self.host.launcher.definition_change(course_id)
        if change is None:
            return True
        from launcher.ui.dialogs.new_definition import ask_about_new_definition

        self.definition_question = ask_about_new_definition(
            self.parent_widget, change, lambda: self._accept_definition(change, then)
        )
        return False

    def _accept_definition(self, change: DefinitionChanged, then: Callable[[], None]) -> None:
        host, course_id = self.host, change.course_id
        launcher = host.launcher
        # Made here, not with env_job: every signal is connected before the job can end.
        job = Job.call(env_key(course_id), "Using the new definition",
                       lambda: launcher.accept_new_definition(course_id))  # fmt: skip
        notices: list[str] = []
        job.succeeded.connect(notices.extend)
        job.failed.connect(lambda message, hint: host.state.job_failed(course_id, message, hint))

        def finished(ended: object) -> None:  # the runner let go of it: the course is idle
            if ended is not job:
                return
            host.runner.job_finished.disconnect(finished)
            if not notices:
                return  # it failed, and the page says why
            host.say(" ".join(notices))
            host.redraw()
            if not change.workspace_changed:
                then()  # else the student chooses the folder first, then presses Start

        host.runner.job_finished.connect(finished)
        host.state.clear_error(course_id)
        host.runner.submit(job)
        host.redraw()

    def start_selected(self) -> None:
        """Install (or Start): a course not on this computer yet is checked before its
        download (``actions/install.py``), then started; one that is starts at once."""
        course_id = idle_selection(self.host)
        if course_id is None or not self._definition_kept(course_id, self.start_selected):
            return  # asked first: a new definition may be another image to download
        installed = self.host.state.installed
        if installed is not None and course_id not in installed:
            self.install_flow.check_then(course_id, self._start_if_still_chosen)
        else:
            self.start_answering(None)

    def _start_if_still_chosen(self, course_id: str) -> None:
        # the folder on the page is the selected course's: another selected meanwhile
        # (the check ran in a job) is not a reason to start this one in its folder
        if self.host.selected_id() == course_id:
            self.start_answering(None)
        else:
            self.host.say("Not started: another course was chosen meanwhile.", 6000)

    def start_answering(self, guide: GuideChoice | None) -> None:
        """Start the selected course, with the answer about a guide container, if asked."""
        host = self.host
        course_id = idle_selection(host)
        if course_id is None or not self._definition_kept(
            course_id, lambda: self.start_answering(guide)
        ):
            return
        launcher = host.launcher
        folder: Path | None = host.chosen_folder()
        is_default = folder == host.folder_for(course_id) and launcher.folder_for(course_id) is None
        there = launcher.on_another_computer()
        if there:  # a folder here cannot be used there: its own, or ~/CODE-PRESENTATION
            folder, is_default = None, False
        forwards = host.forwards

        def work(
            report: Callable[[Any], None], cancel: CancelToken
        ) -> StartResult | GuideContainerFound:
            try:
                started = launcher.start(course_id, folder, create_folder=is_default,
                                         guide=guide, progress=report, cancel=cancel)  # fmt: skip
            except GuideContainerFound as found:
                return found  # a question for the student, asked on the GUI thread
            if there:
                report("Forwarding it to this computer…")
                forwards.ensure(course_id)  # before Open is pressed (or the browser opens)
            return started

        job = env_job(host, course_id, f"Starting {launcher.course(course_id).code}", work)
        self._remember(course_id, job, Journey.START)
        job.succeeded.connect(lambda result: self._started(course_id, result))

    def _started(self, course_id: str, result: StartResult | GuideContainerFound) -> None:
        if isinstance(result, GuideContainerFound):
            from launcher.ui.dialogs.guide_container import ask_about_guide_container

            self.guide_question = ask_about_guide_container(
                self.parent_widget, result, self.start_answering
            )
            return
        self.host.state.environment_started(course_id, result)
        self.became_ready.emit(course_id)
        if self.host.launcher.settings.open_browser and result.endpoints:
            self.open_service(result.endpoints[0].name)

    def _start_course(self, course_id: str) -> None:
        self.host.select_course(course_id)
        self.start_selected()

    def stop_selected(self) -> None:
        course_id = self.host.selected_id()
        if course_id is not None:
            self.stop_course(course_id)

    def stop_course(self, course_id: str) -> Job:
        host = self.host
        if course_id == host.selected_id():
            host.stop_following_log()
        launcher = host.launcher
        job = env_job(host, course_id, "Stopping", plain(lambda: launcher.stop(course_id)))
        self._remember(course_id, job, None)  # not a journey, and not cancellable
        return job

    def install_selected(self) -> None:
        """Download only (More > Download only): the check before the download first
        (``actions/install.py``); the course starts later, offline too."""
        course_id = self.host.selected_id()
        if course_id is None or not self._definition_kept(course_id, self.install_selected):
            return
        self.install_flow.check_then(course_id, self._download)

    def _download(self, course_id: str) -> None:
        launcher = self.host.launcher
        title = f"Downloading {launcher.course(course_id).code}"
        job = env_job(self.host, course_id, title, lambda r, c: launcher.install(course_id, r, c))
        self._remember(course_id, job, Journey.INSTALL)

    def cancel_selected(self) -> None:
        course_id = self.host.selected_id()
        job = self.host.runner.active(env_key(course_id)) if course_id else None
        if job is not None:
            job.cancel()

    # -- services ------------------------------------------------------------------
    def _with_service_url(
        self, name: str, course_id: str | None, then: Callable[[str], None]
    ) -> None:
        """Ask the engine for the service's address in a job, then call ``then`` with it."""
        course_id = course_id or self.host.selected_id()
        if course_id is None or not self._definition_kept(
            course_id, lambda: self._start_course(course_id)
        ):
            return  # Yes starts it again on the new definition, with its new token
        launcher = self.host.launcher
        job = Job.call(
            f"address:{course_id}",
            f"Finding the address of {name}",
            lambda: launcher.service_url(course_id, name),
        )
        job.succeeded.connect(lambda url: then(str(url)) if url else None)
        job.failed.connect(lambda message, hint: self.host.say(f"{message} {hint}"))
        self.host.runner.submit(job)

    def open_terminal(self) -> None:
        """Jupyter's terminal in the browser (a platform terminal is not started yet)."""
        course_id = self.host.selected_id()
        if course_id is None:
            return
        launcher = self.host.launcher
        job = Job.call(f"address:{course_id}", "Finding the terminal",
                       lambda: launcher.terminal_url(course_id))  # fmt: skip
        job.succeeded.connect(lambda url: self._open_url(str(url)))
        job.failed.connect(lambda message, hint: self.host.say(f"{message} {hint}"))
        self.host.runner.submit(job)

    def open_service(self, name: str, course_id: str | None = None) -> None:
        self._with_service_url(name, course_id, self._open_url)

    def copy_service(self, name: str, course_id: str | None = None) -> None:
        self._with_service_url(name, course_id, self._copy_url)

    def _open_url(self, url: str) -> None:
        try:
            self.opener(url)
        except OSError:
            self.host.say(
                "No web browser could be opened. Use Copy address and paste it into a browser."
            )

    def _copy_url(self, url: str) -> None:
        QGuiApplication.clipboard().setText(url)
        self.host.say("Address copied.", 4000)
