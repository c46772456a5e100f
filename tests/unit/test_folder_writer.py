"""Who writes the folder: the answers read out of an image and a running container,
and whom the launcher may share the folder with."""

from __future__ import annotations

import io
import os
import pwd
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from launcher.core.environments.folder_writer import archive_member, listening_uid, passwd_uid
from launcher.core.environments.sharing import sharing_refusal

# /proc/net/tcp of a container in which PostgreSQL (uid 102) listens on 5432 on
# 127.0.0.1, Jupyter (uid 1234) on 8888, and a browser is connected to Jupyter.
PROC_NET_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   102        0 41 1
   1: 00000000:22B8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1234        0 42 1
   2: 0200A8C0:22B8 0100A8C0:D2F0 01 00000000:00000000 00:00000000 00000000  1234        0 43 1
"""
PROC_NET_TCP6 = """\
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 44 1
"""  # noqa: E501


def test_the_listening_socket_tells_who_serves_a_port() -> None:
    assert listening_uid(PROC_NET_TCP, 8888) == 1234
    assert listening_uid(PROC_NET_TCP, 5432) == 102
    assert listening_uid(PROC_NET_TCP + PROC_NET_TCP6, 8080) == 1000  # IPv6 only
    assert listening_uid(PROC_NET_TCP, 8080) is None
    assert listening_uid("cat: /proc/net/tcp6: No such file or directory\n", 8888) is None


def test_a_user_named_by_the_image_is_found_in_its_passwd() -> None:
    passwd = "root:x:0:0:root:/root:/bin/bash\nou:x:1000:100::/home/ou:/bin/bash\n"
    assert passwd_uid(passwd, "ou") == 1000
    assert passwd_uid(passwd, "1234") == 1234
    assert passwd_uid(passwd, "jovyan") is None


class _RecordedArchive:
    """What the engine's archive endpoint sends for a path: a tar stream, in chunks."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.sent = 0

    def get_archive(self, path: str, chunk_size: int) -> tuple[Iterator[bytes], dict[str, str]]:
        def chunks() -> Iterator[bytes]:
            for start in range(0, len(self.data), 512):
                self.sent += 1
                yield self.data[start : start + 512]

        return chunks(), {}


def _workspace_archive() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        top = tarfile.TarInfo("work")
        top.type, top.uid, top.gid, top.mode = tarfile.DIRTYPE, 1234, 1234, 0o755
        top.pax_headers = {"mtime": "1700000000.123456789"}  # a header block before it
        tar.addfile(top)
        big = tarfile.TarInfo("work/data.bin")
        big.size, big.uid = 200_000, 1234
        tar.addfile(big, io.BytesIO(bytes(big.size)))
    return out.getvalue()


def test_the_workspace_owner_is_read_from_its_header_alone() -> None:
    archive = _RecordedArchive(_workspace_archive())
    member, _ = archive_member(archive, "/home/learner/work", read=False)
    assert (member.name, member.uid, member.isdir()) == ("work", 1234, True)
    assert archive.sent < 20  # the file inside was not read

    passwd = io.BytesIO()
    with tarfile.open(fileobj=passwd, mode="w") as tar:
        info = tarfile.TarInfo("passwd")
        text = b"ou:x:1000:100::/home/ou:/bin/bash\n"
        info.size = len(text)
        tar.addfile(info, io.BytesIO(text))
    _info, content = archive_member(_RecordedArchive(passwd.getvalue()), "/etc/passwd", read=True)
    assert passwd_uid(content.decode(), "ou") == 1000


def _unused_uid() -> int:
    uid = 1234567
    while True:
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
        uid += 1


@pytest.mark.skipif(os.geteuid() != 0, reason="makes folders owned by other uids")
def test_shared_only_with_who_no_other_account_is_or_cannot_reach() -> None:
    nobody = pwd.getpwnam("nobody").pw_uid  # an account every Debian system has
    student = _unused_uid()
    area = Path(tempfile.mkdtemp(prefix="cl-sharing-", dir="/tmp"))  # pytest's is private
    try:
        _check_refusals(area, nobody, student)
    finally:
        shutil.rmtree(area)


def _check_refusals(area: Path, nobody: int, student: int) -> None:
    area.chmod(0o755)
    reachable = area / "work"
    reachable.mkdir()
    home = area / "home"
    home.mkdir(mode=0o700)
    os.chown(home, student, student)
    private = home / "work"
    private.mkdir()

    assert sharing_refusal(reachable, _unused_uid() + 1, student) is None  # no such account
    assert sharing_refusal(reachable, student, student) is None  # the student's own
    assert sharing_refusal(reachable, 0, student) is None  # root in the container
    refusal = sharing_refusal(reachable, nobody, student)
    assert refusal is not None and "“nobody”" in refusal
    assert sharing_refusal(private, nobody, student) is None  # the home shuts nobody out
