"""What a take-away file's ``image.tar`` would name on the engine, read in place.

``docker load`` applies every name the archive lists (``manifest.json``'s ``RepoTags``,
``repositories``, and with the containerd image store ``index.json``'s annotations),
silently moving a name that pointed at another image. So before loading, the inner
tar's headers are read by seeking (no layer is read or extracted), those small members
are parsed, and the file is refused unless it holds exactly one image, named only by
the course's reference, with the id the take-away file declares.

The bytes looked at here (every header, those members, the end blocks) are returned as
:class:`CheckedRanges`; while the image is streamed to the engine they are compared
again (:mod:`launcher.core.archive.load_stream`), so a file that changes in between is
refused before the engine has the whole archive.
"""

from __future__ import annotations

import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

from launcher.core.archive.format import BLOCK, MAX_SMALL_MEMBER
from launcher.core.errors import ArchiveError, ImageReferenceError
from launcher.core.images.reference import ImageReference

NAMING_MEMBERS = ("manifest.json", "repositories", "index.json")
_KINDS = (tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE)
_MAX_MEMBERS = 100_000


@dataclass(frozen=True)
class CheckedRanges:
    """Byte ranges of the image member (offsets from its start) and what they held."""

    ranges: tuple[tuple[int, bytes], ...]


class _Window:
    """A read-only, seekable view of ``size`` bytes of ``handle`` from ``start`` that
    keeps every byte read through it (headers and small members only: data is skipped
    by seeking)."""

    def __init__(self, handle: BinaryIO, start: int, size: int) -> None:
        self._handle, self._start, self._size, self._pos = handle, start, size, 0
        self.seen: list[tuple[int, bytes]] = []

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def read(self, amount: int = -1) -> bytes:
        left = max(0, self._size - self._pos)
        amount = left if amount < 0 else min(amount, left)
        self._handle.seek(self._start + self._pos)
        data = self._handle.read(amount)
        self.seen.append((self._pos, data))
        self._pos += len(data)
        return data


def _refused(path: Path, what: str) -> ArchiveError:
    return ArchiveError(
        f"The file {path} cannot be imported: {what}.",
        "Nothing was loaded. Ask for a file made with the launcher's Export from the "
        "course's own image.",
    )


def names_the_course(text: str, course: ImageReference) -> bool:
    """Whether the image name ``text`` is the course's reference (its tag, no digest)."""
    try:
        ref = ImageReference.parse(text)
    except ImageReferenceError:
        return False
    return (ref.registry, ref.repository, ref.tag, ref.digest) == (
        course.registry,
        course.repository,
        course.tag,
        None,
    )


def _json(path: Path, name: str, data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        raise _refused(path, f"the {name} inside its image is not readable") from None


def _names_in(path: Path, found: dict[str, bytes]) -> tuple[list[str], list[str]]:
    """Every name the archive would give, and the config digests of its images."""
    names: list[str] = []
    configs: list[str] = []
    manifest = _json(path, "manifest.json", found["manifest.json"])
    if not isinstance(manifest, list) or not all(isinstance(e, dict) for e in manifest):
        raise _refused(path, "the manifest.json inside its image is not one Docker writes")
    for entry in manifest:
        tags = entry.get("RepoTags") or []
        if not isinstance(tags, list):
            raise _refused(path, "the manifest.json inside its image is not one Docker writes")
        names += [str(tag) for tag in tags]
        configs.append(str(entry.get("Config") or ""))
    if "repositories" in found:
        repos = _json(path, "repositories", found["repositories"])
        if not isinstance(repos, dict) or not all(isinstance(t, dict) for t in repos.values()):
            raise _refused(path, "the repositories file inside its image is not one Docker writes")
        names += [f"{repo}:{tag}" for repo, tags in repos.items() for tag in tags]
    if "index.json" in found:
        index = _json(path, "index.json", found["index.json"])
        entries = index.get("manifests") if isinstance(index, dict) else None
        if not isinstance(entries, list) or len(entries) != 1:
            raise _refused(path, "its image file does not hold exactly one image")
        notes = entries[0].get("annotations") if isinstance(entries[0], dict) else None
        for key, value in (notes or {}).items():
            if key == "io.containerd.image.name":
                names.append(str(value))
            elif key == "org.opencontainers.image.ref.name":
                names.append(
                    str(value) if ("/" in str(value) or ":" in str(value)) else f"?:{value}"
                )
    return names, configs


def _short_ref_names(names: list[str], course: ImageReference) -> list[str]:
    # An OCI ref.name that is only a tag: it names the course's repository with that tag.
    return [f"{course.name}:{n[2:]}" if n.startswith("?:") else n for n in names]


def check_image_names(
    path: Path, handle: BinaryIO, offset: int, size: int, course_image: str, image_id: str
) -> CheckedRanges:
    """Refuse the image member unless it names one image, the course's, with ``image_id``."""
    window = _Window(handle, offset, size)
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=cast(IO[bytes], window), mode="r:") as tar:
            for count, member in enumerate(tar):
                if count > _MAX_MEMBERS:
                    raise _refused(path, "its image file has far too many parts")
                if member.type not in _KINDS:
                    raise _refused(path, f"its image file holds an unusual part ({member.name})")
                name = member.name.removeprefix("./")
                if name in NAMING_MEMBERS:
                    if name in found or not member.isreg() or member.size > MAX_SMALL_MEMBER:
                        raise _refused(path, f"the {name} inside its image is doubled or odd")
                    window.seek(member.offset_data)
                    found[name] = window.read(member.size)
            end = tar.offset  # where the end-of-archive blocks must be
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise _refused(path, f"its image is not a whole image archive ({exc})") from None
    window.seek(end)
    if window.read(2 * BLOCK) != bytes(2 * BLOCK):
        raise _refused(path, "its image file does not end where its parts do")
    if "manifest.json" not in found:
        raise _refused(path, "its image has no manifest.json")
    course = ImageReference.parse(course_image)
    names, configs = _names_in(path, found)
    others = sorted({n for n in _short_ref_names(names, course) if not names_the_course(n, course)})
    if others:
        raise _refused(
            path,
            f"besides the course's image {course_image} it would also rename "
            f"{', '.join(others[:5])} on this computer",
        )
    if len(configs) != 1:
        raise _refused(path, f"it holds {len(configs)} images, not one")
    digest = configs[0].removeprefix("blobs/sha256/").removesuffix(".json")
    if image_id and f"sha256:{digest}" != image_id:
        raise _refused(path, "its image is not the one its description names")
    return CheckedRanges(tuple(sorted(window.seen)))
