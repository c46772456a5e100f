"""PySide6 front end. Never does blocking work on the GUI thread."""
