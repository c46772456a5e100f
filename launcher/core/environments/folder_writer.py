"""Who writes the student's folder from inside the container: found, not assumed.

An image's ``User`` is one signal, not the answer. Many course images have no
``USER`` line: their start script runs as root, starts a database, then switches
(``su``, ``setpriv``, ``runuser``) to the course user before Jupyter. So:

* before the first start, the image is asked (once per image id, in a probe
  container that is never started and has no mounts): a non-root ``User`` is the
  writer; else the owner of the workspace path in the image, when not root;
  else root;
* once the environment answers, the uid that holds the first service's listening
  socket (``/proc/net/tcp`` inside the container, read through the engine) is
  the truth: when it differs, the folder is shared with it and it is remembered.
"""

from __future__ import annotations

import io
import logging
import tarfile
from collections.abc import Iterator
from typing import Any

import docker
import docker.errors

from launcher.core.engine import labels

log = logging.getLogger(__name__)
_LISTEN = "0A"  # the TCP state of a listening socket in /proc/net/tcp
# A probe carries the launcher's mark (purge finds a leftover) but no course, so it is
# never taken for a course's environment.
PROBE_LABEL = f"{labels.PREFIX}.probe"


def passwd_uid(passwd: str, user: str) -> int | None:
    """The uid of ``user`` (a name or a number) in the text of an /etc/passwd."""
    if user.isdigit():
        return int(user)
    for line in passwd.splitlines():
        fields = line.split(":")
        if len(fields) > 2 and fields[0] == user and fields[2].isdigit():
            return int(fields[2])
    return None


def listening_uid(proc_net_tcp: str, port: int) -> int | None:
    """The uid that owns the socket listening on ``port``, from /proc/net/tcp{,6} text."""
    for line in proc_net_tcp.splitlines():
        fields = line.split()
        if len(fields) < 8 or ":" not in fields[1] or fields[3] != _LISTEN:
            continue
        try:
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
        except ValueError:
            continue
        if local_port == port and fields[7].isdigit():
            return int(fields[7])
    return None


class _Chunks(io.RawIOBase):
    """The engine's archive stream as a file, read only as far as asked."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._rest = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._rest:
            self._rest = next(self._chunks, b"")
            if not self._rest:
                return 0
        size = min(len(buffer), len(self._rest))
        buffer[:size] = self._rest[:size]
        self._rest = self._rest[size:]
        return size


def archive_member(container: Any, path: str, *, read: bool) -> tuple[tarfile.TarInfo, bytes]:
    """The archive header of ``path`` in the container (and its bytes when ``read``),
    reading no further: a workspace's contents are not needed to know its owner."""
    stream, _stat = container.get_archive(path, chunk_size=64 * 1024)
    with tarfile.open(fileobj=_Chunks(iter(stream)), mode="r|") as tar:
        member = tar.next()
        if member is None:
            raise tarfile.ReadError(f"{path}: an empty archive")
        handle = tar.extractfile(member) if read else None
        return member, handle.read() if handle else b""


def image_writer_uid(
    client: docker.DockerClient, image: Any, workspace: str, course_id: str
) -> int:
    """The uid that will write ``workspace``, as far as the image itself tells."""
    user = str(image.attrs.get("Config", {}).get("User") or "").split(":")[0]
    if user.isdigit() and int(user) != 0:
        return int(user)  # no container needed
    probe = client.containers.create(
        image.id,
        name=None,
        labels={labels.MANAGED: "1", PROBE_LABEL: course_id},
        network_disabled=True,
    )
    try:
        if user and user != "root" and not user.isdigit():
            _info, passwd = archive_member(probe, "/etc/passwd", read=True)
            uid = passwd_uid(passwd.decode("utf-8", "replace"), user)
            if uid:
                return uid
        try:
            owner, _ = archive_member(probe, workspace, read=False)
        except (docker.errors.NotFound, tarfile.TarError):
            return 0  # the image has no such path: whoever runs it, root here
        return owner.uid
    finally:
        probe.remove(force=True)


def serving_uid(container: Any, port: int) -> int | None:
    """The uid of the process that listens on ``port`` inside the running container."""
    try:
        result = container.exec_run(["cat", "/proc/net/tcp", "/proc/net/tcp6"], user="root")
    except docker.errors.APIError as exc:
        log.info("could not ask %s who serves port %s: %s", container.name, port, exc)
        return None
    output = result.output.decode("utf-8", "replace") if result.output else ""
    return listening_uid(output, port)
