"""Nothing is exposed: ports on loopback only, unprivileged containers, the token kept
off disks and command lines, and a hostile catalogue unable to change any of that.

Every check is made on the real engine, on the containers the launcher really made.
"""

from __future__ import annotations

import base64
import http.server
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
import requests

from launcher.core.engine import labels
from launcher.core.errors import CatalogueError
from launcher.core.launcher import Launcher
from launcher.core.local.paths import app_paths
from tests.helpers.catalogue import catalogue_text
from tests.helpers.checks import assert_contained
from tests.helpers.folders import make_student_folder
from tests.testbed.netns import probe_host
from tests.testbed.services import free_port
from tests.testbed.testbed import TestbedState

# --- ports ---------------------------------------------------------------------------


@pytest.mark.timeout(300)
def test_every_course_publishes_on_loopback_only_and_runs_unprivileged(
    launcher: Launcher, course_catalogue: Path, student_area: Path,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    # Every course of the test catalogue (the bundled one's images are not on this
    # offline test machine; the code path that publishes is the same for all).
    courses = [c for c in launcher.catalogue if c.source == str(course_catalogue)]
    assert len(courses) == 3
    started = {}
    for course in courses:
        folder = make_student_folder(student_area, course.id)
        started[course.id] = (launcher.start(course.id, folder), folder)
    ports = [port for result, _ in started.values() for port in result.ports.values()]
    assert len(ports) == sum(len(c.container_ports) for c in courses) >= 4
    for course_id, (result, folder) in started.items():
        container = clean_engine.containers.get(labels.container_name(course_id))
        assert_contained(container, folder, course_id)
        published = {int(k.split("/")[0]): v for k, v in container.ports.items() if v}
        assert {p: [b["HostPort"] for b in v] for p, v in published.items()} == {
            cport: [str(host)] for cport, host in result.ports.items()
        }
    with probe_host() as remote, socket.socket() as exposed:
        exposed.bind(("0.0.0.0", 0))  # noqa: S104 - deliberately exposed, to prove the probe
        exposed.listen()
        assert remote.can_connect(exposed.getsockname()[1])  # the probe sees exposure
        reachable = [port for port in ports if remote.can_connect(port)]
    assert reachable == [], f"reachable from the network: {reachable}"
    for port in ports:  # …while each answers on this computer
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass


# --- the token -------------------------------------------------------------------------

FAKE_BROWSER = """#!{python}
import sys, time
from pathlib import Path
from urllib.parse import urlparse, unquote
Path({log!r}).open("a").write(" ".join(sys.argv[1:]) + "\\n")
page = Path(unquote(urlparse(sys.argv[1]).path))
mode = oct(page.stat().st_mode & 0o777)
text = page.read_text()
Path({log!r}).open("a").write(mode + " " + str(len(text)) + "\\n")
"""


class CommandLineWatch:
    """Reads every process's command line (/proc/*/cmdline), over and over, looking for
    a secret, while the launcher works."""

    def __init__(self, secrets: list[str]) -> None:
        self.secrets = [s.encode() for s in secrets]
        self.found: list[str] = []
        self.scans = 0
        self.processes: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        me = str(os.getpid())
        while not self._stop.is_set():
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit() or entry.name == me:
                    continue
                try:
                    cmdline = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                self.processes.add(int(entry.name))
                if any(secret in cmdline for secret in self.secrets):
                    self.found.append(cmdline.replace(b"\0", b" ").decode(errors="replace"))
            self.scans += 1
            time.sleep(0.005)

    def __enter__(self) -> CommandLineWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def token_bits(token: str) -> int:
    return len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) * 8


def test_token_strong_distinct_and_never_on_disk_or_command_lines(
    testbed: TestbedState, course_catalogue: Path, student_area: Path, tmp_path: Path,
    clean_engine: docker.DockerClient, launcher_home: Path,
) -> None:  # fmt: skip
    browser_log = tmp_path / "browser.log"
    browser = tmp_path / "fake-browser"
    browser.write_text(FAKE_BROWSER.format(python=sys.executable, log=str(browser_log)))
    browser.chmod(0o755)
    env = {**os.environ, "BROWSER": str(browser)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "launcher", *args, "--engine", testbed.docker_host,
                   "--catalogue", str(course_catalogue)]  # fmt: skip
        return subprocess.run(command, capture_output=True, text=True, timeout=170, env=env,
                              check=False)  # fmt: skip

    # The tokens exist before the first start (made on first use), so the watch knows
    # what to look for from the first process on.
    setup = Launcher.open(catalogues=[str(course_catalogue)], engine=testbed.docker_host)
    tokens = {cid: setup.ensure_token(cid) for cid in ("test-jupyter", "test-multi")}
    setup.close()
    assert all(tokens.values()) and len(set(tokens.values())) == 2
    assert all(token_bits(t) >= 128 for t in tokens.values() if t)
    secrets = [t for t in tokens.values() if t]

    with CommandLineWatch(secrets) as watch:
        for course_id in tokens:  # start opens the browser, as a student's start does
            folder = make_student_folder(student_area, course_id)
            started = cli("start", course_id, "--folder", str(folder))
            assert started.returncode == 0, started.stderr
        began = time.monotonic()
        opened = cli("open", "test-jupyter")
        open_took = time.monotonic() - began
        assert opened.returncode == 0, opened.stderr
    assert watch.scans > 50
    assert watch.found == [], watch.found
    print(f"{watch.scans} scans of /proc, {len(watch.processes)} processes seen")

    # The browser was given a file, not the address; the file was 0600 and held the page.
    calls = browser_log.read_text().splitlines()
    assert len(calls) == 6, calls  # three opens, each: the argument, then what it read
    for argument, seen in zip(calls[::2], calls[1::2], strict=True):
        assert argument.startswith("file://") and argument.endswith(".html")
        mode, length = seen.split()
        assert mode == "0o600" and int(length) > 100
    # Removed once read: nothing of it is left, and open returned well before its limit.
    state = app_paths().state / "open"
    assert list(state.iterdir()) == []
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert open_took < 8, f"open kept the redirect file for {open_took:.1f} s"

    # The token is in no file the launcher wrote, except the 0600 secrets file.
    bundle = tmp_path / "bundle.txt"
    done = cli("support-bundle", str(bundle))
    assert done.returncode == 0, done.stderr
    secrets_file = app_paths().data / "secrets.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    checked = [bundle, *(p for p in launcher_home.rglob("*") if p.is_file())]
    for path in checked:
        if path == secrets_file:
            continue
        data = path.read_bytes()
        assert not [t for t in secrets if t.encode() in data], f"a token is in {path}"
    names = {p.name for p in checked}
    assert {"settings.json", "launcher.log", "bundle.txt"} <= names, names

    for course_id in tokens:
        container = clean_engine.containers.get(labels.container_name(course_id))
        assert_contained(container, student_area / course_id, course_id)


# --- a hostile catalogue -------------------------------------------------------------


class CatalogueServer:
    """Serves one catalogue text on http://127.0.0.1:PORT/catalogue.toml."""

    def __init__(self) -> None:
        self.text = ""
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = server.text.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/toml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/catalogue.toml"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def hostile_server() -> Iterator[CatalogueServer]:
    server = CatalogueServer()
    yield server
    server.close()


def jupyter_course(testbed: TestbedState, port: int) -> str:
    whole = catalogue_text(testbed, port, free_port())
    return whole[: whole.index("[[course]]", whole.index("[[course]]") + 1)]


SERVICE = '[[course.services]]\nname = "Jupyter"\nport = 8888\n'
# (what it tries, text inserted after the course's first line or replacing a part, key named)
REFUSED = [
    ("privileged", "privileged = true\n", "privileged"),
    ("host network", 'network_mode = "host"\n', "network_mode"),
    ("capabilities", 'cap_add = ["SYS_ADMIN", "NET_ADMIN"]\n', "cap_add"),
    ("devices", 'devices = ["/dev/sda:/dev/sda"]\n', "devices"),
    ("extra mount", 'mounts = ["/:/host"]\n', "mounts"),
    ("binds", 'binds = ["/var/run/docker.sock:/var/run/docker.sock"]\n', "binds"),
    ("security options", 'security_opt = ["seccomp=unconfined"]\n', "security_opt"),
    ("host pid", 'pid = "host"\n', "pid"),
    ("run as root", 'user = "root"\n', "user"),
    ("published ports", 'ports = ["0.0.0.0:8888:8888"]\n', "ports"),
]
WORKSPACE = 'workspace = "/home/ou/TM351-24J"'
VOLUME = '[[course.volumes]]\nname = "{name}"\npath = "/data"\n{extra}[course.token]'
REPLACED = [  # (what it tries, old text, new text, key named)
    ("bind on all addresses", "preferred_port = ",
     'preferred_port = "0.0.0.0:8888"\nx-was = ', "preferred_port"),
    ("service on a host address", "port = 8888\n",
     'port = 8888\nhost_ip = "0.0.0.0"\n', "host_ip"),
    ("service port with an address", "port = 8888\n", 'port = "192.168.1.5:8888"\n', "port"),
    ("volume from a host path", "[course.token]",
     VOLUME.format(name="x", extra='source = "/etc"\n'), "source"),
    ("volume named as a host path", "[course.token]",
     VOLUME.format(name="/var/run/docker.sock", extra=""), "name"),
    ("workspace is the root", WORKSPACE, 'workspace = "/"', "workspace"),
    ("workspace with a host side", WORKSPACE, 'workspace = "/etc:/home/ou/w"', "workspace"),
]  # fmt: skip


def hostile_variants(testbed: TestbedState) -> list[tuple[str, str, str]]:
    base = jupyter_course(testbed, free_port())
    variants = []
    first_line = 'id = "test-jupyter"\n'
    for what, extra, key in REFUSED:
        variants.append((what, base.replace(first_line, first_line + extra, 1), key))
    for what, old, new, key in REPLACED:
        assert old in base, old
        variants.append((what, base.replace(old, new, 1), key))
    return variants


def test_hostile_catalogue_from_a_url_is_refused_or_harmless(
    testbed: TestbedState, hostile_server: CatalogueServer, student_area: Path,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    for what, text, key in hostile_variants(testbed):
        hostile_server.text = text
        with pytest.raises(CatalogueError) as caught:
            Launcher.open(catalogues=[hostile_server.url], engine=testbed.docker_host)
        message = caught.value.message
        assert hostile_server.url in message, (what, message)
        assert f'"{key}' in message or f".{key}" in message, (what, message)
        assert clean_engine.containers.list(all=True) == []

    # What the format lets through is harmless: notes (x- keys) are ignored, variables
    # reach only the container, a volume's path is inside the container.
    harmless = (
        jupyter_course(testbed, free_port())
        .replace(
            'id = "test-jupyter"\n',
            'id = "test-jupyter"\nx-privileged = true\nx-mounts = ["/:/host"]\n',
            1,
        )
        .replace(
            "[course.token]",
            '[course.env]\nDOCKER_HOST = "unix:///var/run/docker.sock"\n'
            'LD_PRELOAD = "/tmp/evil.so"\n'
            '[[course.volumes]]\nname = "engine"\npath = "/var/lib/docker"\n'
            "[course.token]",
            1,
        )
    )
    hostile_server.text = harmless
    launcher = Launcher.open(catalogues=[hostile_server.url], engine=testbed.docker_host)
    try:
        folder = make_student_folder(student_area, "hostile")
        result = launcher.start("test-jupyter", folder)
    finally:
        launcher.close()
    container = clean_engine.containers.get(labels.container_name("test-jupyter"))
    assert_contained(container, folder, "test-jupyter")
    assert result.ports and all(isinstance(p, int) for p in result.ports.values())
    # No engine is reachable from inside: no socket at the address it was given.
    probe = container.exec_run(["sh", "-c", "ls -la /var/run/docker.sock 2>&1; ls /var/run"])
    assert b"No such file" in probe.output, probe.output
    assert (
        requests.get(f"http://127.0.0.1:{result.ports[8888]}/api/status", timeout=10).status_code
        == 403
    )  # and the token is still asked for
