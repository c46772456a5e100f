"""Host ports and the student's folder, without an engine."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from launcher.core.environments.folder import check_folder
from launcher.core.environments.ports import choose_port, port_is_free
from launcher.core.errors import WorkspaceError
from launcher.core.redaction import blank_secrets


def test_a_listening_port_is_not_free_and_the_next_one_is_chosen() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        taken = sock.getsockname()[1]
        assert not port_is_free(taken)
        chosen = choose_port(taken)
        assert chosen != taken
        assert port_is_free(chosen)


def test_avoided_ports_are_skipped() -> None:
    first = choose_port(None)
    assert choose_port(first, avoid={first}) != first


def test_folder_checks(tmp_path: Path) -> None:
    assert check_folder(tmp_path) == tmp_path
    with pytest.raises(WorkspaceError, match="does not exist"):
        check_folder(tmp_path / "missing")
    made = check_folder(tmp_path / "new" / "TM351", create=True)
    assert made.is_dir()
    (tmp_path / "f").write_text("x")
    with pytest.raises(WorkspaceError, match="is a file"):
        check_folder(tmp_path / "f")
    assert (tmp_path / "f").read_text() == "x"


def test_tokens_are_redacted_from_log_lines() -> None:
    line = "http://127.0.0.1:8888/lab?token=abc123 and abc123 again"
    assert "abc123" not in blank_secrets(line, ["abc123"])
    assert blank_secrets("nothing secret", ["", "zzz"]) == "nothing secret"
