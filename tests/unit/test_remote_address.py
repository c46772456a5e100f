"""Reading ssh:// engine addresses and known-hosts lines (recorded ssh-keyscan output)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from launcher.core.engine.discovery import EngineInfo
from launcher.core.errors import UsageError
from launcher.core.remote.address import DEFAULT_SOCKET, is_ssh_address, parse_ssh_address
from launcher.core.remote.engine import RemoteEngine
from launcher.core.remote.forwards import _rewrite, through_forward
from launcher.core.remote.host_keys import parse_keys

# ssh-keyscan -p 2222 127.0.0.1, and ssh-keygen -lf of the same key
SCANNED = """# 127.0.0.1:2222 SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u6
[127.0.0.1]:2222 ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7
[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIItw9A5Zx7psvEHcYAUY2ZGpp58OFYesJplABw75AaX+
"""
INFO = EngineInfo.from_api({"Version": "24.0", "ApiVersion": "1.43"})
FINGERPRINT = "SHA256:5R/EtOUF7Dh51Gp0FBUvcPMDWiaP8XqBbwobKJhqntQ"


def test_addresses() -> None:
    target = parse_ssh_address("ssh://ann@lab.example.org")
    assert (target.user, target.host, target.port) == ("ann", "lab.example.org", 22)
    assert target.socket_path == DEFAULT_SOCKET
    assert target.known_hosts_name == "lab.example.org"
    other = parse_ssh_address("ssh://ann@127.0.0.1:2222/run/user/1000/docker.sock")
    assert other.port == 2222
    assert other.socket_path == "/run/user/1000/docker.sock"
    assert other.known_hosts_name == "[127.0.0.1]:2222"
    assert other.destination == "ann@127.0.0.1"
    assert is_ssh_address("SSH://x") and not is_ssh_address("unix:///var/run/docker.sock")
    assert not is_ssh_address(None)


@pytest.mark.parametrize(
    "address",
    [
        "ssh://",
        "ssh://ann@host:0",
        "ssh://ann@host:99999",
        "ssh://ann:pw@host",
        "ssh://-oProxyCommand=x",
        "tcp://host:2375",
    ],
)
def test_bad_addresses_are_refused(address: str) -> None:
    with pytest.raises(UsageError):
        parse_ssh_address(address)


def test_scanned_keys_and_fingerprint() -> None:
    keys = parse_keys(SCANNED)
    assert [key.key_type for key in keys] == ["ssh-ed25519", "ssh-rsa"]  # preferred first
    assert keys[0].fingerprint == FINGERPRINT
    assert parse_keys(SCANNED, "[127.0.0.1]:2222") == keys
    assert parse_keys(SCANNED, "127.0.0.1") == []  # port 22 is another host entry


def test_urls_point_at_the_local_end_of_a_forward() -> None:
    assert _rewrite("http://127.0.0.1:8888/lab", {8888: 40001}) == "http://127.0.0.1:40001/lab"
    assert _rewrite("http://127.0.0.1:5000/", {8888: 40001}) == "http://127.0.0.1:5000/"


def test_a_held_forward_is_used_only_while_its_process_lives(tmp_path: Path) -> None:
    target = parse_ssh_address("ssh://ann@127.0.0.1:2222")
    engine = RemoteEngine(None, "ssh://ann@127.0.0.1:2222", "SSH", INFO, (), target)
    record = tmp_path / "forwards" / "tm351.json"
    record.parent.mkdir()
    url = "http://127.0.0.1:8888/lab"
    with pytest.raises(UsageError, match="course-launcher connect tm351"):
        through_forward(engine, tmp_path, "tm351", url)  # nothing held
    held = {"address": engine.address, "pid": os.getpid(), "ports": {"8888": 40001}}
    record.write_text(json.dumps(held))
    assert through_forward(engine, tmp_path, "tm351", url) == "http://127.0.0.1:40001/lab"
    gone = _ended_pid()
    record.write_text(json.dumps({**held, "pid": gone}))
    with pytest.raises(UsageError):
        through_forward(engine, tmp_path, "tm351", url)  # its connect has ended


def _ended_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid
