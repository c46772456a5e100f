"""A second host made here: a network namespace joined to this machine by a veth pair.

From inside it, this machine is reached at a non-loopback address, as a laptop on the
student's Wi-Fi would reach it. Only these two made-up addresses are ever used.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

HOST_ADDRESS = "10.254.77.1"
PROBE_ADDRESS = "10.254.77.2"


@dataclass(frozen=True)
class ProbeHost:
    namespace: str
    host_address: str  # this machine, as the probe host sees it

    def can_connect(self, port: int) -> bool:
        code = (
            "import socket,sys\n"
            "s=socket.socket(); s.settimeout(3)\n"
            f"sys.exit(0 if s.connect_ex(({self.host_address!r},{port}))==0 else 1)\n"
        )
        done = subprocess.run(
            ["ip", "netns", "exec", self.namespace, sys.executable, "-c", code],
            capture_output=True,
            check=False,
        )
        return done.returncode == 0


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@contextmanager
def probe_host() -> Iterator[ProbeHost]:
    suffix = str(os.getpid() % 100000)
    namespace, host_end, probe_end = f"cltb-probe-{suffix}", f"cltbh{suffix}", f"cltbp{suffix}"
    subprocess.run(["ip", "netns", "delete", namespace], check=False, capture_output=True)
    subprocess.run(["ip", "link", "delete", host_end], check=False, capture_output=True)
    _ip("netns", "add", namespace)
    try:
        _ip("link", "add", host_end, "type", "veth", "peer", "name", probe_end)
        _ip("link", "set", probe_end, "netns", namespace)
        _ip("addr", "add", f"{HOST_ADDRESS}/30", "dev", host_end)
        _ip("link", "set", host_end, "up")
        _ip("-n", namespace, "addr", "add", f"{PROBE_ADDRESS}/30", "dev", probe_end)
        _ip("-n", namespace, "link", "set", probe_end, "up")
        _ip("-n", namespace, "link", "set", "lo", "up")
        yield ProbeHost(namespace=namespace, host_address=HOST_ADDRESS)
    finally:
        subprocess.run(["ip", "link", "delete", host_end], check=False, capture_output=True)
        subprocess.run(["ip", "netns", "delete", namespace], check=False, capture_output=True)
