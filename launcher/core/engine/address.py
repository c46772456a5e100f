"""Whether a text can be a Docker engine address: the same sentence for the Settings
dialog and for ``--engine``. Plain text, no connection."""

from __future__ import annotations

ENGINE_SCHEMES = ("unix://", "npipe://", "tcp://", "ssh://", "http://", "https://")


def engine_address_problem(text: str) -> str | None:
    """A sentence when ``text`` cannot be an engine address; None when it can (or is empty)."""
    address = text.strip()
    if not address or address.lower().startswith(ENGINE_SCHEMES):
        return None
    return (
        "The engine address starts with unix://, npipe://, tcp:// or ssh:// "
        "(for example unix:///var/run/docker.sock). Leave it empty to find Docker automatically."
    )
