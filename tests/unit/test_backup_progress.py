"""What a backup's and a restore's progress line says: the bytes so far and, once there
is a rate to tell, the rate."""

from __future__ import annotations

from launcher.core.environments.backups import moved_text


def test_the_line_tells_the_bytes_and_the_rate() -> None:
    assert moved_text("Backing up postgres", 1_200_000_000, 12.0) == (
        "Backing up postgres: 1.2 GB (100 MB/s)"
    )
    assert moved_text("Restoring postgres", 45_000_000, 2.0) == (
        "Restoring postgres: 45.0 MB (22.5 MB/s)"
    )


def test_no_rate_before_half_a_second() -> None:
    assert moved_text("Backing up postgres", 3_000_000, 0.1) == "Backing up postgres: 3.0 MB"
