"""The words a student gets when the engine is cut off mid-stream or the disk fills."""

from __future__ import annotations

import http.client

import pytest
import urllib3.exceptions

from launcher.core.engine.errors import translate_engine_errors
from launcher.core.errors import DiskFull, EngineUnavailable
from launcher.core.images.pull_errors import disk_full, engine_pull_error


def test_a_stream_the_engine_cut_is_docker_stopped() -> None:
    cut = urllib3.exceptions.ProtocolError(
        "Connection broken: IncompleteRead(0 bytes read)", http.client.IncompleteRead(b"")
    )
    with pytest.raises(EngineUnavailable) as caught, translate_engine_errors("downloading X"):
        raise cut
    assert caught.value.message == "Docker stopped while downloading X."
    assert caught.value.exit_code == 3


def test_disk_full_while_unpacking_says_how_much_space_is_needed() -> None:
    error = engine_pull_error(
        "failed to register layer: write /x: no space left on device", "img", 0, 184_000_000
    )
    assert isinstance(error, DiskFull)
    assert error.needed_bytes == 644_000_000
    assert "needs about" in error.message and "184" in error.message
    assert "images --prune" in error.hint
    # while downloading, what is left to download is the lower bound it names
    assert disk_full(50_000_000, 184_000_000).needed_bytes == 50_000_000
