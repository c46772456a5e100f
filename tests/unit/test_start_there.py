"""The remote start's pieces that need no engine: the folder path for the remote shell,
and the ports an engine chose, read back from a container's recorded attributes."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from launcher.core.environments.containers import PORTS_LABEL, published_ports
from launcher.core.remote.start_there import _shell_path, default_folder_there


def _shell_says(path: str) -> str:
    """What sh makes of the quoted path (with HOME set), as the remote shell would."""
    done = subprocess.run(
        ["sh", "-c", f"printf %s {_shell_path(path)}"],
        capture_output=True, text=True, check=True, env={"HOME": "/home/stu dent"},
    )  # fmt: skip
    return done.stdout


def test_the_default_folder_is_in_the_ssh_users_home() -> None:
    assert default_folder_there("TM351", "24J") == "~/TM351-24J"
    assert _shell_says("~/TM351-24J") == "/home/stu dent/TM351-24J"
    assert _shell_says("~") == "/home/stu dent"


def test_a_path_reaches_the_remote_shell_as_it_is_written() -> None:
    for path in ("/srv/my work/$HOME", "rel'ative;rm -rf x", "-n", "~other/x", "/a/`id`"):
        assert _shell_says(path) == path


def _bound(port: str) -> dict[str, Any]:
    return {"PortBindings": {"8888/tcp": [{"HostIp": "127.0.0.1", "HostPort": port}]}}


class _Recorded:
    def __init__(self, attrs: dict[str, Any], labels: dict[str, str]) -> None:
        self.attrs, self.labels = attrs, labels


def test_a_port_the_engine_chose_is_read_from_what_it_gave() -> None:
    running = _Recorded(
        {
            "HostConfig": _bound("0"),
            "NetworkSettings": {"Ports": {"8888/tcp": [
                {"HostIp": "::1", "HostPort": "1"},  # not the IPv4 loopback: not used
                {"HostIp": "127.0.0.1", "HostPort": "49153"},
            ]}},
        },
        {PORTS_LABEL: json.dumps({"8888": 0})},
    )  # fmt: skip
    assert published_ports(running) == {8888: 49153}
    stopped = _Recorded(
        {"HostConfig": _bound("0"), "NetworkSettings": {"Ports": {}}},
        {PORTS_LABEL: json.dumps({"8888": 0})},
    )  # fmt: skip
    assert published_ports(stopped) == {}  # no port until the engine gives one


def test_a_port_the_launcher_chose_is_read_as_before() -> None:
    chosen = _Recorded(
        {"HostConfig": _bound("8351")},
        {PORTS_LABEL: json.dumps({"8888": 8351})},
    )  # fmt: skip
    assert published_ports(chosen) == {8888: 8351}
