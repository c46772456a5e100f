"""A folder with a dataset in it: `course-launcher start` (container absent) with a
student folder of many small files, and with one of a few big files, against the same
start with an empty folder, in the same run.

The first start with a folder shares it with the container's user (an ACL entry on
every file, :mod:`launcher.core.environments.sharing`); a later start (the container
made again, the folder the same) must not walk it again. ``--size full``: 100 000
files of 1 kB in 100 folders, and 10 files of 1 GB (allocated, not written: nothing
reads them); ``small``: 1 000 files and 10 of 10 MB. The folder is inside one of mode
0700, as in a home folder (else an account on this computer with the container's uid
could reach it, and the launcher shares nothing). Every first start gets a folder made
anew (not timed) and must leave it shared; runs are interleaved.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import docker.errors

from benchmarks.figures import Row, Target, interleaved, median
from benchmarks.start_to_ready import timed
from benchmarks.testbed_use import PYTHON, engine_to_ourselves, free_port, launcher_env
from launcher.core.engine.labels import container_name
from launcher.core.environments.sharing import needs_sharing
from launcher.core.text import human_size
from tests.helpers.catalogue import catalogue_text

NAME = "folder"
COURSE_ID = "test-jupyter"
SIZES = {"small": (1_000, 10**7), "full": (100_000, 10**9)}  # files; bytes of each big one
BIG_FILES = 10
CONTAINER_UID = 1000  # the test image's user


def many_files(folder: Path, count: int) -> None:
    payload = b"x" * 1000
    for number in range(count):
        sub = folder / f"part-{number % 100:03d}"
        if number < 100:
            sub.mkdir(parents=True)
        (sub / f"row-{number}.csv").write_bytes(payload)


def big_files(folder: Path, each: int) -> None:
    folder.mkdir(parents=True)
    for number in range(BIG_FILES):
        with (folder / f"dataset-{number}.bin").open("wb") as out:
            os.posix_fallocate(out.fileno(), 0, each)


def measure(runs: int, size: str = "full") -> list[Row]:
    count, each = SIZES[size]
    with engine_to_ourselves() as state, tempfile.TemporaryDirectory(prefix="cl-bench-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)
        catalogue = work / "catalogue.toml"
        catalogue.write_text(catalogue_text(state, free_port(), free_port()))
        env = launcher_env(work / "home")
        client = state.client()
        name = container_name(COURSE_ID)

        def start(folder: Path) -> float:
            argv = [PYTHON, "-m", "launcher", "start", COURSE_ID, "--folder", str(folder),
                    "--no-browser", "--engine", state.docker_host,
                    "--catalogue", str(catalogue)]  # fmt: skip
            try:
                return timed(argv, env, work / "start.log")
            finally:
                with contextlib.suppress(docker.errors.NotFound):
                    client.containers.get(name).remove(force=True)

        # Under a folder of mode 0700, as in a home folder: no other account on this
        # computer can reach it, so the first start shares it with the container's user.
        private = work / "private"
        private.mkdir(mode=0o700)
        folder = private / "folder"

        def fresh(make: Callable[[Path], None]) -> Path:
            shutil.rmtree(folder, ignore_errors=True)
            make(folder)
            os.sync()
            return folder

        def first(make: Callable[[Path], None]) -> float:
            wall = start(fresh(make))
            if needs_sharing(folder, CONTAINER_UID):
                raise RuntimeError(f"the start did not share the folder:\n{start_log()}")
            return wall

        def start_log() -> str:
            return (work / "start.log").read_text()[-2000:]

        sides: dict[str, Callable[[], float]] = {
            "empty": lambda: start(fresh(lambda f: f.mkdir())),
            "files first": lambda: first(lambda f: many_files(f, count)),
            "big first": lambda: first(lambda f: big_files(f, each)),
        }
        try:
            client.images.pull(state.images["jupyter"])
            start(fresh(lambda f: f.mkdir()))  # warm-up
            samples: dict[str, list[float]] = {k: [] for k in [*sides, "files later", "big later"]}
            for number, order in enumerate(interleaved(runs), 1):
                for side in order:
                    if side == "ours":
                        samples["files first"].append(sides["files first"]())
                        samples["files later"].append(start(folder))
                        samples["big first"].append(sides["big first"]())
                        samples["big later"].append(start(folder))
                    else:
                        samples["empty"].append(sides["empty"]())
                last = ", ".join(f"{k} {v[-1]:.2f} s" for k, v in samples.items())
                print(f"folder run {number}: {last}", flush=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            client.close()
    empty = samples["empty"]
    files = f"{count:,} files of 1 kB"
    big = f"{BIG_FILES} files of {human_size(each)}"
    rows = []
    for key, figure, what in (
        ("files first", f"first start, {files}", "shared with the container: every file"),
        ("files later", f"later start, {files}", "already shared: not walked again"),
        ("big first", f"first start, {big}", "shared with the container: every file"),
        ("big later", f"later start, {big}", "already shared: not walked again"),
    ):
        ours = median(samples[key])
        extra = ours - median(empty)
        rows.append(
            Row(NAME, figure, "s", ours, median(empty), "the same start, empty folder",
                Target(1.05) if "later" in key else None,
                {"ours": samples[key], "baseline": empty},
                f"{what}; {extra:+.2f} s for the folder; median of {runs}")
        )  # fmt: skip
    return rows
