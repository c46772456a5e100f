"""How fast the window appears, and how much memory it holds when idle.

    .venv/bin/python benchmarks/window_startup.py [--runs 7] [--platform xvfb|offscreen]
        [--frozen dist/course-launcher] [--command "course-launcher"]

Starts ``python -m launcher`` several times (each with a fresh COURSE_LAUNCHER_HOME,
no Docker engine unless --docker-host is given) and measures from just before the
process is started to the window's first paint, which the app writes to stderr
when COURSE_LAUNCHER_BENCH=1. A bare PySide6 window is measured the same way in
the same run, so the figures can be compared on any machine. After the window is
shown the process is left idle for a few seconds, then its resident memory is read.
Bytecode is cached (in a temporary PYTHONPYCACHEPREFIX, as an installed app has it)
and one warm-up launch of each is not counted. ``--frozen`` adds the PyInstaller
bundle (built from build.spec) and ``--command`` any other way of starting the app
(an installed package), measured in the same interleaved runs, with their ratio to
the app run from source.

Under ``xvfb`` (the default when Xvfb is installed) a real X server is started on a
free display; Qt's xcb plugin needs Debian's libxcb-cursor0, libxcb-icccm4 and
libxcb-keysyms1. ``offscreen`` needs nothing. Linux only (it reads /proc).
"""

from __future__ import annotations

import argparse
import os
import selectors
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from launcher.ui.app import BENCH_MARKER, BENCH_VARIABLE  # noqa: E402
from launcher.ui.single_instance import server_name  # noqa: E402

BARE_WINDOW = f"""
import sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            print(f"{BENCH_MARKER} {{time.time():.6f}}", file=sys.stderr, flush=True)
        return False

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setWindowTitle("bare PySide6 window")
window.resize(960, 640)
marker = FirstPaint(window)
window.installEventFilter(marker)
window.show()
app.exec()
"""


X11_SOCKETS = Path("/tmp/.X11-unix")  # noqa: S108 - where every X server puts its socket


@dataclass
class Sample:
    shown: float  # seconds from process start to the first paint
    rss_mb: float  # resident memory after idling


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wait_for_marker(process: subprocess.Popen[bytes], timeout: float) -> float:
    assert process.stderr is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stderr, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    buffer = b""
    while time.monotonic() < deadline:
        if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
            break
        chunk = os.read(process.stderr.fileno(), 65536)
        if not chunk:
            break
        buffer += chunk
        for line in buffer.decode(errors="replace").splitlines():
            if line.startswith(BENCH_MARKER):
                return float(line.split()[-1])
    raise RuntimeError(f"no window-shown marker; the process said:\n{buffer.decode()[-2000:]}")


def measure(command: list[str], env: dict[str, str], idle: float) -> Sample:
    started = time.time()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        shown_at = wait_for_marker(process, timeout=60)
        time.sleep(idle)
        memory = rss_mb(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return Sample(shown_at - started, memory)


@contextmanager
def xvfb() -> Iterator[str]:
    display = next(n for n in range(90, 200) if not (X11_SOCKETS / f"X{n}").exists())
    server = subprocess.Popen(
        ["Xvfb", f":{display}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            if (X11_SOCKETS / f"X{display}").exists():
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("Xvfb did not start")
        yield f":{display}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def run(
    args: argparse.Namespace, display: str | None, base: dict[str, str]
) -> list[tuple[str, list[Sample]]]:
    base = dict(base)
    base[BENCH_VARIABLE] = "1"
    if display:
        base.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
    else:
        base["QT_QPA_PLATFORM"] = "offscreen"
    python = sys.executable
    launches: list[tuple[str, list[str], bool]] = [  # name, command, is the launcher
        ("bare PySide6 window", [python, "-c", BARE_WINDOW], False),
        ("Course Launcher window", [python, "-m", "launcher"], True),
    ]
    if args.frozen:
        launches.append(("frozen app (PyInstaller)", [str(frozen_executable(args.frozen))], True))
    if args.command:
        command = shlex.split(args.command)
        launches.append((f"command: {Path(command[0]).name}"[:26], command, True))
    rows: list[tuple[str, list[Sample]]] = [(name, []) for name, _, _ in launches]
    for run_number in range(args.runs + 1):  # interleaved: a busy moment hurts all alike
        keep = run_number > 0  # the first launch of each warms the caches
        for (_name, command, is_launcher), (_, samples) in zip(launches, rows, strict=True):
            if not is_launcher:
                sample = measure(command, dict(base), args.idle if keep else 0)
                samples.extend([sample] if keep else [])
                continue
            home = Path(tempfile.mkdtemp(prefix="cl-bench-"))
            env = dict(
                base,
                COURSE_LAUNCHER_HOME=str(home),
                COURSE_LAUNCHER_SECRETS="file",
                DOCKER_HOST=args.docker_host or f"unix://{home}/no-docker.sock",
            )
            try:
                sample = measure(command, env, args.idle if keep else 0)
                samples.extend([sample] if keep else [])
            finally:
                socket_file = Path(tempfile.gettempdir()) / server_name(env)
                socket_file.unlink(missing_ok=True)  # SIGTERM leaves the single-instance socket
                shutil.rmtree(home, ignore_errors=True)
    return rows


def frozen_executable(path: Path) -> Path:
    """The bundle's executable, given it or its folder (dist/course-launcher)."""
    if path.is_dir():
        for name in ("course-launcher", "course-launcher.exe"):
            if (path / name).is_file():
                return path / name
        raise SystemExit(f"no course-launcher executable in {path}")
    return path


def import_seconds(module: str, runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        command = [sys.executable, "-c", f"import {module}"]
        subprocess.run(command, cwd=ROOT, env=env, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="launches of each (at least 5)")
    parser.add_argument("--platform", choices=["xvfb", "offscreen"], default=None)
    parser.add_argument("--idle", type=float, default=3.0, help="seconds idle before RSS")
    parser.add_argument("--docker-host", help="an engine for the launcher (default: none)")
    parser.add_argument(
        "--frozen", type=Path, metavar="PATH",
        help="also measure the PyInstaller bundle (its folder or executable)",
    )  # fmt: skip
    parser.add_argument(
        "--command", help="also measure this command line as a launcher (e.g. an installed app)"
    )
    args = parser.parse_args()
    args.runs = max(5, args.runs)
    platform = args.platform or ("xvfb" if shutil.which("Xvfb") else "offscreen")
    caches = tempfile.mkdtemp(prefix="cl-bench-pycache-")
    base = {k: v for k, v in os.environ.items() if not k.startswith("QT_")}
    base.pop("PYTHONDONTWRITEBYTECODE", None)
    base["PYTHONPYCACHEPREFIX"] = caches
    try:
        if platform == "xvfb":
            with xvfb() as display:
                rows = run(args, display, base)
        else:
            rows = run(args, None, base)
        report(args, platform, rows, base)
    finally:
        shutil.rmtree(caches, ignore_errors=True)
    return 0


def report(
    args: argparse.Namespace, platform: str, rows: list[tuple[str, list[Sample]]],
    env: dict[str, str],
) -> None:  # fmt: skip

    print(f"\nwindow start-up on {platform}, {args.runs} launches each, python {sys.version[:6]}")
    print(f"{'':26} {'median':>8} {'min':>8} {'max':>8} {'RSS idle':>10}")
    for name, samples in rows:
        shown = [s.shown for s in samples]
        memory = statistics.median(s.rss_mb for s in samples)
        print(
            f"{name:26} {statistics.median(shown):7.3f}s {min(shown):7.3f}s "
            f"{max(shown):7.3f}s {memory:7.1f} MB"
        )
    launcher_median = statistics.median(s.shown for s in rows[1][1])
    for name, samples in rows[2:]:
        ratio = statistics.median(s.shown for s in samples) / launcher_median
        print(f"{name}: {ratio:.2f}x the Course Launcher window from source")
    print("\nimport only (python -c 'import …'), median of 5:")
    for module in ("PySide6.QtWidgets", "docker", "launcher.core.launcher", "launcher.ui.app"):
        print(f"  {module:26} {import_seconds(module, 5, env):6.3f}s")


if __name__ == "__main__":
    sys.exit(main())
