"""Text shown inside Qt's rich-text labels: what a student's names, folders and Docker's
messages must not be read as (a folder named ``<b>`` is a folder, not bold)."""

from __future__ import annotations

import html


def escape(text: str) -> str:
    """``text`` as rich text that shows exactly those characters."""
    return html.escape(text, quote=False)


def escape_lines(text: str) -> str:
    """As ``escape``, keeping the text's line breaks."""
    return escape(text).replace("\n", "<br>")
