"""Where the files are: a remote course's folder is a folder on *that* computer.

A local folder cannot be mounted on another computer, so "Download my work" and
"Upload files" copy between the course's folder (as the running container sees it)
and a local folder through the engine's archive API, which works over any engine
connection. Downloads go to an empty or new folder only, and uploads never replace a
file already there: neither side's work is overwritten by a copy.
"""

from __future__ import annotations

import contextlib
import tarfile
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

import docker.errors

from launcher.core.catalogue.model import Course
from launcher.core.errors import UsageError, WorkspaceError
from launcher.core.operation import Progress, no_progress
from launcher.core.text import human_size


@dataclass(frozen=True)
class Copied:
    files: int
    size: int  # bytes


def _running(client: Any, course: Course) -> Any:
    from launcher.core.environments.containers import environment_status

    status = environment_status(client, course)
    if not status.container or not status.endpoints:
        raise UsageError(
            f"{course.display_name} is not running there.",
            f"Start it first: course-launcher start {course.id}",
        )
    return client.containers.get(status.container)


def download_work(
    client: Any, course: Course, target: Path, progress: Progress = no_progress
) -> Copied:
    """Copy the course's folder into ``target`` (created; must be empty if it exists)."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise WorkspaceError(
            f"{target} is not an empty folder, and the download would mix with what is there.",
            "Choose a new or empty folder.",
        )
    container = _running(client, course)
    stream, _stat = container.get_archive(course.workspace)
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile() as spool:
        size = _spool(stream, spool, "Downloading your work", progress)
        spool.seek(0)
        with tarfile.open(fileobj=spool, mode="r:") as archive:
            files = _extract_inside(archive, target)
    return Copied(files, size)


def _spool(chunks: Iterable[bytes], spool: IO[bytes], label: str, progress: Progress) -> int:
    size = 0
    for chunk in chunks:
        spool.write(chunk)
        size += len(chunk)
        progress(f"{label}: {human_size(size)}")
    return size


def _extract_inside(archive: tarfile.TarFile, target: Path) -> int:
    """Extract without the top folder; the "data" filter refuses links and paths that
    leave ``target`` (the archive comes from a container, which the launcher does not trust)."""
    files = 0
    for member in archive:
        parts = PurePosixPath(member.name).parts[1:]
        if not parts:
            continue
        member.name = str(PurePosixPath(*parts))
        try:
            archive.extract(member, target, filter="data")
        except tarfile.FilterError:
            continue  # a link out of the folder or a device file: not the student's work
        files += member.isfile()
    return files


def upload_files(
    client: Any, course: Course, sources: Sequence[Path], progress: Progress = no_progress
) -> Copied:
    """Copy local files and folders into the course's folder, next to what is there."""
    missing = [str(path) for path in sources if not path.exists()]
    if missing:
        raise UsageError(f"Not found here: {', '.join(missing)}.", "Check the names.")
    container = _running(client, course)
    for path in sources:
        with contextlib.suppress(docker.errors.NotFound):
            container.get_archive(f"{course.workspace.rstrip('/')}/{path.name}")[0].close()
            raise UsageError(
                f"{path.name} is already in the course folder there; it is not replaced.",
                "Rename it here, or remove or rename it there first.",
            )
    owner = _owner(container, course.workspace)
    files = 0
    with tempfile.TemporaryFile() as spool:
        with tarfile.open(fileobj=spool, mode="w") as archive:
            for path in sources:
                files += _add(archive, path, owner)
        size = spool.tell()
        spool.seek(0)
        progress(f"Uploading {files} files ({human_size(size)})")
        if not container.put_archive(course.workspace, spool):
            raise WorkspaceError(
                "The files could not be written to the course folder there.",
                "Check that the course is running and the folder there can be written.",
            )
    return Copied(files, size)


def _owner(container: Any, folder: str) -> tuple[int, int]:
    """Who owns the course's folder in the container: uploads are made theirs."""
    status, output = container.exec_run(["stat", "-c", "%u %g", folder])  # docker's ExecResult
    fields = output.decode("utf-8", "replace").split() if status == 0 else []
    if len(fields) == 2 and all(field.isdigit() for field in fields):
        return int(fields[0]), int(fields[1])
    return 0, 0


def _add(archive: tarfile.TarFile, path: Path, owner: tuple[int, int]) -> int:
    files = 0

    def owned(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        nonlocal files
        if info.issym() or info.islnk() or not (info.isfile() or info.isdir()):
            return None  # links are not followed: only the files themselves go
        info.uid, info.gid = owner
        info.uname = info.gname = ""
        info.mode = 0o755 if info.isdir() else (info.mode & 0o755) | 0o644
        files += info.isfile()
        return info

    archive.add(path, arcname=path.name, recursive=True, filter=owned)
    return files


__all__ = ["Copied", "download_work", "upload_files"]
