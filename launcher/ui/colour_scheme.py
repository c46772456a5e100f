"""Follow the system's light or dark colour scheme.

Qt 6 reports the scheme (``QStyleHints.colorScheme``, and ``colorSchemeChanged`` when
the person switches). Where the platform's theme gives a dark palette itself
(Windows 11, macOS, KDE) nothing is changed. Where it reports a dark scheme but
leaves the palette light (Linux desktops seen through the desktop portal only, with
the Fusion style), the launcher sets a dark palette of its own, and gives the system's
back when the scheme turns light again. No widget sets colours of its own, so the
palette is the whole of it; sizes come from the system font, so scaling follows too.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

DARK_PROPERTY = "courseLauncherDarkPalette"  # set on the app while our palette is in use

_GROUP = QPalette.ColorGroup
_ROLE = QPalette.ColorRole
_DARK = {
    _ROLE.Window: "#2b2b2b",
    _ROLE.WindowText: "#f0f0f0",
    _ROLE.Base: "#1f1f1f",
    _ROLE.AlternateBase: "#2f2f2f",
    _ROLE.ToolTipBase: "#3a3a3a",
    _ROLE.ToolTipText: "#f0f0f0",
    _ROLE.PlaceholderText: "#9a9a9a",
    _ROLE.Text: "#f0f0f0",
    _ROLE.Button: "#3a3a3a",
    _ROLE.ButtonText: "#f0f0f0",
    _ROLE.BrightText: "#ff6b6b",
    _ROLE.Light: "#505050",
    _ROLE.Midlight: "#404040",
    _ROLE.Mid: "#303030",
    _ROLE.Dark: "#202020",
    _ROLE.Shadow: "#000000",
    _ROLE.Highlight: "#3d7fd6",
    _ROLE.HighlightedText: "#ffffff",
    _ROLE.Link: "#8ab4f8",
    _ROLE.LinkVisited: "#c58af9",
}
_DISABLED = {_ROLE.WindowText: "#808080", _ROLE.Text: "#808080", _ROLE.ButtonText: "#808080"}


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in _DARK.items():
        palette.setColor(role, QColor(colour))
    for role, colour in _DISABLED.items():
        palette.setColor(_GROUP.Disabled, role, QColor(colour))
    return palette


def looks_dark(palette: QPalette) -> bool:
    return palette.color(_ROLE.Window).lightness() < 128


def apply_colour_scheme(app: QApplication, scheme: Qt.ColorScheme) -> None:
    """Make the app's palette match ``scheme`` if the platform did not."""
    ours = bool(app.property(DARK_PROPERTY))
    if scheme == Qt.ColorScheme.Dark and not looks_dark(app.palette()):
        app.setPalette(dark_palette())
        app.setProperty(DARK_PROPERTY, True)
    elif scheme != Qt.ColorScheme.Dark and ours:
        app.setProperty(DARK_PROPERTY, False)
        app.setPalette(app.style().standardPalette())


class ColourSchemeFollower(QObject):
    """Applies the system's scheme now and each time it changes (until deleted)."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.app = app
        hints = app.styleHints()
        hints.colorSchemeChanged.connect(self.apply)
        self.apply(hints.colorScheme())

    def apply(self, scheme: Qt.ColorScheme) -> None:
        apply_colour_scheme(self.app, scheme)
