"""The question asked the first time the launcher connects to another computer: is this
its key? Trust on first use, never blind: the fingerprint is shown, to be compared with
the one the computer's owner gives, and Accept remembers it. A computer whose key
changed is refused with a warning and no way to accept it here."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from launcher.core.errors import HostKeyChanged, HostKeyUnknown
from launcher.ui.widgets.html import escape as escape_html

CHECK_COMMAND = "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub"


class HostKeyDialog(QDialog):
    #: the person accepted this fingerprint
    accepted_key = Signal(str)

    def __init__(self, error: HostKeyUnknown | HostKeyChanged, parent: QWidget | None = None):
        super().__init__(parent)
        self.error = error
        unknown = isinstance(error, HostKeyUnknown)
        title = "Is this the right computer?" if unknown else "This computer's key changed"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        if isinstance(error, HostKeyUnknown):
            intro = (
                f"<p>This is the first time Course Launcher connects to "
                f"<b>{escape_html(error.host)}</b>. It says the fingerprint of its key is:</p>"
            )
            after = (
                "<p>Ask the computer's owner for its fingerprint (on that computer: "
                f"<code>{escape_html(CHECK_COMMAND)}</code>) and compare. Accept only when "
                "they are the same: otherwise another computer may be pretending to be "
                "that one.</p>"
            )
        else:
            intro = f"<p><b>{escape_html(error.message)}</b></p>"
            after = f"<p>{escape_html(error.hint)}</p>"  # what to do: ask, remove by hand
        self.intro = QLabel(intro, self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        if isinstance(error, HostKeyUnknown):
            self.fingerprint = QLabel(error.fingerprint, self)
            self.fingerprint.setAccessibleName("Fingerprint")
            self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            font = self.fingerprint.font()
            font.setFamily("monospace")
            font.setBold(True)
            self.fingerprint.setFont(font)
            layout.addWidget(self.fingerprint)
        self.after = QLabel(after, self)
        self.after.setWordWrap(True)
        layout.addWidget(self.after)
        if unknown:
            self.buttons = QDialogButtonBox(self)
            accept = self.buttons.addButton(
                "&Accept this computer", QDialogButtonBox.ButtonRole.AcceptRole
            )
            accept.setAccessibleName("Accept this computer")
            cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
            cancel.setAccessibleName("Cancel")
            cancel.setDefault(True)  # Enter does not accept a key unread
        else:
            self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
            self.buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def accept(self) -> None:
        if isinstance(self.error, HostKeyUnknown):
            self.accepted_key.emit(self.error.fingerprint)
        super().accept()
