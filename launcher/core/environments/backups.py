"""Back up and restore a course's databases by running the catalogue's commands in the
container: ``dump`` writes the backup to its standard output, ``restore`` reads it
from its standard input. Nothing is written inside the container; a dump that fails
leaves no half file behind.

The backups folder is inside the student's folder, which the container can change, so
it is opened without following links (:mod:`launcher.core.environments.pinned_folder`):
a link planted there never makes a backup overwrite, or a restore send, a file outside.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import socket
import time
from pathlib import Path
from typing import Any

import docker
from docker.utils.socket import STDOUT, consume_socket_output, frames_iter

from launcher.core.catalogue.model import BackupSpec, Course
from launcher.core.engine import labels
from launcher.core.engine.errors import translate_engine_errors
from launcher.core.environments.backup_files import BACKUP_SUFFIX, BackupFile
from launcher.core.environments.containers import container_state, find_container
from launcher.core.environments.pinned_folder import PinnedFolder, open_regular_file, pinned_folder
from launcher.core.environments.state import EnvironmentState
from launcher.core.errors import BackupFailed, LauncherError, WorkspaceError
from launcher.core.local.destinations import check_can_write_in
from launcher.core.operation import CancelToken, Progress, no_progress
from launcher.core.text import human_size

ERROR_TAIL = 2000  # characters of the command's error output kept for the message
_CHUNK = 1 << 20


def _running_container(client: docker.DockerClient, course: Course) -> Any:
    container = find_container(client, course)
    if container is None or container_state(container) != EnvironmentState.RUNNING:
        raise BackupFailed(
            f"{course.display_name} is not running, so its databases cannot be reached.",
            f"Start it first (course-launcher start {course.id}), then try again.",
        )
    return container


def _student_folder(container: Any) -> Path | None:
    """The folder the container mounts (from the label the launcher set when it made it)."""
    folder = (container.labels or {}).get(labels.FOLDER)
    return Path(folder) if folder else None


def moved_text(what: str, done: int, seconds: float) -> str:
    """``Backing up postgres: 1.2 GB (85.0 MB/s)``: the rate once there is one to tell."""
    rate = f" ({human_size(done / seconds)}/s)" if seconds >= 0.5 else ""
    return f"{what}: {human_size(done)}{rate}"


def _not_written(target: Path, exc: OSError) -> LauncherError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return BackupFailed(
            f"There is not enough free space in {target} for the backup; no file was kept.",
            "Free some space, or back up to another disk (course-launcher backup --to FOLDER).",
        )
    return WorkspaceError(
        f"The backup could not be saved in {target} ({exc.strerror or exc}); no file was kept.",
        "Check that the folder exists and that you may write in it, then try again.",
    )


def backup_databases(
    client: docker.DockerClient,
    course: Course,
    target: Path,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> list[BackupFile]:
    """One timestamped file per ``[[course.backups]]`` entry, in ``target``."""
    cancel = cancel or CancelToken()
    if not course.backups:
        raise BackupFailed(f"{course.display_name} has no databases to back up.")
    check_can_write_in(target, "The backups")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    made: list[BackupFile] = []
    with translate_engine_errors(f"backing up {course.display_name}"):
        container = _running_container(client, course)
        try:
            with pinned_folder(target, _student_folder(container), create=True) as folder:
                for spec in course.backups:
                    final = f"{course.id}-{spec.name}-{stamp}{BACKUP_SUFFIX}"
                    made.append(_dump(client, container, spec, folder, final, progress, cancel))
        except OSError as exc:
            raise _not_written(target, exc) from exc
    return made


def _dump(
    client: docker.DockerClient, container: Any, spec: BackupSpec, folder: PinnedFolder,
    final: str, progress: Progress, cancel: CancelToken,
) -> BackupFile:  # fmt: skip
    api: Any = client.api
    exec_id = api.exec_create(container.id, list(spec.dump), user=spec.user)["Id"]
    errors = b""
    size = 0
    out, partial = folder.create_file(final)
    hijacked = api.exec_start(exec_id, socket=True)
    raw: socket.socket = getattr(hijacked, "_sock", hijacked)
    started = time.monotonic()
    try:
        with out:
            for stream, data in frames_iter(hijacked, tty=False):
                cancel.check()
                if stream == STDOUT:
                    out.write(data)
                    size += len(data)
                    progress(
                        moved_text(f"Backing up {spec.name}", size, time.monotonic() - started)
                    )
                else:
                    errors = (errors + data)[-ERROR_TAIL:]
            out.flush()
            os.fsync(out.fileno())
        code = api.exec_inspect(exec_id).get("ExitCode")
        if code != 0:
            raise BackupFailed(
                f"The backup of {spec.name} failed (exit code {code}); no file was kept.",
                "Its messages were:\n" + errors.decode("utf-8", "replace").strip(),
            )
        final = folder.place(partial, final)
    finally:
        hijacked.close()
        raw.close()  # the SDK leaves the hijacked socket open
        folder.remove(partial)
    return BackupFile(spec.name, folder.path / final, size)


def spec_for_file(course: Course, path: Path) -> BackupSpec:
    """The backup entry a file was made by, from its name ``<course>-<name>-<stamp>``."""
    match = re.fullmatch(
        rf"{re.escape(course.id)}-(?P<name>.+)-\d{{8}}-\d{{6}}(?:-\d+)?{re.escape(BACKUP_SUFFIX)}",
        path.name,
    )
    names = {spec.name: spec for spec in course.backups}
    if match and match["name"] in names:
        return names[match["name"]]
    if len(course.backups) == 1:
        return course.backups[0]
    raise BackupFailed(
        f"{path.name} is not a backup the launcher made for {course.display_name}.",
        "Choose a file from the backups folder, or say which database it is for.",
    )


def restore_database(
    client: docker.DockerClient,
    course: Course,
    path: Path,
    *,
    spec: BackupSpec | None = None,
    progress: Progress = no_progress,
) -> None:
    """Feed a backup file to the ``restore`` command of its entry. The file must be a
    regular file, reached through no link inside the student's folder."""
    spec = spec or spec_for_file(course, path)
    with (
        translate_engine_errors(f"restoring {course.display_name}"),
        contextlib.ExitStack() as stack,
    ):
        container = _running_container(client, course)
        try:
            backup = stack.enter_context(open_regular_file(path, _student_folder(container)))
        except (FileNotFoundError, NotADirectoryError):
            raise BackupFailed(
                f"The backup file {path} does not exist.", "Check the name and try again."
            ) from None
        except OSError as exc:
            raise BackupFailed(
                f"The backup file {path} cannot be read ({exc.strerror or exc}).",
                "Check the name and that you may read the file, then try again.",
            ) from None
        api: Any = client.api
        exec_id = api.exec_create(
            container.id, list(spec.restore), user=spec.user, stdin=True, stdout=True, stderr=True
        )["Id"]
        hijacked = api.exec_start(exec_id, socket=True)
        raw: socket.socket = getattr(hijacked, "_sock", hijacked)
        try:
            sent, started = 0, time.monotonic()
            while chunk := backup.read(_CHUNK):
                raw.sendall(chunk)
                sent += len(chunk)
                progress(moved_text(f"Restoring {spec.name}", sent, time.monotonic() - started))
            raw.shutdown(socket.SHUT_WR)
            _out, err = consume_socket_output(frames_iter(hijacked, tty=False), demux=True)
        finally:
            hijacked.close()
            raw.close()  # closing the SocketIO wrapper alone leaves the socket open
        code = api.exec_inspect(exec_id).get("ExitCode")
    if code != 0:
        raise BackupFailed(
            f"Restoring {spec.name} from {path.name} failed (exit code {code}).",
            "Its messages were:\n" + (err or b"").decode("utf-8", "replace")[-ERROR_TAIL:].strip(),
        )
