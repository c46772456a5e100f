"""The uid each image runs as, kept in the launcher's cache between runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from launcher.core.environments.start import engine_shares_host_files
from launcher.core.images import users as image_users
from launcher.core.images.users import ImageUsers


def test_remembered_across_processes(tmp_path: Path) -> None:
    file = tmp_path / "cache" / "image-users.json"
    ImageUsers(file).remember("sha256:aaa", 1000)
    later = ImageUsers(file)  # a new process reads what the last one learnt
    assert later.uid("sha256:aaa") == 1000
    assert later.uid("sha256:bbb") is None
    assert json.loads(file.read_text()) == {"sha256:aaa": 1000}


def test_only_in_memory_without_a_file() -> None:
    users = ImageUsers(None)
    assert users.uid("sha256:aaa") is None
    users.remember("sha256:aaa", 0)
    assert users.uid("sha256:aaa") == 0


@pytest.mark.parametrize(
    "text",
    ["", "{", "[1, 2]", '"text"', '{"sha256:a": "1000"}', '{"sha256:a": -1}', '{"sha256:a": true}'],
)
def test_damaged_file_means_asking_again(tmp_path: Path, text: str) -> None:
    file = tmp_path / "image-users.json"
    file.write_text(text)
    users = ImageUsers(file)
    assert users.uid("sha256:a") is None
    users.remember("sha256:b", 1000)  # and the next answer replaces the damage
    assert json.loads(file.read_text()) == {"sha256:b": 1000}


def test_keeps_the_newest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(image_users, "KEEP", 3)
    file = tmp_path / "image-users.json"
    users = ImageUsers(file)
    for number in range(5):
        users.remember(f"sha256:{number}", number)
    users.remember("sha256:2", 2)  # used again: the newest now
    assert list(json.loads(file.read_text())) == ["sha256:3", "sha256:4", "sha256:2"]


def test_unwritable_cache_is_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder should be")
    users = ImageUsers(blocker / "image-users.json")
    users.remember("sha256:a", 1000)  # logged, not raised: the start goes on
    assert users.uid("sha256:a") == 1000


@pytest.mark.parametrize(
    ("address", "operating_system", "platform", "expected"),
    [
        ("unix:///var/run/docker.sock", "Debian GNU/Linux 12 (bookworm)", "linux", True),
        ("unix:///home/s/.docker/desktop/docker.sock", "Docker Desktop", "linux", False),
        ("tcp://10.0.0.5:2376", "Ubuntu 24.04", "linux", False),
        ("unix:///var/run/docker.sock", "Docker Desktop", "darwin", False),
        ("npipe:////./pipe/docker_engine", "Docker Desktop", "win32", False),
    ],
)
def test_which_engines_share_host_files(
    monkeypatch: pytest.MonkeyPatch, address: str, operating_system: str, platform: str,
    expected: bool,
) -> None:  # fmt: skip
    monkeypatch.setattr("sys.platform", platform)
    assert engine_shares_host_files(address, operating_system) is expected
