"""An https catalogue is never followed down to plain http (to this computer's ports)."""

from __future__ import annotations

import pytest

from launcher.core.catalogue.sources import redirect_allowed


@pytest.mark.parametrize(
    ("origin", "target", "allowed"),
    [
        ("https://example.org/c.toml", "https://cdn.example.org/c.toml", True),
        ("https://example.org/c.toml", "http://127.0.0.1:8888/api/contents", False),
        ("https://example.org/c.toml", "http://localhost/c.toml", False),
        ("https://example.org/c.toml", "http://example.org/c.toml", False),
        ("http://127.0.0.1:8000/c.toml", "http://127.0.0.1:8000/new.toml", True),
        ("http://127.0.0.1:8000/c.toml", "https://example.org/c.toml", True),
        ("http://127.0.0.1:8000/c.toml", "http://example.org/c.toml", False),
        ("https://example.org/c.toml", "file:///etc/passwd", False),
    ],
)
def test_redirects_keep_https(origin: str, target: str, allowed: bool) -> None:
    assert redirect_allowed(origin, target) is allowed
