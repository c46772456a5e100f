"""Diagnostics: what a tutor asks for first, to read out or paste into an email.

The text is built from what the window already knows (the About versions, the
engine found at start, the last status check); opening it asks Docker nothing.
It never contains a token: addresses are the token-free ones, and any user name
or password in an address is replaced by "…".
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from launcher.core.catalogue_sources import redact
from launcher.core.environment import EnvironmentStatus
from launcher.core.launcher import Launcher
from launcher.core.sizes import human_size
from launcher.ui.about import versions


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
        wanted = redact(launcher.engine_address) if launcher.engine_address else "the usual places"
        lines.append(f"  not connected; looking at {wanted}")
        if engine_problem:
            lines.append(f"  last problem: {engine_problem}")
    else:
        info = engine.info
        lines += [
            f"  address: {redact(engine.address)} (found by {engine.found_by})",
            f"  runs on: {info.operating_system or '?'} ({info.os_type}/{info.architecture}), "
            f"kernel {info.kernel_version or '?'}",
            f"  product: {info.product or 'Docker Engine'}",
            f"  memory: {human_size(info.total_memory) if info.total_memory else '?'}, "
            f"processors: {info.cpus or '?'}",
        ]
        lines += [
            f"  tried first: {redact(a.address)} ({a.found_by}): {a.reason}" for a in engine.tried
        ]
    lines += ["", "Launcher folders"]
    lines += [f"  {name}: {path}" for name, path in launcher.paths.all().items()]
    lines += ["", "Catalogues", "  the one that comes with the launcher"]
    lines += [f"  {redact(source)}" for source in launcher.settings.catalogue_sources]
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


class DiagnosticsDialog(QDialog):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Diagnostics")
        self.setAccessibleName("Diagnostics")
        self.resize(720, 520)
        intro = QLabel(
            "Your tutor may ask for these details. They contain no passwords or tokens.", self
        )
        intro.setWordWrap(True)
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
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.copy, QDialogButtonBox.ButtonRole.ActionRole)
        for button in buttons.buttons():
            button.setAccessibleName(button.text().replace("&", ""))
        buttons.rejected.connect(self.reject)
        self.note = QLabel(self)
        self.note.setAccessibleName("Copy status")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())
        self.note.setText("Copied. Paste it where your tutor asked for it.")
