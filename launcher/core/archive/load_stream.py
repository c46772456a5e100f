"""The image member as the body of ``POST /images/load``, checked as it is sent.

The take-away file is read once: the bytes go to the engine as they are hashed, so an
import takes about as long as ``docker load``. Two things make sure the engine never
loads bytes other than those that were checked, even when the file changes meanwhile
(a USB stick, a shared folder, a file being rewritten):

- the bytes :func:`~launcher.core.archive.image_tar.check_image_names` looked at
  (every header of the inner tar, its ``manifest.json`` …, its end blocks) must come
  by again unchanged;
- the last bytes are held back until the whole member has been read and matches its
  ``SHA256SUMS`` line. A mismatch stops the upload short of the archive's end blocks,
  so the engine has an incomplete archive (fewer bytes than announced) and loads
  nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from launcher.core.archive.format import BLOCK, IMAGE
from launcher.core.archive.image_tar import CheckedRanges
from launcher.core.archive.reader import damaged
from launcher.core.errors import ArchiveError
from launcher.core.operation import CancelToken

HELD_BACK = 64 * 1024  # at least the two end blocks of the inner tar
# Bytes per read and send. A file-like body is read 16 kB at a time by the HTTP client,
# which costs about 0.6 s of processor time per GB more, on the two cores the engine
# also needs while it loads.
PIECE = 1 << 20


def changed_while_loading(path: Path) -> ArchiveError:
    return ArchiveError(
        f"The file {path} changed while it was being loaded, so it was not used.",
        "Copy the file to this computer's own disk (wait until the copy has finished), "
        "then import that copy.",
    )


class CheckedImageStream:
    """A file-like upload body (``read`` and ``len``) over the image member."""

    def __init__(
        self,
        path: Path,
        handle: BinaryIO,
        offset: int,
        size: int,
        sha256: str,
        checked: CheckedRanges,
        on_bytes: Callable[[int], None],
        cancel: CancelToken,
    ) -> None:
        assert HELD_BACK >= 2 * BLOCK
        handle.seek(offset)
        self._path, self._handle, self._size, self._sha256 = path, handle, size, sha256
        self._ranges, self._next = checked.ranges, 0
        self._digest = hashlib.sha256()
        self._read = 0  # bytes taken from the file
        self._sent = 0  # bytes handed to the upload
        self._tail: bytes | None = None  # the last bytes, once all of them matched
        self._on_bytes, self._cancel = on_bytes, cancel

    def __len__(self) -> int:
        return self._size

    @property
    def complete(self) -> bool:
        """Every byte was read, matched its checksum and was handed to the upload."""
        return self._tail == b"" and self._sent == self._size

    def read(self, amount: int = -1) -> bytes:
        self._cancel.check()
        if self._tail is None:
            left = self._size - self._read
            want = left if amount is None or amount < 0 else amount
            if left > want + HELD_BACK:
                return self._hand_over(self._take(want))
            self._tail = self._take(left)
            if self._digest.hexdigest() != self._sha256:
                raise damaged(self._path, f"the checksum of its part {IMAGE} does not match")
        want = len(self._tail) if amount is None or amount < 0 else amount
        data, self._tail = self._tail[:want], self._tail[want:]
        return self._hand_over(data)

    def _hand_over(self, data: bytes) -> bytes:
        self._sent += len(data)
        self._on_bytes(self._sent)
        return data

    def _take(self, amount: int) -> bytes:
        data = self._handle.read(amount)
        if len(data) != amount:
            raise changed_while_loading(self._path)  # it became shorter
        self._compare(self._read, data)
        self._digest.update(data)
        self._read += len(data)
        return data

    def _compare(self, pos: int, data: bytes) -> None:
        ranges, end = self._ranges, pos + len(data)
        while self._next < len(ranges) and sum(_span(ranges[self._next])) <= pos:
            self._next += 1
        index = self._next
        while index < len(ranges) and ranges[index][0] < end:
            start, held = ranges[index]
            low, high = max(start, pos), min(start + len(held), end)
            if high > low and data[low - pos : high - pos] != held[low - start : high - start]:
                raise changed_while_loading(self._path)
            index += 1


class UploadBody:
    """The checked stream as an HTTP body: an iterable with a length, so the client
    announces the size and sends each piece of :data:`PIECE` bytes as it comes."""

    def __init__(self, stream: CheckedImageStream) -> None:
        self._stream = stream

    def __len__(self) -> int:
        return len(self._stream)

    def __iter__(self) -> Iterator[bytes]:
        while data := self._stream.read(PIECE):
            yield data


def _span(entry: tuple[int, bytes]) -> tuple[int, int]:
    return entry[0], len(entry[1])
