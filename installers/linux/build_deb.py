"""Build the Linux package: the PyInstaller bundle as a .deb, made with dpkg-deb.

    python3 installers/linux/build_deb.py                    # builds the bundle, then the .deb
    python3 installers/linux/build_deb.py --bundle DIR       # package a bundle built already

Run it with the project's virtual environment's Python (PyInstaller installed) to
build the bundle. The package installs

    /opt/course-launcher/                     the one-folder bundle
    /usr/bin/course-launcher                  a link to its executable
    /usr/share/applications/ID.desktop        the menu entry
    /usr/share/icons/hicolor/scalable/apps/ID.svg
    /usr/share/metainfo/ID.metainfo.xml       AppStream (software centres)
    /usr/share/doc/course-launcher/copyright

and has no maintainer scripts: dpkg's own triggers refresh the menu and icon caches,
and ``dpkg -r`` leaves nothing of the package behind. What the app made for each
user (its folders, tokens and Docker environments) is theirs to remove with
``course-launcher purge`` before uninstalling; see installers/README.md.
The desktop entry and metainfo are checked with desktop-file-validate and
appstreamcli when they are installed.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
APP_ID = "org.course_launcher.CourseLauncher"
PACKAGE = "course-launcher"
INSTALL_DIR = Path("opt") / PACKAGE
MAINTAINER = "Course Launcher developers <maintainers@course-launcher.org>"
# Used when dpkg cannot say which packages provide the libraries the bundle links to.
FALLBACK_DEPENDS = ["libc6", "libgl1", "libegl1", "libfontconfig1", "libxkbcommon0"]


def version() -> str:
    text = (ROOT / "launcher" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if not found:
        raise SystemExit("build_deb: no __version__ in launcher/__init__.py")
    return found.group(1)


def build_bundle(dist: Path, work: Path) -> Path:
    """Run PyInstaller on build.spec; returns the bundle folder."""
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(dist), "--workpath", str(work), str(ROOT / "build.spec")],
        check=True,
    )  # fmt: skip
    return dist / PACKAGE


def _linked_libraries(bundle: Path) -> set[str]:
    """Libraries outside the bundle that its programs and libraries link to."""
    elves: list[str] = []
    for path in bundle.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    elves.append(str(path))
    result = subprocess.run(["ldd", *elves], capture_output=True, text=True, check=False)
    found: set[str] = set()
    for line in result.stdout.splitlines():
        match = re.search(r"=> (/\S+)", line)
        if match and not Path(match.group(1)).is_relative_to(bundle):
            found.add(os.path.realpath(match.group(1)))
    return found


def depends(bundle: Path) -> list[str]:
    """The Debian packages that provide the system libraries the bundle needs."""
    if not shutil.which("dpkg-query") or not shutil.which("ldd"):
        return FALLBACK_DEPENDS
    libraries = sorted(_linked_libraries(bundle))
    # Debian lists a library under /lib or /usr/lib (merged /usr): ask for both.
    asked = libraries + [lib.replace("/usr/lib/", "/lib/", 1) for lib in libraries]
    result = subprocess.run(
        ["dpkg-query", "-S", *asked], capture_output=True, text=True, check=False
    )
    packages = {
        line.split(":", 1)[0].strip() for line in result.stdout.splitlines() if ": /" in line
    }
    return sorted(packages) or FALLBACK_DEPENDS


def _size_kib(folder: Path) -> int:
    total = sum(p.lstat().st_size for p in folder.rglob("*") if not p.is_dir())
    return (total + 1023) // 1024


def stage(bundle: Path, root: Path, deb_version: str) -> None:
    """Lay out the package's files under ``root``."""
    target = root / INSTALL_DIR
    shutil.copytree(bundle, target, symlinks=True)
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / PACKAGE).symlink_to(f"/{INSTALL_DIR}/{PACKAGE}")
    share = root / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy(HERE / f"{APP_ID}.desktop", share / "applications" / f"{APP_ID}.desktop")
    icons = share / "icons" / "hicolor" / "scalable" / "apps"
    icons.mkdir(parents=True)
    shutil.copy(ROOT / "resources" / "icon.svg", icons / f"{APP_ID}.svg")
    (share / "metainfo").mkdir(parents=True)
    metainfo = (HERE / f"{APP_ID}.metainfo.xml").read_text(encoding="utf-8")
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    metainfo = metainfo.replace("@VERSION@", deb_version).replace("@DATE@", today)
    (share / "metainfo" / f"{APP_ID}.metainfo.xml").write_text(metainfo, encoding="utf-8")
    doc = share / "doc" / PACKAGE
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        "Upstream-Name: course-launcher\n\n"
        "Files: *\nCopyright: Course Launcher developers\nLicense: MIT\n",
        encoding="utf-8",
    )
    control = root / "DEBIAN" / "control"
    control.parent.mkdir()
    control.write_text(
        f"Package: {PACKAGE}\n"
        f"Version: {deb_version}\n"
        f"Architecture: {architecture()}\n"
        f"Maintainer: {MAINTAINER}\n"
        f"Installed-Size: {_size_kib(root)}\n"
        f"Depends: {', '.join(depends(bundle))}\n"
        "Recommends: docker.io | docker-ce\n"
        "Section: education\n"
        "Priority: optional\n"
        "Homepage: https://course-launcher.org/\n"
        "Description: start a course's computing environment with a double-click\n"
        " Course Launcher downloads a course's Docker environment (Jupyter, OpenRefine,\n"
        " databases), starts it with the student's folder and opens it in the browser,\n"
        " already logged in.\n",
        encoding="utf-8",
    )
    for path in [root, *root.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)


def architecture() -> str:
    result = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def validate(root: Path) -> list[str]:
    """Check the desktop entry and metainfo; returns what was checked, raises on a problem."""
    checked = []
    desktop = root / "usr" / "share" / "applications" / f"{APP_ID}.desktop"
    metainfo = root / "usr" / "share" / "metainfo" / f"{APP_ID}.metainfo.xml"
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(
            ["desktop-file-validate", str(desktop)], capture_output=True, text=True, check=False
        )
        if result.returncode != 0 or result.stdout.strip():
            raise SystemExit(f"build_deb: desktop-file-validate: {result.stdout}{result.stderr}")
        checked.append("desktop-file-validate")
    if shutil.which("appstreamcli"):
        result = subprocess.run(
            ["appstreamcli", "validate", "--no-net", "--explain", str(metainfo)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise SystemExit(f"build_deb: appstreamcli: {result.stdout}{result.stderr}")
        checked.append("appstreamcli validate")
    return checked


def build_deb(bundle: Path, output: Path, *, compression: str = "xz") -> Path:
    deb_version = version()
    output.mkdir(parents=True, exist_ok=True)
    deb = output / f"{PACKAGE}_{deb_version}_{architecture()}.deb"
    with tempfile.TemporaryDirectory(prefix="course-launcher-deb-") as scratch:
        root = Path(scratch) / "root"
        root.mkdir()
        stage(bundle, root, deb_version)
        checked = validate(root)
        subprocess.run(
            ["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build", str(root), str(deb)],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    size = deb.stat().st_size / 1e6
    print(f"build_deb: {deb} ({size:.1f} MB); checked with {', '.join(checked) or 'nothing'}")
    return deb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Course Launcher .deb.")
    parser.add_argument("--bundle", type=Path, help="a bundle built already (dist/course-launcher)")
    parser.add_argument("--output", type=Path, default=ROOT / "dist", help="where the .deb goes")
    parser.add_argument("--work", type=Path, help="PyInstaller's work folder (default: a temp one)")
    parser.add_argument(
        "--compression", default="xz", choices=["xz", "gzip", "none"],
        help="how dpkg-deb compresses (xz, the smallest, is the default)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if not shutil.which("dpkg-deb"):
        raise SystemExit("build_deb: dpkg-deb is needed (Debian and Ubuntu have it).")
    bundle = args.bundle
    if bundle is None:
        with tempfile.TemporaryDirectory(prefix="course-launcher-build-") as work:
            bundle = build_bundle(args.output, args.work or Path(work))
            build_deb(bundle, args.output, compression=args.compression)
        return 0
    build_deb(bundle.resolve(), args.output, compression=args.compression)
    return 0


if __name__ == "__main__":
    sys.exit(main())
