"""Per-environment tokens, kept in the system keyring or, failing that, a private file.

Each course environment gets its own random token (256 bits, URL-safe base64),
stored under the service name ``course-launcher`` with the course id as key.

Where tokens live is chosen by :func:`open_secret_store`:

* the system keyring (Secret Service, macOS Keychain, Windows Credential Locker)
  when the ``keyring`` module finds a usable one;
* otherwise ``secrets.json`` in the launcher's data folder, mode 0600 in a folder
  only its owner can write; the store's ``location`` sentence tells the user so.

The environment variable ``COURSE_LAUNCHER_SECRETS`` overrides the choice:
``file`` forces the file (tests and headless servers, where no keyring can be
unlocked, use it); ``keyring`` forces the keyring and fails if none is usable.

A keyring that is present but refuses an operation (locked, D-Bus error) is
treated as unusable for that operation: the token goes to the file instead, the
user is told through ``notice``/``location``, and a later read finds it there.

Tokens are secrets: nothing here logs them, and callers must not either.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import stat
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Protocol

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from launcher.core.errors import KeyringUnavailable, SecretStoreError
from launcher.core.local.files import write_atomic
from launcher.core.local.paths import AppPaths
from launcher.core.local.settings_file import set_aside

SERVICE_NAME = "course-launcher"
BACKEND_VARIABLE = "COURSE_LAUNCHER_SECRETS"
SECRETS_FILE_NAME = "secrets.json"
_FILE_FORMAT = 1
_POSIX = os.name == "posix"

log = logging.getLogger(__name__)


class SecretStore(Protocol):
    """Where tokens are kept; every method takes a course id."""

    @property
    def location(self) -> str:
        """A sentence for the user saying where tokens are kept."""
        ...

    @property
    def notice(self) -> str | None:
        """The latest thing the user should be told (keyring refused, file fixed), or None.

        It stays set until a later notice replaces it; open a new store to start afresh.
        """
        ...

    def get(self, course_id: str) -> str | None: ...

    def set(self, course_id: str, token: str) -> None: ...

    def delete(self, course_id: str) -> None: ...


def new_token() -> str:
    """A fresh token: 32 random bytes, 43 characters of URL-safe base64."""
    return secrets.token_urlsafe(32)


def token_for(store: SecretStore, course_id: str) -> str:
    """Return the course's token, creating and storing one the first time."""
    if not course_id:
        raise ValueError("course_id must not be empty")
    token = store.get(course_id)
    if token:
        return token
    token = new_token()
    store.set(course_id, token)
    log.info("Created a new access token for %s", course_id)
    return token


def _backend_label(backend: KeyringBackend) -> str:
    if isinstance(backend, chainer.ChainerBackend) and backend.backends:
        backend = backend.backends[0]
    module = type(backend).__module__
    if module.startswith("keyring.backends."):
        return module.rsplit(".", 1)[-1]
    return type(backend).__name__


def keyring_problem(backend: KeyringBackend) -> str | None:
    """Why ``backend`` cannot keep tokens, or None if it looks usable."""
    if isinstance(backend, fail.Keyring):
        return "no system keyring was found"
    if isinstance(backend, null.Keyring):
        return "the system keyring is switched off"
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return "no system keyring was found"
    return None


class KeyringSecretStore:
    """Tokens in the system keyring; every failure becomes :class:`KeyringUnavailable`."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend if backend is not None else keyring.get_keyring()
        self.notice: str | None = None

    @property
    def location(self) -> str:
        return f"Tokens are kept in your system keyring ({_backend_label(self._backend)})."

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        try:
            yield
        except Exception as exc:
            reason = "locked" if isinstance(exc, keyring.errors.KeyringLocked) else "failing"
            # The exception text comes from the backend, never from the token.
            log.warning("System keyring could not %s: %s: %s", action, type(exc).__name__, exc)
            raise KeyringUnavailable(
                f"Your system keyring could not be used because it is {reason}.",
                "Unlock your keyring (log out and in again if needed), then try again.",
            ) from exc

    def get(self, course_id: str) -> str | None:
        with self._guard("read a token"):
            return self._backend.get_password(SERVICE_NAME, course_id)

    def set(self, course_id: str, token: str) -> None:
        with self._guard("store a token"):
            self._backend.set_password(SERVICE_NAME, course_id, token)

    def delete(self, course_id: str) -> None:
        with self._guard("delete a token"), suppress(keyring.errors.PasswordDeleteError):
            self._backend.delete_password(SERVICE_NAME, course_id)  # absent is fine


class FileSecretStore:
    """Tokens in a JSON file only its owner can read, in a folder only its owner can write."""

    def __init__(self, path: Path, *, reason: str = "") -> None:
        self.path = path
        self._reason = reason
        self.notice: str | None = None

    @property
    def location(self) -> str:
        where = f"tokens are kept in {self.path}, readable only by you."
        return f"{self._reason}, so {where}" if self._reason else "T" + where[1:]

    def get(self, course_id: str) -> str | None:
        return self._read().get(course_id)

    def set(self, course_id: str, token: str) -> None:
        tokens = self._read()
        tokens[course_id] = token
        self._write(tokens)

    def delete(self, course_id: str) -> None:
        tokens = self._read()
        if tokens.pop(course_id, None) is not None:
            self._write(tokens)

    def _tell(self, sentence: str) -> None:
        log.warning("%s", sentence)
        self.notice = sentence

    def _check_folder(self, *, create: bool) -> bool:
        """Make sure only the owner can change the folder; False if it does not exist."""
        folder = self.path.parent
        if not folder.exists():
            if create:
                folder.mkdir(mode=0o700, parents=True)
            return create
        if not _POSIX:
            return True
        info = folder.stat()
        if info.st_uid != os.getuid():
            raise SecretStoreError(
                f"The folder {folder} belongs to another user, so tokens cannot be kept there.",
                "Set COURSE_LAUNCHER_HOME to a folder of your own, or ask your tutor.",
            )
        if info.st_mode & 0o022:
            folder.chmod(stat.S_IMODE(info.st_mode) & ~0o022)
            self._tell(f"Other people could change files in {folder}; it is now private.")
        return True

    def _read(self) -> dict[str, str]:
        if not self._check_folder(create=False):
            return {}
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(self.path, flags)
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise SecretStoreError(
                f"The token file {self.path} could not be opened ({exc.strerror}).",
                "Delete it if it is a link or a folder; the launcher makes a new one.",
            ) from exc
        with os.fdopen(fd, "rb") as handle:
            if _POSIX:
                info = os.fstat(handle.fileno())
                if info.st_uid != os.getuid():
                    raise SecretStoreError(
                        f"The token file {self.path} belongs to another user.",
                        "Delete it; the launcher makes a new one.",
                    )
                if info.st_mode & 0o077:
                    # Fix first, read after: the tokens are never read from a shared file.
                    os.fchmod(handle.fileno(), 0o600)
                    self._tell(
                        f"The token file {self.path} could be read by other people on this "
                        "computer; it is now readable only by you. Restart your environments "
                        "if you share this computer."
                    )
            raw = handle.read()
        return self._parse(raw)

    def _parse(self, raw: bytes) -> dict[str, str]:
        try:
            document = json.loads(raw.decode("utf-8"))
            tokens = document["tokens"]
            if isinstance(tokens, dict) and all(
                isinstance(k, str) and isinstance(v, str) for k, v in tokens.items()
            ):
                return dict(tokens)
        except (ValueError, TypeError, KeyError, RecursionError):
            pass
        aside = set_aside(self.path)
        self._tell(
            f"The token file was damaged; it was kept at {aside} and new tokens will be made. "
            "Restart your environments to use them."
        )
        return {}

    def _write(self, tokens: Mapping[str, str]) -> None:
        self._check_folder(create=True)
        document = {"format": _FILE_FORMAT, "tokens": dict(tokens)}
        write_atomic(self.path, json.dumps(document, indent=2).encode("utf-8"), mode=0o600)


class KeyringWithFileFallback:
    """The keyring, and the file for any operation the keyring refuses.

    A token is in the file only when the keyring refused its last write, so a
    token found in the file wins over the keyring's (possibly older) one.
    """

    def __init__(self, keyring_store: KeyringSecretStore, file_store: FileSecretStore) -> None:
        self._keyring = keyring_store
        self._file = file_store
        self._notice: str | None = None
        self._fell_back = False

    @property
    def notice(self) -> str | None:
        return self._notice or self._file.notice

    @property
    def location(self) -> str:
        if self._fell_back:
            return (
                "Your system keyring could not be used, so tokens are kept in "
                f"{self._file.path}, readable only by you."
            )
        return self._keyring.location

    def _fall_back(self, exc: KeyringUnavailable) -> None:
        self._fell_back = True
        self._notice = f"{exc.message} {self.location}"
        log.warning("%s", self._notice)

    def get(self, course_id: str) -> str | None:
        token = self._file.get(course_id)
        if token is not None:
            return token
        try:
            return self._keyring.get(course_id)
        except KeyringUnavailable as exc:
            self._fall_back(exc)
            return None

    def set(self, course_id: str, token: str) -> None:
        try:
            self._keyring.set(course_id, token)
        except KeyringUnavailable as exc:
            self._fall_back(exc)
            self._file.set(course_id, token)
            return
        if self._file.get(course_id) is not None:
            self._file.delete(course_id)

    def delete(self, course_id: str) -> None:
        try:
            self._keyring.delete(course_id)
        except KeyringUnavailable as exc:
            self._fall_back(exc)
        self._file.delete(course_id)


def open_secret_store(
    paths: AppPaths,
    *,
    backend: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> SecretStore:
    """Choose where tokens live: ``backend`` is "keyring", "file" or None (automatic).

    When ``backend`` is None, ``COURSE_LAUNCHER_SECRETS`` decides, else the keyring
    is used if usable, else the file.
    """
    env = os.environ if environ is None else environ
    choice = (backend or env.get(BACKEND_VARIABLE, "") or "auto").strip().lower()
    file_path = paths.data / SECRETS_FILE_NAME
    if choice == "file":
        return FileSecretStore(file_path)
    if choice not in {"keyring", "auto"}:
        raise SecretStoreError(
            f"Unknown place for tokens: {choice!r}.",
            f"Use 'keyring' or 'file' (for example {BACKEND_VARIABLE}=file).",
        )
    try:
        found = keyring.get_keyring()
        problem = keyring_problem(found)
    except Exception as exc:
        log.warning("System keyring could not be loaded: %s: %s", type(exc).__name__, exc)
        problem = "the system keyring could not be loaded"
    if problem is not None:
        if choice == "keyring":
            raise KeyringUnavailable(
                f"Tokens cannot be kept in the system keyring: {problem}.",
                f"Install or unlock a keyring, or set {BACKEND_VARIABLE}=file.",
            )
        return FileSecretStore(file_path, reason=problem.capitalize())
    keyring_store = KeyringSecretStore(found)
    if choice == "keyring":
        return keyring_store
    return KeyringWithFileFallback(keyring_store, FileSecretStore(file_path))
