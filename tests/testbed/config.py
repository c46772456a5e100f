"""Where the testbed keeps its cache and its running state."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CACHE_VARIABLE = "COURSE_LAUNCHER_TESTBED_CACHE"
RUN_VARIABLE = "COURSE_LAUNCHER_TESTBED_RUN"


@dataclass(frozen=True)
class Locations:
    cache: Path  # kept between runs: the registry's storage (built images)
    run: Path  # one run: sockets, pid files, the engine's data root, logs

    @property
    def registry_storage(self) -> Path:
        return self.cache / "registry"

    @property
    def state_file(self) -> Path:
        return self.run / "state.json"

    @property
    def engine_socket(self) -> Path:
        return self.run / "engine.sock"


def locations() -> Locations:
    cache = os.environ.get(CACHE_VARIABLE) or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "course-launcher-testbed"
    )
    # Unix socket paths are limited to ~100 bytes, so the run folder stays short.
    run = os.environ.get(RUN_VARIABLE) or f"/tmp/cltb-{os.getuid()}"
    return Locations(cache=Path(cache), run=Path(run))
