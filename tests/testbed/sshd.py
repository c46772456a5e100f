"""A private OpenSSH server on 127.0.0.1 for the remote-engine tests.

Its host key is made for each run; the test user logs in by key only and may use the
test engine through a hard link to the engine's socket (a link to a socket reaches the
same socket, so the engine's own folder stays private). The user's home is a fresh
folder of the run (``home``), where a remote course's default folder is made.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.testbed.tools import TestbedUnavailable, which

USER = "cltb-ssh"
GROUP = "docker"  # the test engine's socket group


@dataclass
class SshServer:
    folder: Path
    port: int
    user: str
    engine_socket: str  # the engine's socket as the test user reaches it
    agent_socket: str  # an ssh-agent holding the test user's key
    process: subprocess.Popen[bytes]
    host: str = "127.0.0.1"  # where the launcher reaches it

    @property
    def home(self) -> Path:
        return self.folder / "home"

    @property
    def host_key(self) -> Path:
        return self.folder / "host_ed25519"

    def address(self, user: str | None = None) -> str:
        return f"ssh://{user or self.user}@{self.host}:{self.port}{self.engine_socket}"

    def fingerprint(self) -> str:
        done = subprocess.run(
            ["ssh-keygen", "-lf", f"{self.host_key}.pub"],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.split()[1]

    def new_host_key(self) -> None:
        """Replace the host key and restart: what a reinstalled (or faked) computer does."""
        self.stop()
        self.host_key.unlink()
        Path(f"{self.host_key}.pub").unlink()
        _keygen(self.host_key)
        self.process = _start_sshd(self.folder, self.port)

    def cut_connections(self) -> int:
        """Kill every session the server is serving (the listener stays): a lost network."""
        done = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        )
        sessions = [int(pid) for pid in done.stdout.split()]
        for session in sessions:  # its unprivileged child holds the connection too
            children = subprocess.run(["pgrep", "-P", str(session)], capture_output=True,
                                      text=True).stdout.split()  # fmt: skip
            for pid in [*map(int, children), session]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        return len(sessions)

    def stop(self) -> None:
        self.cut_connections()  # sessions outlive the listener otherwise
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", str(path)], check=True
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _ensure_user(home: Path) -> None:
    if subprocess.run(["id", USER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--no-create-home", "-d", str(home), "-s", "/bin/sh",
                        USER], check=True)  # fmt: skip
    # key-only, but not locked: with PAM off a locked account ("!") may not log in at all
    subprocess.run(["usermod", "-p", "*", "-d", str(home), "-a", "-G", GROUP, USER], check=True)
    home.mkdir(mode=0o755)
    shutil.chown(home, USER, USER)


def _start_sshd(folder: Path, port: int) -> subprocess.Popen[bytes]:
    sshd = which("sshd")
    assert sshd is not None
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # its privilege-separation folder
    log = (folder / "sshd.log").open("ab")
    process = subprocess.Popen(
        [sshd, "-D", "-e", "-f", str(folder / "sshd_config")], stdout=log, stderr=log
    )
    log.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise TestbedUnavailable(f"sshd did not start: {(folder / 'sshd.log').read_text()}")


@contextmanager
def running_sshd(engine_socket: Path, listen: str = "127.0.0.1") -> Iterator[SshServer]:
    """An sshd on 127.0.0.1 (and on ``listen`` too, e.g. the address by which another
    network namespace reaches this machine)."""
    if os.geteuid() != 0:
        raise TestbedUnavailable("the test sshd needs root (a test user and its key)")
    if which("sshd") is None:
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", "openssh-server"],
            check=True,
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
            stdout=subprocess.DEVNULL,
        )
    folder = Path(tempfile.mkdtemp(prefix="cltb-ssh-", dir="/tmp"))
    folder.chmod(0o755)
    agent: subprocess.Popen[bytes] | None = None
    server: SshServer | None = None
    try:
        _ensure_user(folder / "home")
        link = folder / "engine.sock"
        os.link(engine_socket, link)
        _keygen(folder / "host_ed25519")
        _keygen(folder / "user_key")
        keys = folder / "authorized_keys"
        shutil.copy(folder / "user_key.pub", keys)
        keys.chmod(0o644)
        port = _free_port()
        also = f"ListenAddress {listen}\n" if listen != "127.0.0.1" else ""
        (folder / "sshd_config").write_text(
            f"Port {port}\nListenAddress 127.0.0.1\n{also}HostKey {folder / 'host_ed25519'}\n"
            f"PidFile {folder / 'sshd.pid'}\nAuthorizedKeysFile {keys}\nAllowUsers {USER}\n"
            "UsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "PubkeyAuthentication yes\nStrictModes no\nAllowTcpForwarding yes\n"
            "AllowStreamLocalForwarding yes\nPermitRootLogin no\nLogLevel VERBOSE\n"
        )
        agent_socket = str(folder / "agent.sock")
        agent = subprocess.Popen(["ssh-agent", "-D", "-a", agent_socket], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not Path(agent_socket).exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        subprocess.run(
            ["ssh-add", "-q", str(folder / "user_key")],
            check=True,
            env=dict(os.environ, SSH_AUTH_SOCK=agent_socket),
        )
        server = SshServer(
            folder, port, USER, str(link), agent_socket, _start_sshd(folder, port), listen
        )
        yield server
    finally:
        if server is not None:
            server.stop()
        if agent is not None:
            agent.terminate()
            agent.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
