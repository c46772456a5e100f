"""Diagnostics: what a tutor asks for first, to read out or paste into an email.

The text is built from what the window already knows (the About versions, the
engine found at start, the last status check). Given a launcher and a job runner, the
dialog also runs the doctor's checks in a job and shows each one's status, summary and
fix, and saves a support bundle (launcher/core/doctor/support_bundle.py) in a job.
It never contains a token: addresses are the token-free ones, and any user name
or password in an address is replaced by "…".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from launcher.core.doctor.check import Check
from launcher.core.environments.state import EnvironmentStatus
from launcher.core.launcher import Launcher
from launcher.core.redaction import redact_login
from launcher.core.text import human_size
from launcher.ui.dialogs.about import versions
from launcher.ui.jobs import Job, JobRunner


def diagnostics_text(
    launcher: Launcher,
    statuses: Mapping[str, EnvironmentStatus],
    ready: Mapping[str, frozenset[str]],
    *,
    engine_problem: str = "",
) -> str:
    lines = [*versions(launcher), ""]
    engine = launcher.connected_engine
    lines.append("Docker engine")
    if engine is None:
        wanted = (
            redact_login(launcher.engine_address) if launcher.engine_address else "the usual places"
        )
        lines.append(f"  not connected; looking at {wanted}")
        if engine_problem:
            lines.append(f"  last problem: {engine_problem}")
    else:
        info = engine.info
        lines += [
            f"  address: {redact_login(engine.address)} (found by {engine.found_by})",
            f"  runs on: {info.operating_system or '?'} ({info.os_type}/{info.architecture}), "
            f"kernel {info.kernel_version or '?'}",
            f"  product: {info.product or 'Docker Engine'}",
            f"  memory: {human_size(info.total_memory) if info.total_memory else '?'}, "
            f"processors: {info.cpus or '?'}",
        ]
        lines += [
            f"  tried first: {redact_login(a.address)} ({a.found_by}): {a.reason}"
            for a in engine.tried
        ]
    lines += ["", "Launcher folders"]
    lines += [f"  {name}: {path}" for name, path in launcher.paths.all().items()]
    lines += ["", "Catalogues", "  the one that comes with the launcher"]
    lines += [f"  {redact_login(source)}" for source in launcher.settings.catalogue_sources]
    lines += ["", "Environments"]
    for course in launcher.catalogue:
        status = statuses.get(course.id)
        state = status.state.value if status else "not known yet"
        lines.append(f"  {course.display_name} ({course.id}): {state}")
        if status is None:
            continue
        if status.image:
            lines.append(f"    image {status.image}")
        for endpoint in status.endpoints:
            answers = "answers" if endpoint.name in ready.get(course.id, ()) else "not answering"
            private = ", token kept private" if endpoint.needs_token else ""
            lines.append(f"    {endpoint.name}: {endpoint.url} ({answers}{private})")
    lines += ["", "Settings"]
    settings = launcher.settings
    lines.append(
        f"  open the browser: {'yes' if settings.open_browser else 'no'}; "
        f"start at login: {'yes' if settings.start_at_login else 'no'}"
    )
    return "\n".join(lines) + "\n"


SaveAsker = Callable[[QWidget, str], str]  # parent, suggested path -> chosen path ("" = none)


def ask_bundle_path(parent: QWidget, suggested: str) -> str:
    path, _filter = QFileDialog.getSaveFileName(
        parent, "Save support bundle", suggested, "Text files (*.txt);;All files (*)"
    )
    return path


def checks_text(checks: Sequence[Check]) -> str:
    lines = ["Doctor's checks"]
    for check in checks:
        lines.append(f"  [{check.status}] {check.id}: {check.summary}")
        if check.fix:
            lines.append(f"      fix: {check.fix}")
    return "\n".join(lines) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


_MARKS = {"ok": "✔ ok", "warning": "⚠ warning", "error": "✖ error"}


class DiagnosticsDialog(QDialog):
    def __init__(
        self,
        text: str,
        parent: QWidget | None = None,
        *,
        launcher: Launcher | None = None,
        runner: JobRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.launcher = launcher
        self.runner = runner
        self.checks: list[Check] = []
        self.ask_bundle_path: SaveAsker = ask_bundle_path  # tests put their own here
        self.setWindowTitle("Diagnostics")
        self.setAccessibleName("Diagnostics")
        self.resize(820, 640)
        intro = QLabel(
            "Your tutor may ask for these details. They contain no passwords or tokens.", self
        )
        intro.setWordWrap(True)
        self.doctor_state = QLabel(self)
        self.doctor_state.setAccessibleName("Doctor's checks status")
        self.doctor_state.setWordWrap(True)
        self.results = QTreeWidget(self)
        self.results.setAccessibleName("Doctor's checks")
        self.results.setHeaderLabels(["Status", "Check", "What was found, and how to fix it"])
        header = self.results.header()
        header.setAccessibleName("Doctor's checks columns")
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.results.setRootIsDecorated(False)
        self.results.setWordWrap(True)
        self.results.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.results.setAlternatingRowColors(True)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Diagnostic details")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setPlainText(text)
        self.copy = QPushButton("&Copy to clipboard", self)
        self.copy.setAccessibleName("Copy to clipboard")
        self.copy.setToolTip("Copy these details to paste them into an email or a forum post")
        self.copy.clicked.connect(self.copy_to_clipboard)
        self.again = QPushButton("Check &again", self)
        self.again.setAccessibleName("Check again")
        self.again.setToolTip("Run the doctor's checks again")
        self.again.clicked.connect(self.run_doctor)
        self.save = QPushButton("&Save support bundle…", self)
        self.save.setAccessibleName("Save support bundle")
        self.save.setToolTip("Save one text file with everything your tutor needs, no tokens")
        self.save.clicked.connect(self.save_bundle)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.copy, QDialogButtonBox.ButtonRole.ActionRole)
        if launcher is not None and runner is not None:
            buttons.addButton(self.again, QDialogButtonBox.ButtonRole.ActionRole)
            buttons.addButton(self.save, QDialogButtonBox.ButtonRole.ActionRole)
        for button in buttons.buttons():
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
        buttons.rejected.connect(self.reject)
        self.note = QLabel(self)
        self.note.setAccessibleName("Copy status")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        if launcher is not None and runner is not None:
            layout.addWidget(self.doctor_state)
            layout.addWidget(self.results, 1)
        else:
            for widget in (self.doctor_state, self.results, self.again, self.save):
                widget.hide()
        layout.addWidget(self.text, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.run_doctor()

    # -- the doctor ----------------------------------------------------------------
    def run_doctor(self) -> None:
        if self.launcher is None or self.runner is None or self.runner.busy("doctor"):
            return
        launcher = self.launcher
        self.doctor_state.setText("Running the doctor's checks…")
        self.again.setEnabled(False)
        job = Job("doctor", "Running the doctor's checks", lambda _r, _c: launcher.doctor())
        job.succeeded.connect(self._checks_arrived)
        job.failed.connect(self._doctor_failed)
        self.runner.submit(job)

    def _checks_arrived(self, checks: list[Check]) -> None:
        self.checks = list(checks)
        self.results.clear()
        for check in self.checks:
            details = f"{check.summary}\nHow to fix: {check.fix}" if check.fix else check.summary
            item = QTreeWidgetItem([_MARKS[check.status], check.id, details])
            item.setToolTip(2, details)
            self.results.addTopLevelItem(item)
        errors = sum(c.status == "error" for c in self.checks)
        warnings = sum(c.status == "warning" for c in self.checks)
        if errors or warnings:
            said = f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"
            self.doctor_state.setText(f"{_count(len(self.checks), 'check')}: {said}.")
        else:
            self.doctor_state.setText(f"{_count(len(self.checks), 'check')}, all fine.")
        self.again.setEnabled(True)

    def _doctor_failed(self, message: str, hint: str) -> None:
        self.doctor_state.setText(f"The doctor could not run: {message} {hint}")
        self.again.setEnabled(True)

    def row(self, check_id: str) -> QTreeWidgetItem | None:
        found = self.results.findItems(check_id, Qt.MatchFlag.MatchExactly, 1)
        return found[0] if found else None

    # -- copying and saving ----------------------------------------------------------
    def copy_text(self) -> str:
        details = self.text.toPlainText()
        return f"{checks_text(self.checks)}\n{details}" if self.checks else details

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.copy_text())
        self.note.setText("Copied. Paste it where your tutor asked for it.")

    def save_bundle(self) -> None:
        if self.launcher is None or self.runner is None or self.runner.busy("support-bundle"):
            return
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        suggested = str(Path.home() / f"course-launcher-support-{stamp}.txt")
        chosen = self.ask_bundle_path(self, suggested)
        if not chosen:
            return
        launcher, path = self.launcher, Path(chosen)
        checks = list(self.checks) or None
        self.save.setEnabled(False)
        self.note.setText(f"Saving the support bundle to {path}…")
        job = Job(
            "support-bundle",
            "Saving the support bundle",
            lambda _r, _c: launcher.support_bundle(path, checks=checks),
        )
        job.succeeded.connect(self._bundle_saved)
        job.failed.connect(self._bundle_failed)
        self.runner.submit(job)

    def _bundle_saved(self, path: Path) -> None:
        self.save.setEnabled(True)
        self.note.setText(f"Support bundle saved to {path}. Send this file to your tutor.")

    def _bundle_failed(self, message: str, hint: str) -> None:
        self.save.setEnabled(True)
        self.note.setText(f"The support bundle was not saved: {message} {hint}")
