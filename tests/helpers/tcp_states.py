"""What the kernel says about this machine's TCP connections (Linux /proc/net/tcp)."""

from __future__ import annotations

from pathlib import Path

TIME_WAIT = "06"  # the kernel's state number (include/net/tcp_states.h)


def time_wait_ports() -> set[int]:
    """Local ports of connections now in TIME_WAIT, on any IPv4 address."""
    ports: set[int] = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if len(fields) > 3 and fields[3] == TIME_WAIT:
            ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports
