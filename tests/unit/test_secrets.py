"""Tokens: keyring when usable, a private file otherwise. Never the machine's real keyring."""

from __future__ import annotations

import json
import logging
import re
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.core
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from launcher.core.errors import KeyringUnavailable, SecretStoreError
from launcher.core.local.paths import AppPaths, app_paths
from launcher.core.local.secrets import (
    BACKEND_VARIABLE,
    SERVICE_NAME,
    FileSecretStore,
    KeyringSecretStore,
    KeyringWithFileFallback,
    open_secret_store,
    token_for,
)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
URLSAFE = re.compile(r"^[A-Za-z0-9_-]{22,}$")


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps passwords in a dict, in this process only."""

    priority = -1  # never picked by keyring's own detection

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.passwords: dict[tuple[str, str], str] = {}
        self.locked = False

    def _check(self) -> None:
        if self.locked:
            raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def get_password(self, service: str, username: str) -> str | None:
        self._check()
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._check()
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self._check()
        if self.passwords.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Own home folder, no forced backend, and a failing keyring unless a test sets one."""
    monkeypatch.setenv("COURSE_LAUNCHER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv(BACKEND_VARIABLE, raising=False)
    # Recorded so that monkeypatch restores whatever keyring was there before.
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    yield


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def paths() -> AppPaths:
    return app_paths()


def secrets_file(paths: AppPaths) -> Path:
    return paths.data / "secrets.json"


# --- choosing the store -----------------------------------------------------


def test_usable_keyring_is_used(paths: AppPaths, memory_keyring: MemoryKeyring) -> None:
    store = open_secret_store(paths)
    token = token_for(store, "tm351-25j")
    assert memory_keyring.passwords == {(SERVICE_NAME, "tm351-25j"): token}
    assert store.location == "Tokens are kept in your system keyring (MemoryKeyring)."
    assert not secrets_file(paths).exists()


def test_fail_backend_falls_back_to_file(paths: AppPaths) -> None:
    store = open_secret_store(paths)
    assert isinstance(store, FileSecretStore)
    assert store.location == (
        f"No system keyring was found, so tokens are kept in {secrets_file(paths)}, "
        "readable only by you."
    )
    token = token_for(store, "tm351-25j")
    assert json.loads(secrets_file(paths).read_text())["tokens"] == {"tm351-25j": token}


def test_chainer_without_backends_falls_back(
    paths: AppPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    keyring.set_keyring(chainer.ChainerBackend())  # type: ignore[no-untyped-call]
    assert isinstance(open_secret_store(paths), FileSecretStore)


def test_null_backend_falls_back(paths: AppPaths) -> None:
    keyring.set_keyring(null.Keyring())  # type: ignore[no-untyped-call]
    store = open_secret_store(paths)
    assert isinstance(store, FileSecretStore)
    assert "switched off" in store.location


def test_environment_variable_forces_file(
    paths: AppPaths, memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BACKEND_VARIABLE, "file")
    store = open_secret_store(paths)
    assert isinstance(store, FileSecretStore)
    assert store.location == f"Tokens are kept in {secrets_file(paths)}, readable only by you."
    token_for(store, "tm351-25j")
    assert memory_keyring.passwords == {}


def test_forced_keyring_without_one_is_an_error(paths: AppPaths) -> None:
    with pytest.raises(KeyringUnavailable) as caught:
        open_secret_store(paths, backend="keyring")
    assert caught.value.hint


def test_forced_keyring_returns_plain_keyring_store(
    paths: AppPaths, memory_keyring: MemoryKeyring
) -> None:
    assert isinstance(open_secret_store(paths, backend="keyring"), KeyringSecretStore)


def test_unknown_backend_name_is_an_error(paths: AppPaths) -> None:
    with pytest.raises(SecretStoreError, match="Unknown place"):
        open_secret_store(paths, environ={BACKEND_VARIABLE: "vault"})


# --- tokens -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["keyring", "file"])
def test_tokens_are_long_distinct_and_stable(
    paths: AppPaths, memory_keyring: MemoryKeyring, kind: str
) -> None:
    store = open_secret_store(paths, backend=kind)
    first = token_for(store, "tm351-25j")
    other = token_for(store, "m269-25j")
    assert URLSAFE.match(first)  # >= 22 URL-safe base64 characters: >= 128 bits
    assert len(first) >= 43  # 32 random bytes
    assert first != other
    assert token_for(store, "tm351-25j") == first
    assert token_for(open_secret_store(paths, backend=kind), "tm351-25j") == first


def test_delete_forgets_the_token(paths: AppPaths, memory_keyring: MemoryKeyring) -> None:
    store = open_secret_store(paths)
    first = token_for(store, "tm351-25j")
    store.delete("tm351-25j")
    store.delete("tm351-25j")  # deleting twice is fine
    assert store.get("tm351-25j") is None
    assert token_for(store, "tm351-25j") != first


def test_empty_course_id_is_refused(paths: AppPaths) -> None:
    with pytest.raises(ValueError, match="course_id"):
        token_for(open_secret_store(paths), "")


def test_token_never_logged(
    paths: AppPaths, memory_keyring: MemoryKeyring, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = [token_for(open_secret_store(paths), "a")]
    tokens.append(token_for(open_secret_store(paths, backend="file"), "b"))
    memory_keyring.locked = True
    tokens.append(token_for(open_secret_store(paths), "c"))  # falls back, warns
    secrets_file(paths).chmod(0o644)
    tokens.append(token_for(open_secret_store(paths, backend="file"), "b"))  # fixes, warns
    assert caplog.records  # something was logged, just not the tokens
    for token in tokens:
        assert token not in caplog.text
        assert all(token not in record.getMessage() for record in caplog.records)


# --- a keyring that refuses -------------------------------------------------


def test_locked_keyring_falls_back_to_file_and_says_so(
    paths: AppPaths, memory_keyring: MemoryKeyring
) -> None:
    memory_keyring.locked = True
    store = open_secret_store(paths)
    assert isinstance(store, KeyringWithFileFallback)
    token = token_for(store, "tm351-25j")
    assert store.notice is not None and "locked" in store.notice
    assert store.location == (
        f"Your system keyring could not be used, so tokens are kept in {secrets_file(paths)}, "
        "readable only by you."
    )
    assert json.loads(secrets_file(paths).read_text())["tokens"] == {"tm351-25j": token}

    # Unlocked later: the token written to the file is still the one in use ...
    memory_keyring.locked = False
    store = open_secret_store(paths)
    assert token_for(store, "tm351-25j") == token
    assert store.notice is None
    # ... and a new one written to the keyring replaces the file's copy.
    store.set("tm351-25j", "replacement-token-value-123456")
    assert json.loads(secrets_file(paths).read_text())["tokens"] == {}
    assert store.get("tm351-25j") == "replacement-token-value-123456"


def test_backend_errors_become_keyring_unavailable(paths: AppPaths) -> None:
    class BrokenKeyring(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise RuntimeError("D-Bus went away")

    store = KeyringSecretStore(BrokenKeyring())
    with pytest.raises(KeyringUnavailable, match="failing"):
        store.get("tm351-25j")


# --- the file ---------------------------------------------------------------


@posix_only
def test_file_is_private(paths: AppPaths) -> None:
    token_for(FileSecretStore(secrets_file(paths)), "tm351-25j")
    assert stat.S_IMODE(secrets_file(paths).stat().st_mode) == 0o600
    assert stat.S_IMODE(paths.data.stat().st_mode) & 0o022 == 0


@posix_only
def test_group_readable_file_is_fixed_before_reading(
    paths: AppPaths, caplog: pytest.LogCaptureFixture
) -> None:
    token = token_for(FileSecretStore(secrets_file(paths)), "tm351-25j")
    secrets_file(paths).chmod(0o640)
    store = FileSecretStore(secrets_file(paths))
    assert store.get("tm351-25j") == token
    assert stat.S_IMODE(secrets_file(paths).stat().st_mode) == 0o600
    assert store.notice is not None and "readable only by you" in store.notice
    assert "could be read by other people" in caplog.text


@posix_only
def test_folder_others_can_write_is_fixed(paths: AppPaths) -> None:
    paths.data.mkdir(parents=True)
    paths.data.chmod(0o777)
    store = FileSecretStore(secrets_file(paths))
    token_for(store, "tm351-25j")
    assert stat.S_IMODE(paths.data.stat().st_mode) & 0o022 == 0
    assert store.notice is not None


@posix_only
def test_symlinked_file_is_refused(paths: AppPaths, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text('{"tokens": {}}')
    paths.data.mkdir(parents=True)
    secrets_file(paths).symlink_to(elsewhere)
    with pytest.raises(SecretStoreError, match="could not be opened"):
        FileSecretStore(secrets_file(paths)).get("tm351-25j")


def test_damaged_file_is_set_aside(paths: AppPaths) -> None:
    paths.data.mkdir(parents=True)
    secrets_file(paths).write_bytes(b"\x00\xffnot json")
    store = FileSecretStore(secrets_file(paths))
    token = token_for(store, "tm351-25j")
    kept = list(paths.data.glob("secrets.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == b"\x00\xffnot json"
    assert store.notice is not None and str(kept[0]) in store.notice
    assert FileSecretStore(secrets_file(paths)).get("tm351-25j") == token


def test_reading_creates_nothing(paths: AppPaths) -> None:
    assert FileSecretStore(secrets_file(paths)).get("tm351-25j") is None
    assert not paths.data.exists()
