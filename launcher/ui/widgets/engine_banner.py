"""The panel shown when Docker is missing or stopped, with the next step and Retry."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from launcher.ui.widgets.html import escape


class EngineBanner(QFrame):
    retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("engineBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Docker status")
        self.title = QLabel(self)
        self.title.setObjectName("engineBannerTitle")
        self.title.setWordWrap(True)
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.detail.setOpenExternalLinks(True)
        self.detail.setTextInteractionFlags(self.detail.textInteractionFlags())
        self.retry = QPushButton("&Retry", self)
        self.retry.setAccessibleName("Retry connecting to Docker")
        self.retry.setToolTip("Look for Docker again")
        self.retry.clicked.connect(self.retry_requested)
        text = QVBoxLayout()
        text.addWidget(self.title)
        text.addWidget(self.detail)
        layout = QHBoxLayout(self)
        layout.addLayout(text, 1)
        layout.addWidget(self.retry)

    def show_checking(self) -> None:
        self.title.setText("<b>Looking for Docker…</b>")
        self.detail.setText("Course environments run in Docker. This takes a moment.")
        self.retry.setEnabled(False)
        self.show()

    def show_problem(self, message: str, hint: str) -> None:
        self.title.setText(f"<b>{escape(message)}</b>")
        self.detail.setText(_linkify(hint))
        self.retry.setEnabled(True)
        self.show()


def _linkify(text: str) -> str:
    lines = []
    for line in escape(text).split("\n"):
        words = []
        for word in line.split(" "):
            bare = word.rstrip(".,;)")
            if bare.startswith("https://"):
                word = word.replace(bare, f'<a href="{bare}">{bare}</a>')
            words.append(word)
        lines.append(" ".join(words))
    return "<br>".join(lines)
