"""The doctor's checks and the support bundle's redaction, driven with plain data."""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from launcher.cli.doctor import doctor_lines
from launcher.core.catalogue.model import Course, Service
from launcher.core.catalogue.sources import SourceReport
from launcher.core.doctor.check import Check, has_errors
from launcher.core.doctor.engine_checks import (
    DiskSpace,
    check_architecture,
    check_disk,
    check_engine_reachable,
    check_engine_version,
    check_ports,
    check_workspace_folder,
)
from launcher.core.doctor.host_checks import (
    check_catalogue_source,
    check_clock,
    check_proxy,
    check_secret_store,
    no_proxy_covers,
    parse_engine_time,
    server_clock_skew,
)
from launcher.core.doctor.known_secrets import docker_config_secrets
from launcher.core.doctor.support_bundle import tail_lines
from launcher.core.engine.model import EngineInfo
from launcher.core.errors import EngineUnavailable, SecretStoreError
from launcher.core.local.secrets import (
    BACKEND_VARIABLE,
    FileSecretStore,
    KeyringSecretStore,
    KeyringWithFileFallback,
)
from launcher.core.redaction import (
    MASK,
    Redactor,
    is_secret_name,
    mask_secret_keys,
    secret_env_values,
    secret_values,
)

STATUSES = {"ok", "warning", "error"}


def engine_info(api: str = "1.41", arch: str = "amd64", os_type: str = "linux") -> EngineInfo:
    return EngineInfo(
        engine_version="20.10.24", api_version=api, os_type=os_type, architecture=arch,
        operating_system="Debian GNU/Linux 12 (bookworm)", kernel_version="6.1",
        total_memory=None, cpus=None, product=None,
    )  # fmt: skip


COURSE = Course(
    id="tm351-24j", code="TM351", presentation="24J", title="Data management",
    image="example.org/tm351:24j", workspace="/home/ou/TM351-24J",
    services=(Service(name="Jupyter", port=8888),),
)  # fmt: skip


def assert_well_formed(check: Check, check_id: str, status: str) -> None:
    assert check.id == check_id
    assert check.status == status, check
    assert check.summary.strip()
    if status != "ok":
        assert check.fix.strip(), "a problem always comes with a fix"


# --- the engine -----------------------------------------------------------------------


def test_unreachable_engine_is_an_error_with_the_engine_hint() -> None:
    problem = EngineUnavailable("Docker is not running.", "Start Docker Desktop.")
    check = check_engine_reachable(None, problem)
    assert_well_formed(check, "engine.reachable", "error")
    assert check.fix == "Start Docker Desktop."
    assert has_errors([check])


@pytest.mark.parametrize(
    ("api", "status"),
    [("1.41", "ok"), ("1.43", "ok"), ("1.100", "ok"), ("1.40", "warning"), ("1.24", "warning"),
     ("", "warning"), ("banana", "warning")],
)  # fmt: skip
def test_engine_older_than_api_1_41_is_a_warning(api: str, status: str) -> None:
    check = check_engine_version(engine_info(api))
    assert_well_formed(check, "engine.version", status)
    assert "20.10.24" in check.summary


def test_engine_version_not_checked_without_an_engine() -> None:
    assert_well_formed(check_engine_version(None), "engine.version", "warning")


@pytest.mark.parametrize(
    ("attrs", "engine", "status"),
    [
        ({"Os": "linux", "Architecture": "amd64"}, engine_info(arch="amd64"), "ok"),
        ({"Os": "linux", "Architecture": "x86_64"}, engine_info(arch="amd64"), "ok"),
        ({"Os": "linux", "Architecture": "arm64"}, engine_info(arch="amd64"), "warning"),
        ({"Os": "linux", "Architecture": "amd64"}, engine_info(os_type="windows"), "error"),
    ],
)
def test_architecture_of_the_installed_image(
    attrs: dict[str, str], engine: EngineInfo, status: str
) -> None:
    check = check_architecture(COURSE, attrs, engine)
    assert_well_formed(check, "course.tm351-24j.architecture", status)


@pytest.mark.parametrize(
    ("free", "status"),
    [(50 * 10**9, "ok"), (10 * 10**9, "ok"), (9 * 10**9, "warning"), (2 * 10**9, "warning"),
     (1_999_999_999, "error"), (0, "error")],
)  # fmt: skip
def test_free_disk_thresholds(free: int, status: str) -> None:
    check = check_disk(DiskSpace("/var/lib/docker", free, 3 * 10**9))
    assert_well_formed(check, "disk.engine-free", status)
    assert "/var/lib/docker" in check.summary and "3.0 GB" in check.summary


def test_unknown_free_disk_is_ok_with_a_note() -> None:
    check = check_disk(DiskSpace("/var/lib/docker", None, None, "Docker runs elsewhere"))
    assert_well_formed(check, "disk.engine-free", "ok")
    assert "unknown" in check.summary and "Docker runs elsewhere" in check.summary


# --- environments -----------------------------------------------------------------------


def test_ports_free_or_ours_are_ok_and_taken_ones_will_move() -> None:
    def free(port: int) -> bool:
        return port != 9000

    ok = check_ports("c", "C", {8888: 8001, 8080: 8002}, set(), free)
    assert_well_formed(ok, "course.c.ports", "ok")
    ours = check_ports("c", "C", {8888: 9000}, {9000}, free)
    assert_well_formed(ours, "course.c.ports", "ok")
    taken = check_ports("c", "C", {8888: 9000, 8080: 8002}, set(), free)
    assert_well_formed(taken, "course.c.ports", "warning")
    assert "9000" in taken.summary and "8002" not in taken.summary and "move" in taken.summary
    unknown = check_ports("c", "C", {8888: 9000}, set(), free, engine_known=False)
    assert_well_formed(unknown, "course.c.ports", "warning")
    assert "cannot tell" in unknown.summary


def test_folder_missing_or_a_file_is_an_error(tmp_path: Path) -> None:
    assert_well_formed(check_workspace_folder("c", "C", tmp_path), "course.c.folder", "ok")
    missing = check_workspace_folder("c", "C", tmp_path / "gone")
    assert_well_formed(missing, "course.c.folder", "error")
    assert "does not exist" in missing.summary
    assert not (tmp_path / "gone").exists(), "the doctor never creates the folder"
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    assert_well_formed(check_workspace_folder("c", "C", a_file), "course.c.folder", "error")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_folder_without_write_permission_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        assert_well_formed(check_workspace_folder("c", "C", folder), "course.c.folder", "error")
    finally:
        folder.chmod(0o700)


# --- secrets ---------------------------------------------------------------------------


class MemoryKeyring(KeyringBackend):
    priority = -1  # never picked by keyring's own detection

    def __init__(self, *, locked: bool = False) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.locked = locked

    def get_password(self, service: str, username: str) -> str | None:
        if self.locked:
            raise keyring.errors.KeyringLocked("Failed to unlock the collection!")
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise NotImplementedError

    def delete_password(self, service: str, username: str) -> None:
        raise NotImplementedError


def test_secret_store_locations(tmp_path: Path) -> None:
    file_path = tmp_path / "data" / "secrets.json"
    chosen = check_secret_store(FileSecretStore(file_path), {BACKEND_VARIABLE: "file"})
    assert_well_formed(chosen, "secrets.backend", "ok")
    assert str(file_path) in chosen.summary
    fallback = check_secret_store(
        FileSecretStore(file_path, reason="No system keyring was found"), {}
    )
    assert_well_formed(fallback, "secrets.backend", "warning")
    assert "No system keyring was found" in fallback.summary and str(file_path) in fallback.summary

    working = KeyringWithFileFallback(
        KeyringSecretStore(MemoryKeyring()), FileSecretStore(file_path)
    )
    keyring_ok = check_secret_store(working, {})
    assert_well_formed(keyring_ok, "secrets.backend", "ok")
    assert "system keyring" in keyring_ok.summary
    locked = KeyringWithFileFallback(
        KeyringSecretStore(MemoryKeyring(locked=True)), FileSecretStore(file_path)
    )
    fell_back = check_secret_store(locked, {})
    assert_well_formed(fell_back, "secrets.backend", "warning")
    assert str(file_path) in fell_back.summary


def test_secret_store_that_cannot_be_read_is_an_error(tmp_path: Path) -> None:
    class Broken(FileSecretStore):
        def get(self, course_id: str) -> str | None:
            raise SecretStoreError("The token file is a folder.", "Delete it.")

    check = check_secret_store(Broken(tmp_path / "s.json"), {})
    assert_well_formed(check, "secrets.backend", "error")


# --- catalogues -------------------------------------------------------------------------


def test_catalogue_source_states() -> None:
    bundled = SourceReport("bundled", "bundled", True, course_ids=("a", "b"))
    assert_well_formed(check_catalogue_source(0, bundled, []), "catalogue.0.source", "ok")
    fresh = SourceReport("https://example.org/c.toml", "url", True, course_ids=("a",))
    ok = check_catalogue_source(1, fresh, [])
    assert_well_formed(ok, "catalogue.1.source", "ok")
    assert "1 course:" in ok.summary
    cached = SourceReport("https://example.org/c.toml", "url", True, from_cache=True)
    said = "Using the copy of https://example.org/c.toml saved on 2024-01-01 because …"
    warning = check_catalogue_source(2, cached, [said])
    assert_well_formed(warning, "catalogue.2.source", "warning")
    assert warning.summary == said
    failed = SourceReport("https://…@example.org/c.toml", "url", False)
    error = check_catalogue_source(3, failed, ["The course catalogue … could not be loaded."])
    assert_well_formed(error, "catalogue.3.source", "error")
    assert "--remove" in error.fix


# --- the clock --------------------------------------------------------------------------


def test_clock_skew_limits() -> None:
    assert_well_formed(check_clock(12.0, "registry.example", 1.0), "clock.skew", "ok")
    assert_well_formed(check_clock(-299.0, "registry.example", None), "clock.skew", "ok")
    ahead = check_clock(3600.0, "registry.example", None)
    assert_well_formed(ahead, "clock.skew", "warning")
    assert "60 min ahead of" in ahead.summary and "registry.example" in ahead.summary
    behind = check_clock(-3 * 86400.0, "registry.example", None)
    assert "3 days behind" in behind.summary
    engine = check_clock(2.0, "registry.example", 900.0)
    assert_well_formed(engine, "clock.skew", "warning")
    assert "Docker's clock" in engine.summary
    offline = check_clock(None, None, None)
    assert_well_formed(offline, "clock.skew", "ok")
    assert "not compared" in offline.summary


def test_engine_time_with_nanoseconds() -> None:
    parsed = parse_engine_time("2024-05-01T12:34:56.123456789+01:00")
    assert parsed == datetime(2024, 5, 1, 11, 34, 56, 123456, tzinfo=UTC)
    assert parse_engine_time("2024-05-01T12:34:56Z") == datetime(2024, 5, 1, 12, 34, 56, tzinfo=UTC)
    assert parse_engine_time("yesterday") is None


@pytest.fixture
def late_server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 whose clock is an hour behind."""

    class Handler(BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def date_time_string(self, timestamp: float | None = None) -> str:
            return format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v2/"
    server.shutdown()
    server.server_close()
    thread.join()


def test_skew_is_read_from_a_servers_date_header(late_server: str) -> None:
    skew = server_clock_skew(late_server)
    assert skew is not None and 3590 < skew < 3610
    assert_well_formed(check_clock(skew, "127.0.0.1", None), "clock.skew", "warning")


def test_no_server_means_no_skew() -> None:
    assert server_clock_skew("http://127.0.0.1:9/v2/") is None


# --- proxies ----------------------------------------------------------------------------


def test_no_proxy_coverage() -> None:
    assert no_proxy_covers("localhost,127.0.0.1", "127.0.0.1")
    assert no_proxy_covers(" example.org , 127.0.0.0/8 ", "127.0.0.1")
    assert no_proxy_covers("*", "localhost")
    assert not no_proxy_covers("example.org", "localhost")
    assert not no_proxy_covers("", "127.0.0.1")


def test_proxy_variables() -> None:
    none = check_proxy({})
    assert_well_formed(none, "network.proxy", "ok")
    engine = check_proxy({}, {"HttpsProxy": "http://u:pw@proxy.example:3128"})
    assert "proxy.example" in engine.summary and "pw" not in engine.summary
    good = check_proxy({"https_proxy": "http://proxy:3128", "NO_PROXY": "localhost,127.0.0.1"})
    assert_well_formed(good, "network.proxy", "ok")
    assert "http://proxy:3128" in good.summary
    missing = check_proxy({"HTTP_PROXY": "http://alice:s3cret@proxy:3128", "no_proxy": "localhost"})
    assert_well_formed(missing, "network.proxy", "warning")
    assert "127.0.0.1" in missing.summary and "s3cret" not in missing.summary + missing.fix
    assert "NO_PROXY=localhost,127.0.0.1,localhost" in missing.fix


# --- output -----------------------------------------------------------------------------


def test_json_and_text_forms() -> None:
    checks = [
        Check("engine.reachable", "ok", "Docker answers."),
        Check("clock.skew", "warning", "Late.", "Set the clock.\nThen retry."),
    ]
    assert json.loads(json.dumps([c.as_dict() for c in checks]))[1] == {
        "id": "clock.skew", "status": "warning", "summary": "Late.",
        "fix": "Set the clock.\nThen retry.",
    }  # fmt: skip
    assert doctor_lines(checks) == [
        "ok      engine.reachable: Docker answers.",
        "WARNING clock.skew: Late.",
        "        fix: Set the clock.",
        "             Then retry.",
    ]
    assert not has_errors(checks)


# --- redaction --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("GET /tree?token=abc123def&x=1 HTTP/1.1", "abc123def"),
        ("http://127.0.0.1:8888/lab?token=abc123def", "abc123def"),
        ("Authorization: token abc123def", "abc123def"),
        ("proxy-authorization: Basic YWxpY2U6cHc=", "YWxpY2U6cHc="),
        ("cloning https://alice:hunter22@git.example/x.git", "hunter22"),
        ("env JUPYTER_TOKEN=abc123def started", "abc123def"),
        ("DB_PASSWORD=hunter22,", "hunter22"),
        ('{"registry_password": "Pa55-w0rd", "port": 1}', "Pa55-w0rd"),
        ("api_key='k-123456'", "k-123456"),
    ],
)
def test_patterns_that_look_secret_are_masked(text: str, secret: str) -> None:
    cleaned = Redactor()(text)
    assert secret not in cleaned
    assert MASK in cleaned


def test_known_secrets_are_masked_anywhere_and_the_rest_is_kept() -> None:
    redactor = Redactor(["the-token-value", "xy", ""])
    cleaned = redactor("a the-token-value b, xy, secrets.backend: fine, keyring 25.1")
    assert cleaned == f"a {MASK} b, xy, secrets.backend: fine, keyring 25.1"
    assert redactor.count == 1


def test_secret_names_and_values() -> None:
    assert is_secret_name("JUPYTER_TOKEN") and is_secret_name("db_password")
    assert is_secret_name("AWS_SECRET_ACCESS_KEY") and not is_secret_name("JUPYTER_PORT")
    assert secret_env_values(["PATH=/bin", "DB_PASSWORD=pw123", "JUPYTER_TOKEN=", "X"]) == ["pw123"]
    document = {"a": {"registry_password": "Pa55", "folder": "/x"}, "list": [{"token": "t-1"}]}
    assert sorted(secret_values(document)) == ["Pa55", "t-1"]
    assert mask_secret_keys(document) == {
        "a": {"registry_password": MASK, "folder": "/x"}, "list": [{"token": MASK}],
    }  # fmt: skip


def test_registry_logins_in_the_docker_config_are_known(tmp_path: Path) -> None:
    auth = base64.b64encode(b"alice:hunter22").decode()
    config = {"auths": {"registry.example": {"auth": auth, "identitytoken": "id-tok-1"}}}
    (tmp_path / "config.json").write_text(json.dumps(config))
    found = docker_config_secrets({"DOCKER_CONFIG": str(tmp_path)})
    assert {auth, "alice:hunter22", "hunter22", "id-tok-1"} <= set(found)
    assert docker_config_secrets({"DOCKER_CONFIG": str(tmp_path / "none")}) == []


def test_tail_reads_older_files_first(tmp_path: Path) -> None:
    (tmp_path / "log.1").write_text("a\nb\nc\n")
    (tmp_path / "log").write_text("d\ne\n")
    assert tail_lines([tmp_path / "log.1", tmp_path / "log"], 3) == ["c", "d", "e"]
    assert tail_lines([tmp_path / "missing"], 3) == []
