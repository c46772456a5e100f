"""Take-away files at disk speed: `course-launcher export` against `docker save`, and
`course-launcher import` against `docker load`, of the same image; the launcher's
peak resident memory (the process's ``VmHWM``) next to it.

At ``--size full`` the image is the testbed's ``bulk`` image (the Jupyter test image
and 1.1 GB of random bytes, built once and kept in the registry by its recipe's hash);
at ``small`` the base test image (Debian minbase). Each import and load starts with the
image removed from the engine, each timed run with the disk's writes flushed (``sync``,
not timed).
The export is also timed against ``docker save`` followed by ``sync FILE``: the
launcher's export makes its file durable (fsync) before it names it. Runs are
interleaved; one warm-up run of each side is not counted.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import docker
import docker.errors

from benchmarks.course_setup import COURSE
from benchmarks.figures import Row, Target, interleaved, median
from benchmarks.testbed_use import (
    DOCKER,
    PYTHON,
    engine_to_ourselves,
    free_port,
    launcher_env,
    on_demand_image,
    run_measured,
)

NAME = "takeaway"
COURSE_ID = "bench-takeaway"


def _remove_image(client: docker.DockerClient, ref: str) -> None:
    with contextlib.suppress(docker.errors.ImageNotFound):
        client.images.remove(ref, force=True)


def measure(runs: int, size: str = "full") -> list[Row]:
    with engine_to_ourselves() as state, tempfile.TemporaryDirectory(prefix="cl-bench-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)
        client = state.client()
        try:
            if size == "small":
                ref = state.images["base"]  # the smallest test image
            else:
                ref = on_demand_image(state, client, "bulk")
            client.images.pull(ref)
            image_bytes = int(client.images.get(ref).attrs["Size"])
            catalogue = work / "catalogue.toml"
            catalogue.write_text(
                "schema = 1\n"
                + COURSE.format(id=COURSE_ID, code="TAKE", number=1, image=ref, port=free_port())
            )
            env = launcher_env(work / "home")
            engine = ["--engine", state.docker_host]
            ours_file, save_file = work / f"{COURSE_ID}.clexport", work / "saved.tar"
            commands = {
                "export": {
                    "ours": [PYTHON, "-m", "launcher", "export", COURSE_ID, str(ours_file),
                             "--force", "--catalogue", str(catalogue), *engine],
                    "baseline": [DOCKER, "-H", state.docker_host, "save", "-o", str(save_file),
                                 ref],
                    # ours makes its file durable before naming it (fsync): the same here
                    "synced": ["bash", "-c", f"{DOCKER} -H {state.docker_host} save -o "
                               f"{save_file} {ref} && sync {save_file}"],
                },
                "import": {
                    "ours": [PYTHON, "-m", "launcher", "import", str(ours_file), "--replace",
                             *engine],
                    "baseline": [DOCKER, "-H", state.docker_host, "load", "-q", "-i",
                                 str(save_file)],
                },
            }  # fmt: skip
            wall: dict[str, dict[str, list[float]]] = {k: {side: [] for side in v}
                                                       for k, v in commands.items()}  # fmt: skip
            peak: dict[str, list[float]] = {"export": [], "import": []}

            def once(what: str, side: str, counted: bool) -> None:
                if what == "import":
                    _remove_image(client, ref)
                os.sync()
                seconds, rss = run_measured(commands[what][side], env, work / f"{side}.log")
                if what == "import" and side == "ours":
                    client.images.get(ref)  # the import left the image in the engine
                if counted:
                    wall[what][side].append(seconds)
                    if side == "ours":
                        peak[what].append(rss)

            for what in commands:
                once(what, "ours", False)  # warm-up; it also writes the files imported
                once(what, "baseline", False)
                for number, order in enumerate(interleaved(runs), 1):
                    for side in order:
                        once(what, side, True)
                    if what == "export":
                        once(what, "synced", True)
                    last = ", ".join(f"{s} {v[-1]:.2f} s" for s, v in wall[what].items())
                    print(f"{what} run {number}: {last}", flush=True)
            file_bytes = ours_file.stat().st_size
        finally:
            client.close()
    what = f"{image_bytes / 1e9:.2f} GB image ({file_bytes / 1e9:.2f} GB file), median of {runs}"
    return [
        Row(NAME, "export, take-away file", "s", median(wall["export"]["ours"]),
            median(wall["export"]["baseline"]), "docker save -o", Target(1.05),
            wall["export"], what),
        Row(NAME, "export, against docker save + sync", "s", median(wall["export"]["ours"]),
            median(wall["export"]["synced"]), "docker save -o && sync FILE", Target(1.05),
            {"ours": wall["export"]["ours"], "baseline": wall["export"]["synced"]},
            "the file on disk when both end, as the launcher's export makes sure"),
        Row(NAME, "import, take-away file", "s", median(wall["import"]["ours"]),
            median(wall["import"]["baseline"]), "docker load -i", Target(1.05),
            wall["import"], f"{what}; image removed before each"),
        Row(NAME, "export, launcher peak memory", "MB", max(peak["export"]), None, "", None,
            {"ours": peak["export"]}, f"VmHWM, largest of {runs}"),
        Row(NAME, "import, launcher peak memory", "MB", max(peak["import"]), None, "", None,
            {"ours": peak["import"]}, f"VmHWM, largest of {runs}"),
    ]  # fmt: skip
