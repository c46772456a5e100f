"""The .deb installs, the app runs from it, and uninstalling leaves no trace.

An uninstall is what installers/README.md tells a student to do: ``course-launcher
purge`` (their folders, tokens and Docker environments: only they can reach those;
dpkg runs as root, for no one user), then ``dpkg -r``. The file system is listed
before and after and must be the same, apart from dpkg's own records; Docker must
hold nothing with the launcher's labels.

Needs root and dpkg: in CI it fails without them, elsewhere it is skipped.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from launcher.core.engine import labels
from tests.helpers.catalogue import catalogue_text
from tests.helpers.ci import IN_CI
from tests.helpers.debian import debian_tools
from tests.testbed.services import free_port
from tests.testbed.testbed import TestbedState

PACKAGE = "course-launcher"
ROOT = Path(__file__).resolve().parents[2]
SYSTEM_ROOTS = ("/opt", "/usr", "/etc", "/var/lib")
# dpkg's database records every install and removal (status, status-old, info/,
# triggers/, lock files): it is dpkg's bookkeeping, not something the package leaves.
DPKG_RECORDS = "/var/lib/dpkg"
# Caches that dpkg's triggers rebuild over a folder when a package adds or removes a
# file in it: compared by size (the same contents again), not by time.
TRIGGER_CACHES = ("/usr/share/applications/mimeinfo.cache", "icon-theme.cache")
# Podman's and Buildah's storage: on a shared development machine other programs
# write there while this test runs. The launcher speaks only Docker's API and its
# package installs nothing there, so a change there cannot be a trace of either.
OTHER_PROGRAMS = ("/var/lib/containers",)

VALIDATORS = {"desktop-file-validate": "desktop-file-utils", "appstreamcli": "appstream"}
SKIPPED = (DPKG_RECORDS, *OTHER_PROGRAMS)
Entry = tuple[str, int, int]  # kind, size, mtime (ns); folders: size and mtime are 0


def snapshot(roots: tuple[str, ...]) -> dict[str, Entry]:
    found: dict[str, Entry] = {}
    for top in roots:
        for folder, dirs, files in os.walk(top):
            if any(folder == top or folder.startswith(top + "/") for top in SKIPPED):
                dirs.clear()
                continue
            found[folder] = ("dir", 0, 0)  # a folder's time changes with what comes and goes
            for name in [*files, *(d for d in dirs if Path(folder, d).is_symlink())]:
                path = f"{folder}/{name}"
                try:
                    info = os.lstat(path)
                except FileNotFoundError:
                    continue
                mtime = 0 if path.endswith(TRIGGER_CACHES) else info.st_mtime_ns
                found[path] = ("file", info.st_size, mtime)
    return found


def difference(before: dict[str, Entry], after: dict[str, Entry]) -> list[str]:
    added = [f"+ {p}" for p in sorted(after.keys() - before.keys())]
    gone = [f"- {p}" for p in sorted(before.keys() - after.keys())]
    changed = [f"~ {p}" for p in sorted(before.keys() & after.keys()) if before[p] != after[p]]
    return added + gone + changed


def installed() -> bool:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Status}", PACKAGE],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return "installed" in result.stdout and "not-installed" not in result.stdout


@pytest.fixture
def can_install() -> Iterator[None]:
    problem = ""
    if os.geteuid() != 0:
        problem = "installing a .deb needs root"
    elif not shutil.which("dpkg-deb") or not shutil.which("dpkg"):
        problem = "dpkg is not here (not Debian or Ubuntu)"
    if problem:
        if IN_CI:
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)
    if installed():
        pytest.fail(f"{PACKAGE} is installed already; remove it first (dpkg -r {PACKAGE})")
    yield
    if installed():  # a failed run: leave the machine as it was
        subprocess.run(["dpkg", "-r", PACKAGE], capture_output=True, check=False)


def student_home(parent: Path) -> Path:
    """A user's home as a desktop makes it: the usual XDG folders exist already."""
    home = parent / "home"
    for sub in (".config", ".cache", ".local/share", ".local/state", "Documents"):
        (home / sub).mkdir(parents=True)
    return home


def run(command: list[str], env: dict[str, str], timeout: float = 240) -> str:
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, env=env
    )
    assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
    return done.stdout


def test_deb_installs_runs_and_leaves_nothing(
    can_install: None, frozen_bundle: Path, testbed: TestbedState,
    clean_engine: docker.DockerClient, tmp_path: Path,
) -> None:  # fmt: skip
    debian_tools(VALIDATORS, "checking the desktop entry and metainfo")
    output = tmp_path / "deb"
    built = run(
        [sys.executable, str(ROOT / "installers" / "linux" / "build_deb.py"),
         "--bundle", str(frozen_bundle), "--output", str(output), "--compression", "none"],
        dict(os.environ),
    )  # fmt: skip
    (deb,) = output.glob("*.deb")
    assert "checked with desktop-file-validate, appstreamcli validate" in built
    home = student_home(tmp_path)
    student = home / "Documents" / "TEST2-24J"
    student.mkdir()
    (student / "essay.md").write_text("my work")
    catalogue = tmp_path / "catalogue.toml"
    catalogue.write_text(catalogue_text(testbed, free_port(), free_port()))
    keep = ("PATH", "LANG", "LC_ALL", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env |= {"HOME": str(home), "USER": "student"}  # no XDG_*, D-Bus or launcher variables
    common = ["--catalogue", str(catalogue), "--engine", testbed.docker_host]
    app = f"/usr/bin/{PACKAGE}"
    before = snapshot(SYSTEM_ROOTS)
    home_before = snapshot((str(home),))

    run(["dpkg", "-i", str(deb)], dict(os.environ))
    assert installed()
    added = difference(before, snapshot(SYSTEM_ROOTS))  # the listing sees what comes
    assert f"+ /opt/{PACKAGE}/{PACKAGE}" in added
    assert f"+ /usr/bin/{PACKAGE}" in added
    for shipped in (
        "/opt/course-launcher/course-launcher",
        "/usr/share/applications/org.course_launcher.CourseLauncher.desktop",
        "/usr/share/icons/hicolor/scalable/apps/org.course_launcher.CourseLauncher.svg",
        "/usr/share/metainfo/org.course_launcher.CourseLauncher.metainfo.xml",
    ):
        assert Path(shipped).is_file(), shipped
    assert run([app, "--version"], env).startswith(PACKAGE)
    with contextlib.suppress(docker.errors.ImageNotFound):  # so that this start pulls it:
        clean_engine.images.remove(testbed.images["multi"], force=True)  # purge takes only that
    run([app, "start", "test-multi", "--folder", str(student), "--no-browser", *common], env)
    made = snapshot((str(home),)).keys() - home_before.keys()
    assert any("/.config/course-launcher" in p for p in made), sorted(made)
    assert any(p.endswith("secrets.json") for p in made), sorted(made)  # the token
    assert clean_engine.containers.list(all=True, filters=labels.managed_filter())
    assert clean_engine.volumes.list(filters=labels.managed_filter())

    run([app, "purge", "--yes", "--images", *common], env)
    run(["dpkg", "-r", PACKAGE], dict(os.environ))

    assert not installed()
    assert difference(before, snapshot(SYSTEM_ROOTS)) == []
    # The student's course folder is theirs (Jupyter may have written to it): left out.
    home_after = {p: e for p, e in snapshot((str(home),)).items() if not p.startswith(str(student))}
    home_before = {p: e for p, e in home_before.items() if not p.startswith(str(student))}
    assert difference(home_before, home_after) == []
    assert (student / "essay.md").read_text() == "my work"
    assert clean_engine.containers.list(all=True, filters=labels.managed_filter()) == []
    assert clean_engine.volumes.list(filters=labels.managed_filter()) == []
    with pytest.raises(docker.errors.ImageNotFound):
        clean_engine.images.get(testbed.images["multi"])
