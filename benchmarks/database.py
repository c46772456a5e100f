"""Databases of real size: `course-launcher backup` and `restore` of the test database
course against `docker exec … pg_dumpall > file` and `docker exec -i … psql < file` on
the same running container, with the launcher's peak resident memory (``VmHWM``)
next to the docker client's.

The rows are made inside the container by SQL: ``--size full`` makes a dump of about
1.1 GB (8 million rows of 128 characters), ``small`` one of about 7 MB. The baseline's
commands are the catalogue's own ``dump`` and ``restore``. Runs are interleaved; one
warm-up run of each side is not counted; every timed run starts with the disk's writes
flushed (``sync``, not timed).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

from benchmarks.figures import Row, Target, interleaved, median
from benchmarks.testbed_use import (
    DOCKER,
    PYTHON,
    engine_to_ourselves,
    free_port,
    launcher_env,
    run_measured,
)
from launcher.core.catalogue.catalogue_file import load_catalogue_file
from launcher.core.engine.labels import container_name
from tests.helpers.catalogue import catalogue_text

NAME = "database"
COURSE_ID = "test-db"
ROWS = {"small": 50_000, "full": 8_000_000}
MAKE_ROWS = (
    "DROP TABLE IF EXISTS bench_rows; "
    "CREATE TABLE bench_rows (id bigint PRIMARY KEY, payload text NOT NULL); "
    "INSERT INTO bench_rows SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, {rows}) g;"
)
RATE = re.compile(r"Backing up \w+: [\d.]+ [kMG]B \([\d.]+ [kMG]B/s\)")


def measure(runs: int, size: str = "full") -> list[Row]:
    with engine_to_ourselves() as state, tempfile.TemporaryDirectory(prefix="cl-bench-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)
        catalogue = work / "catalogue.toml"
        catalogue.write_text(catalogue_text(state, free_port(), free_port()))
        spec = load_catalogue_file(catalogue).get(COURSE_ID).backups[0]
        env = launcher_env(work / "home")
        folder, ours_dir = work / "folder", work / "backups"
        folder.mkdir()
        ours_dir.mkdir()
        cli = [PYTHON, "-m", "launcher"]
        where = ["--engine", state.docker_host, "--catalogue", str(catalogue)]
        client = state.client()
        try:
            subprocess.run(
                [*cli, "start", COURSE_ID, "--folder", str(folder), "--no-browser", *where],
                env=env, check=True, capture_output=True,
            )  # fmt: skip
            name = container_name(COURSE_ID)
            docker_exec = [DOCKER, "-H", state.docker_host, "exec"]
            subprocess.run(
                [*docker_exec, "-u", spec.user, name, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                 "-d", "postgres", "-c", MAKE_ROWS.format(rows=ROWS[size])],
                check=True, capture_output=True,
            )  # fmt: skip
            base_file = work / "baseline.sql"
            commands = {
                "backup": {
                    "ours": [*cli, "backup", COURSE_ID, "--to", str(ours_dir), *where],
                    "baseline": [*docker_exec, "-u", spec.user, name, *spec.dump],
                },
                "restore": {
                    "ours": [*cli, "restore", COURSE_ID, "OURS_FILE", *where],
                    "baseline": [*docker_exec, "-i", "-u", spec.user, name, *spec.restore],
                },
            }
            wall: dict[str, dict[str, list[float]]] = {
                k: {"ours": [], "baseline": []} for k in commands
            }
            peak: dict[str, dict[str, list[float]]] = {
                k: {"ours": [], "baseline": []} for k in commands
            }
            rate_shown = False

            def ours_file() -> Path:
                made = sorted(ours_dir.iterdir())
                if len(made) != 1:
                    raise RuntimeError(f"expected one backup, found {made}")
                return made[0]

            def once(what: str, side: str, counted: bool) -> None:
                nonlocal rate_shown
                argv = list(commands[what][side])
                stdin = stdout = None
                if what == "backup" and side == "ours":
                    for old in ours_dir.iterdir():
                        old.unlink()
                elif what == "backup":
                    stdout = base_file
                elif side == "ours":
                    argv[argv.index("OURS_FILE")] = str(ours_file())
                else:
                    stdin = base_file
                os.sync()
                log = work / f"{side}.log"
                seconds, rss = run_measured(argv, env, log, stdin=stdin, stdout=stdout)
                if what == "backup" and side == "ours":
                    rate_shown = rate_shown or bool(RATE.search(log.read_text()))
                if counted:
                    wall[what][side].append(seconds)
                    peak[what][side].append(rss)

            for what in commands:
                once(what, "ours", False)  # warm-up; the backups are those restored
                once(what, "baseline", False)
                for number, order in enumerate(interleaved(runs), 1):
                    for side in order:
                        once(what, side, True)
                    last = ", ".join(f"{s} {v[-1]:.2f} s" for s, v in wall[what].items())
                    print(f"{what} run {number}: {last}", flush=True)
            dump_bytes, ours_bytes = base_file.stat().st_size, ours_file().stat().st_size
        finally:
            client.close()
    if abs(ours_bytes - dump_bytes) > 0.01 * dump_bytes:
        raise RuntimeError(f"the backups differ in size: ours {ours_bytes}, baseline {dump_bytes}")
    what = f"{ROWS[size]:,} rows, a {dump_bytes / 1e9:.2f} GB dump, median of {runs}"
    rate = "progress showed bytes and rate" if rate_shown else "no rate seen in the progress"
    return [
        Row(NAME, "database backup", "s", median(wall["backup"]["ours"]),
            median(wall["backup"]["baseline"]), "docker exec pg_dumpall > file", Target(1.05),
            wall["backup"], f"{what}; {rate}"),
        Row(NAME, "database restore", "s", median(wall["restore"]["ours"]),
            median(wall["restore"]["baseline"]), "docker exec -i psql < file", Target(1.05),
            wall["restore"], what),
        Row(NAME, "backup, peak memory", "MB", max(peak["backup"]["ours"]),
            max(peak["backup"]["baseline"]), "the docker client", None, peak["backup"],
            "VmHWM, largest run"),
        Row(NAME, "restore, peak memory", "MB", max(peak["restore"]["ours"]),
            max(peak["restore"]["baseline"]), "the docker client", None, peak["restore"],
            "VmHWM, largest run"),
    ]  # fmt: skip
