"""Host ports and the student's folder, without an engine."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from launcher.core.environments.folder import check_folder
from launcher.core.environments.ports import choose_port, port_is_free
from launcher.core.errors import WorkspaceError
from launcher.core.redaction import blank_secrets
from tests.helpers.tcp_states import time_wait_ports


def test_a_listening_port_is_not_free_and_the_next_one_is_chosen() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        taken = sock.getsockname()[1]
        assert not port_is_free(taken)
        chosen = choose_port(taken)
        assert chosen != taken
        assert port_is_free(chosen)


def test_a_port_whose_connections_linger_in_time_wait_is_free() -> None:
    """A server that closes first (PHP's) leaves TIME_WAIT on its own port: no listener.
    The server sets SO_REUSEADDR as Docker's proxy does (Go's default)."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = server.accept()
            accepted.close()  # the server closes first
            assert client.recv(1) == b""
    assert port in time_wait_ports()
    assert port_is_free(port)
    assert choose_port(port) == port


def test_a_listener_on_every_address_makes_the_port_not_free() -> None:
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", 0))  # noqa: S104 - a listener on every address, on purpose
        sock.listen()
        assert not port_is_free(sock.getsockname()[1])


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
