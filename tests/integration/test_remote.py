"""A course's engine on another computer, reached over a real sshd (issue 17, part 2)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from launcher.core.errors import HostKeyChanged, HostKeyUnknown
from launcher.core.launcher import Launcher
from launcher.core.remote.engine import RemoteEngine
from launcher.core.remote.host_keys import known_hosts_file
from tests.testbed.sshd import SshServer, running_sshd
from tests.testbed.testbed import TestbedState


@pytest.fixture(scope="session")
def sshd(testbed: TestbedState) -> Iterator[SshServer]:
    with running_sshd(Path(testbed.docker_host.removeprefix("unix://"))) as server:
        yield server


@pytest.fixture
def ssh_agent(sshd: SshServer, monkeypatch: pytest.MonkeyPatch) -> SshServer:
    """The test user's key, offered the way a student's agent offers theirs."""
    monkeypatch.setenv("SSH_AUTH_SOCK", sshd.agent_socket)
    return sshd


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_unknown_key_is_refused_with_its_fingerprint_then_accepted(ssh_agent: SshServer) -> None:
    fingerprint = ssh_agent.fingerprint()
    launcher = Launcher.open(engine=ssh_agent.address())
    try:
        with pytest.raises(HostKeyUnknown) as unknown:
            launcher.engine  # noqa: B018
        assert unknown.value.fingerprint == fingerprint
        assert fingerprint in str(unknown.value)
        known = known_hosts_file(launcher.paths.data)
        assert not known.exists()

        launcher.accept_host_key = "SHA256:" + "A" * 43  # a fingerprint that is not its
        with pytest.raises(HostKeyUnknown):
            launcher.engine  # noqa: B018
        assert not known.exists()

        launcher.accept_host_key = fingerprint
        engine = launcher.engine
        assert isinstance(engine, RemoteEngine)
        assert engine.found_by == "SSH"
        assert engine.info.api_version
        engine.client.containers.list(all=True)
        assert f"[127.0.0.1]:{ssh_agent.port} ssh-ed25519 " in known.read_text()
    finally:
        launcher.close()
    again = Launcher.open(engine=ssh_agent.address())  # remembered: no fingerprint needed
    try:
        assert again.engine.client.ping()
    finally:
        again.close()


def test_changed_host_key_is_refused(ssh_agent: SshServer) -> None:
    launcher = Launcher.open(engine=ssh_agent.address())
    launcher.accept_host_key = ssh_agent.fingerprint()
    try:
        assert launcher.engine.client.ping()
    finally:
        launcher.close()
    before = known_hosts_file(launcher.paths.data).read_text()
    ssh_agent.new_host_key()
    changed = Launcher.open(engine=ssh_agent.address())
    changed.accept_host_key = ssh_agent.fingerprint()  # accepting it blindly is not enough
    try:
        with pytest.raises(HostKeyChanged) as refused:
            changed.engine  # noqa: B018
        assert "WARNING" in refused.value.message
        assert ssh_agent.fingerprint() in refused.value.message
    finally:
        changed.close()
    assert known_hosts_file(launcher.paths.data).read_text() == before


def test_cli_shows_fingerprint_and_accepts_it(ssh_agent: SshServer) -> None:
    refused = cli("engine", "--engine", ssh_agent.address())
    assert refused.returncode == 4, refused.stderr
    fingerprint = ssh_agent.fingerprint()
    assert f"--accept-host-key {fingerprint}" in refused.stderr
    accepted = cli("engine", "--json", "--engine", ssh_agent.address(),
                   "--accept-host-key", fingerprint)  # fmt: skip
    assert accepted.returncode == 0, accepted.stderr
    assert ssh_agent.address() in accepted.stdout
