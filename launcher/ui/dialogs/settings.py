"""Settings: catalogues, the Docker engine's address (or another computer's, over
SSH), the browser.

(Start at login has no control yet: it appears when the OS integration exists.)

Catalogue changes are saved as soon as they are made (an added catalogue must load
first, which may mean a download, so it runs as a job). The other settings are
saved when the student presses OK; the file is written by a job too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from launcher.core.catalogue.model import Catalogue
from launcher.core.engine.address import engine_address_problem
from launcher.core.launcher import Launcher
from launcher.core.local.settings import Settings
from launcher.core.operation import CancelToken
from launcher.ui.jobs import Job, JobRunner

SSH_SCHEME = "ssh://"
SETTINGS_JOB = "settings"  # one key: saves and catalogue checks never race each other


class SettingsDialog(QDialog):
    #: a catalogue was added and loaded: its courses, to be shown in the list
    catalogue_added = Signal(object)
    #: a catalogue was removed and the launcher's catalogue read again
    catalogue_reloaded = Signal()
    #: the engine address changed: look for the engine again
    engine_changed = Signal()
    #: the settings were saved (after OK)
    saved = Signal(object)
    #: saving failed: message, hint (the dialog is closed by then)
    save_failed = Signal(str, str)

    def __init__(self, launcher: Launcher, runner: JobRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.launcher = launcher
        self.runner = runner
        self.setWindowTitle("Settings")
        self.setAccessibleName("Settings")
        self.setMinimumWidth(560)
        settings = launcher.settings

        catalogues = QGroupBox("Course catalogues", self)
        self.sources = QListWidget(catalogues)
        self.sources.setAccessibleName("Catalogue sources")
        self.sources.setToolTip("Catalogues listed here add their courses to the list")
        self.sources.addItems(list(settings.catalogue_sources))
        self.sources.currentRowChanged.connect(lambda _row: self._update_buttons())
        self.new_source = QLineEdit(catalogues)
        self.new_source.setAccessibleName("New catalogue address or file")
        self.new_source.setPlaceholderText("https://… address or a .toml file")
        self.new_source.textChanged.connect(lambda _text: self._update_buttons())
        self.new_source.returnPressed.connect(self.add_source)
        self.browse = QPushButton("Choose &file…", catalogues)
        self.browse.setAccessibleName("Choose a catalogue file")
        self.browse.setToolTip("Pick a catalogue file (.toml) on this computer")
        self.browse.clicked.connect(self._choose_file)
        self.add = QPushButton("&Add", catalogues)
        self.add.setAccessibleName("Add catalogue")
        self.add.setToolTip("Load the catalogue now and remember it")
        self.add.clicked.connect(self.add_source)
        self.remove = QPushButton("&Remove", catalogues)
        self.remove.setAccessibleName("Remove catalogue")
        self.remove.setToolTip("Forget the selected catalogue")
        self.remove.clicked.connect(self.remove_source)
        self.catalogue_status = QLabel(
            "The course list always includes the catalogue that comes with the launcher. "
            "Changes here are saved straight away.",
            catalogues,
        )
        self.catalogue_status.setWordWrap(True)
        self.catalogue_status.setAccessibleName("Catalogue status")
        self.catalogue_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        new_label = QLabel("&New:", catalogues)
        new_label.setBuddy(self.new_source)
        add_row = QHBoxLayout()
        add_row.addWidget(new_label)
        add_row.addWidget(self.new_source, 1)
        add_row.addWidget(self.browse)
        add_row.addWidget(self.add)
        list_row = QHBoxLayout()
        list_row.addWidget(self.sources, 1)
        list_row.addWidget(self.remove, 0, Qt.AlignmentFlag.AlignTop)
        catalogue_layout = QVBoxLayout(catalogues)
        catalogue_layout.addLayout(list_row)
        catalogue_layout.addLayout(add_row)
        catalogue_layout.addWidget(self.catalogue_status)

        general = QGroupBox("General", self)
        there = (settings.engine_address or "").lower().startswith(SSH_SCHEME)
        self.engine_address = QLineEdit("" if there else settings.engine_address or "", general)
        self.engine_address.setAccessibleName("Docker engine address")
        self.engine_address.setPlaceholderText("Automatic (recommended)")
        self.engine_address.setToolTip(
            "Leave empty to find Docker by itself; or e.g. unix:///var/run/docker.sock"
        )
        self.engine_address.textChanged.connect(lambda _text: self._check_engine_address())
        self.open_browser = QCheckBox("&Open the browser when an environment is ready", general)
        self.open_browser.setAccessibleName("Open the browser automatically")
        self.open_browser.setChecked(settings.open_browser)
        self.start_at_login = QCheckBox("Start Course Launcher when I &log in", general)
        self.start_at_login.setAccessibleName("Start Course Launcher when I log in")
        self.start_at_login.setToolTip("Off unless you switch it on")
        self.start_at_login.setChecked(launcher.login_entry_enabled())
        self.engine_problem = QLabel(general)
        self.engine_problem.setWordWrap(True)
        self.engine_problem.setAccessibleName("Engine address problem")
        self.engine_problem.hide()
        self.remote = QCheckBox("Run courses on another &computer, over SSH", general)
        self.remote.setAccessibleName("Run courses on another computer")
        self.remote.setToolTip("Courses run on that computer's Docker; you open them here")
        self.remote.setChecked(there)
        self.ssh_address = QLineEdit((settings.engine_address or "") if there else "", general)
        self.ssh_address.setAccessibleName("SSH address of the other computer")
        self.ssh_address.setPlaceholderText("ssh://user@computer")
        self.ssh_address.setToolTip(
            "Your user there and the computer's name; add :port when SSH is not on port 22, "
            "and the engine's socket as a path when it is not /var/run/docker.sock"
        )
        self.ssh_address.textChanged.connect(lambda _text: self._check_engine_address())
        self.remote_note = QLabel(
            "Courses then run there, each in a folder in your home there "
            "(~/CODE-PRESENTATION). While this window is open they are forwarded here, so "
            "Open works as usual. You log in with your SSH key; the first time, you check "
            "the computer's key.",
            general,
        )
        self.remote_note.setWordWrap(True)
        self.remote_note.setAccessibleName("About running courses on another computer")
        self.remote.toggled.connect(lambda _on: self._show_remote())
        form = QFormLayout(general)
        form.addRow("Docker &engine address:", self.engine_address)
        form.addRow("", self.remote)
        form.addRow("&SSH address:", self.ssh_address)
        form.addRow("", self.remote_note)
        form.addRow("", self.engine_problem)
        form.addRow("", self.open_browser)
        form.addRow("", self.start_at_login)
        for field in (self.engine_address, self.ssh_address):
            label = form.labelForField(field)
            if isinstance(label, QLabel):
                label.setBuddy(field)
        self._show_remote()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        for button in self.buttons.buttons():
            button.setAccessibleName(button.text().replace("&", ""))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(catalogues)
        layout.addWidget(general)
        layout.addWidget(self.buttons)
        self._checking = False
        self._update_buttons()

    # -- catalogues ------------------------------------------------------------------
    def _update_buttons(self) -> None:
        idle = not self._checking
        self.add.setEnabled(idle and bool(self.new_source.text().strip()))
        self.remove.setEnabled(idle and self.sources.currentRow() >= 0)
        self.new_source.setEnabled(idle)
        self.browse.setEnabled(idle)

    def _choose_file(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(
            self, "Choose a course catalogue", "", "Course catalogues (*.toml);;All files (*)"
        )
        if chosen:
            self.new_source.setText(chosen)

    def _say(self, text: str) -> None:
        self.catalogue_status.setText(text)

    def add_source(self) -> None:
        source = self.new_source.text().strip()
        if not source or self._checking:
            return
        launcher = self.launcher

        def work(_report: Callable[[Any], None], _cancel: CancelToken) -> Any:
            added = launcher.add_catalogue(source)  # its courses are in the list now
            return launcher.catalogue_sources(), added

        self._run(Job(SETTINGS_JOB, "Checking the catalogue", work), f"Loading {source}…")

    def remove_source(self) -> None:
        item = self.sources.currentItem()
        if item is None or self._checking:
            return
        source = item.text()
        launcher = self.launcher

        def work(_report: Callable[[Any], None], _cancel: CancelToken) -> Any:
            launcher.remove_catalogue(source)  # its courses leave the list now
            return launcher.catalogue_sources(), None

        self._run(Job(SETTINGS_JOB, "Saving your settings", work), "Saving…")

    def _run(self, job: Job, saying: str) -> None:
        self._checking = True
        self._update_buttons()
        self._say(saying)
        job.succeeded.connect(self._sources_changed)
        job.failed.connect(lambda message, hint: self._say(f"{message}\n{hint}".strip()))
        job.done.connect(self._job_done)
        self.runner.submit(job)

    def _sources_changed(self, result: tuple[list[str], Catalogue | None]) -> None:
        sources, catalogue = result
        self.sources.clear()
        self.sources.addItems(sources)
        if catalogue is not None:
            self.new_source.clear()
            count = len(catalogue)
            self._say(f"Added: {count} course{'s' if count != 1 else ''} from this catalogue.")
            self.catalogue_added.emit(catalogue)
        else:
            self._say("Removed, and its courses with it.")
            self.catalogue_reloaded.emit()

    def _job_done(self) -> None:
        self._checking = False
        self._update_buttons()

    # -- the rest --------------------------------------------------------------------
    def _show_remote(self) -> None:
        there = self.remote.isChecked()
        self.engine_address.setEnabled(not there)
        self.ssh_address.setEnabled(there)
        self.remote_note.setEnabled(there)
        self._check_engine_address()

    def chosen_address(self) -> str | None:
        """The engine address: the other computer's (``ssh://`` added when left out)
        when courses run there, else the one written, else None (found by itself)."""
        if not self.remote.isChecked():
            return self.engine_address.text().strip() or None
        text = self.ssh_address.text().strip()
        if text and not text.lower().startswith(SSH_SCHEME):
            text = SSH_SCHEME + text
        return text or None

    def _check_engine_address(self) -> bool:
        if self.remote.isChecked():
            problem = None if self.chosen_address() else "Write the other computer's SSH address."
        else:
            problem = engine_address_problem(self.engine_address.text())
        self.engine_problem.setText(problem or "")
        self.engine_problem.setVisible(problem is not None)
        return problem is None

    def chosen_settings(self) -> Settings:
        """The launcher's settings with this dialog's choices (catalogues are saved already)."""
        address = self.chosen_address()
        return replace(
            self.launcher.settings,
            engine_address=address,
            open_browser=self.open_browser.isChecked(),
            start_at_login=self.start_at_login.isChecked(),
        )

    def accept(self) -> None:
        if not self._check_engine_address():
            (self.ssh_address if self.remote.isChecked() else self.engine_address).setFocus()
            return
        launcher = self.launcher
        chosen = self.chosen_settings()
        if chosen.engine_address != launcher.settings.engine_address:
            launcher.engine_address = chosen.engine_address
            self.engine_changed.emit()
        login_entry = chosen.start_at_login
        change_login_entry = login_entry != launcher.login_entry_enabled()

        def work(_report: Callable[[Any], None], _cancel: CancelToken) -> None:
            # Only this dialog's fields: what a job changed meanwhile (a course's folder
            # and ports after a start) is kept.
            launcher.update_settings(
                lambda settings: replace(
                    settings,
                    engine_address=chosen.engine_address,
                    open_browser=chosen.open_browser,
                    start_at_login=chosen.start_at_login,
                )
            )
            if change_login_entry:
                launcher.set_login_entry(login_entry)

        job = Job(SETTINGS_JOB, "Saving your settings", work)
        job.succeeded.connect(lambda _result: self.saved.emit(launcher.settings))
        job.failed.connect(self.save_failed)
        self.runner.submit(job)
        super().accept()
