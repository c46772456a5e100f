"""Trust on first use, never blind: the launcher's own list of known SSH host keys.

An unknown computer's key is shown by its SHA256 fingerprint and used only once the
person has accepted that fingerprint; a computer whose key changed is refused. The list
is the launcher's (``known_hosts`` in its data folder), not ``~/.ssh/known_hosts``, so
accepting a key here never changes what ``ssh`` trusts elsewhere.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from launcher.core.errors import HostKeyChanged, HostKeyUnknown, RemoteUnavailable
from launcher.core.local.files import write_atomic
from launcher.core.remote.address import SshTarget

# The order OpenSSH prefers them in; the first one found is the one shown.
_KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
              "rsa-sha2-512", "ssh-rsa")  # fmt: skip
SCAN_TIMEOUT = 8


@dataclass(frozen=True)
class HostKey:
    key_type: str
    blob: str  # base64, as in a known-hosts line

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(base64.b64decode(self.blob)).digest()
        return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def known_hosts_file(data_folder: Path) -> Path:
    return data_folder / "known_hosts"


def parse_keys(text: str, host_name: str | None = None) -> list[HostKey]:
    """Keys in known-hosts (or ``ssh-keyscan``) lines; only ``host_name``'s when given."""
    keys = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 3 or line.lstrip().startswith("#"):
            continue
        if host_name is not None and host_name not in fields[0].split(","):
            continue
        try:
            base64.b64decode(fields[2], validate=True)
        except (binascii.Error, ValueError):
            continue
        keys.append(HostKey(fields[1], fields[2]))
    return sorted(keys, key=lambda k: _KEY_TYPES.index(k.key_type) if k.key_type in
                  _KEY_TYPES else len(_KEY_TYPES))  # fmt: skip


def scan_host_keys(target: SshTarget) -> list[HostKey]:
    """Ask the computer for its host keys (``ssh-keyscan``)."""
    program = shutil.which("ssh-keyscan")
    if program is None:
        raise RemoteUnavailable(
            "The SSH programs are not installed on this computer.",
            "Install OpenSSH (on Windows: Settings → Optional features → OpenSSH Client).",
        )
    command = [program, "-T", str(SCAN_TIMEOUT), "-p", str(target.port), "--", target.host]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=SCAN_TIMEOUT + 5)
    except subprocess.TimeoutExpired:
        done = None
    keys = parse_keys(done.stdout) if done is not None else []
    if not keys:
        raise RemoteUnavailable(
            f"No SSH server answered at {target.host} port {target.port}.",
            "Check the computer's name and port, that it is switched on, and that this "
            "computer can reach it (VPN, firewall).",
        )
    return keys


def check_host_key(target: SshTarget, data_folder: Path, accept: str | None = None) -> None:
    """Return when the computer's key is the accepted one; raise otherwise.

    ``accept`` is a fingerprint the person typed: when the computer is not known yet and
    one of its keys has that fingerprint, that key is remembered.
    """
    file = known_hosts_file(data_folder)
    try:
        known_text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        known_text = ""
    known = parse_keys(known_text, target.known_hosts_name)
    offered = scan_host_keys(target)
    if known:
        if any(key in known for key in offered):
            return
        raise HostKeyChanged(
            f"WARNING: {target.host} answered with a different SSH key than before "
            f"(now {offered[0].fingerprint}, accepted before {known[0].fingerprint}). "
            "Someone may be pretending to be that computer, so the launcher will not "
            "connect.",
            "Ask the computer's owner whether its key was changed. Only if it was, remove "
            f"the line for {target.known_hosts_name} from {file} and connect again.",
        )
    chosen = next((key for key in offered if accept and key.fingerprint == accept.strip()), None)
    if chosen is None:
        fingerprint = offered[0].fingerprint
        raise HostKeyUnknown(
            f"This is the first connection to {target.host}. Its SSH key fingerprint is "
            f"{fingerprint} ({offered[0].key_type}).",
            "Check that fingerprint with the computer's owner (on that computer: "
            "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then accept it with "
            f"--accept-host-key {fingerprint}",
            target.host,
            fingerprint,
        )
    line = f"{target.known_hosts_name} {chosen.key_type} {chosen.blob}\n"
    if known_text and not known_text.endswith("\n"):
        known_text += "\n"
    file.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(file, (known_text + line).encode("utf-8"), mode=0o600)


def ssh_trust_options(data_folder: Path) -> list[str]:
    """Options that make ``ssh`` trust only the launcher's list, strictly."""
    return [
        "-o", f'UserKnownHostsFile="{known_hosts_file(data_folder)}"',
        "-o", f"GlobalKnownHostsFile={os.devnull}",
        "-o", "StrictHostKeyChecking=yes",
        "-o", "CheckHostIP=no",
        "-o", "UpdateHostKeys=no",
    ]  # fmt: skip
