"""Before a big download, a check: room on the disk, the image's processor, memory.

Asked before a byte is fetched (``install``, and ``start`` when the image is missing):
the download's size (the registry's manifest for the engine's platform) against the
room where the engine keeps images (:mod:`launcher.core.images.engine_room`); the
platforms the image is published for against the engine's; the course's memory limit
against what the engine may use (``MemTotal``). Each problem is a sentence with what
to do. Only a disk that certainly cannot hold the download refuses it (the compressed
bytes alone do not fit); the rest are warnings, asked about in the window and printed
on the command line. What cannot be known (offline, a remote engine) is said, never
guessed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import docker
import docker.errors

from launcher.core.catalogue.model import Course
from launcher.core.engine.errors import translate_engine_errors
from launcher.core.engine.model import EngineInfo, normalise_architecture
from launcher.core.errors import DiskFull, LauncherError
from launcher.core.images.engine_room import EngineRoom, measure_room
from launcher.core.images.manifest import Platform
from launcher.core.images.pull_errors import PRUNE_COMMAND
from launcher.core.images.registry import RegistryClient
from launcher.core.text import human_size

log = logging.getLogger(__name__)

UNPACKED_FACTOR = 2.5  # unpacked layers take about this many times the download
_FREE_SPACE = (
    "Free some disk space (empty the bin, remove large files you no longer need), "
    f"or remove course images you no longer use: {PRUNE_COMMAND}."
)
_DESKTOP_SPACE = " Docker Desktop: give it a larger disk in Settings > Resources."
_ARCH_NAMES = {"amd64": "Intel or AMD (amd64)", "arm64": "ARM (arm64)"}


@dataclass(frozen=True)
class DownloadProblem:
    message: str
    hint: str
    refuses: bool = False  # the download certainly cannot succeed as things are


@dataclass(frozen=True)
class DownloadCheck:
    course_id: str
    installed: bool  # the image is here already: nothing to download, nothing to check
    download_bytes: int | None  # None: the registry could not tell
    room: EngineRoom | None
    problems: tuple[DownloadProblem, ...] = ()
    unknown: tuple[str, ...] = ()  # what could not be checked, and why

    @property
    def refused(self) -> bool:
        return any(problem.refuses for problem in self.problems)

    @property
    def warnings(self) -> tuple[DownloadProblem, ...]:
        return tuple(problem for problem in self.problems if not problem.refuses)

    def refusal(self) -> DiskFull:
        """The refusing problem as the error both front ends show."""
        problem = next(problem for problem in self.problems if problem.refuses)
        return DiskFull(problem.message, problem.hint, self.download_bytes)

    def lines(self) -> list[str]:
        """Each problem and what to do, then what could not be checked."""
        lines = [f"{problem.message} {problem.hint}".strip() for problem in self.problems]
        return lines + [f"Not checked: {reason}." for reason in self.unknown]


def _arch_name(arch: str) -> str:
    return _ARCH_NAMES.get(arch, arch)


def room_problem(size: int, room: EngineRoom, desktop: bool) -> DownloadProblem | None:
    """A refusal when the download does not fit; a warning when unpacking may not."""
    if room.free_bytes is None:
        return None
    hint = _FREE_SPACE + (_DESKTOP_SPACE if desktop else "")
    unpacked = int(size * UNPACKED_FACTOR)
    free = human_size(room.free_bytes)
    if room.free_bytes < size:
        return DownloadProblem(
            f"There is not enough room for this course: the download is {human_size(size)}, "
            f"and only {free} is free {room.where}.",
            hint,
            refuses=True,
        )
    if room.free_bytes < unpacked:
        return DownloadProblem(
            f"This course may not fit: the download is {human_size(size)} and takes about "
            f"{human_size(unpacked)} once unpacked, and {free} is free {room.where}.",
            hint,
        )
    return None


def platform_problem(platforms: Sequence[Platform], info: EngineInfo) -> DownloadProblem | None:
    """A warning when the image has no version this engine runs natively."""
    engine_os, arch = (info.os_type.lower() or "linux"), info.architecture
    pairs = {(p.os.lower(), normalise_architecture(p.architecture)) for p in platforms}
    if not pairs or (engine_os, arch) in pairs:
        return None
    same_os = sorted({a for o, a in pairs if o == engine_os})
    if not same_os:
        return DownloadProblem(
            f"This course's environment is made for {', '.join(sorted({o for o, _ in pairs}))} "
            f"containers, and Docker here runs {engine_os} containers.",
            "Switch Docker Desktop to Linux containers (right-click the whale icon), "
            "then try again.",
            refuses=True,
        )
    built_for = " and ".join(_arch_name(a) for a in same_os)
    message = (
        f"This course's environment is built for {built_for} processors, and this "
        f"computer's Docker runs {_arch_name(arch)}: it runs under emulation, slower."
    )
    if arch == "arm64" and "amd64" in same_os:
        hint = (
            "It works, only more slowly. On a Mac with Apple silicon, turn on "
            "'Use Rosetta for x86_64/amd64 emulation' in Docker Desktop's Settings > General "
            "to make it faster."
        )
    else:
        hint = "It may be slow or not start: ask your tutor whether there is a version for it."
    return DownloadProblem(message, hint)


def memory_problem(course: Course, info: EngineInfo) -> DownloadProblem | None:
    """A warning when the course may use more memory than Docker has (in GiB, the unit
    of a course's ``memory`` and of Docker Desktop's memory setting)."""
    wanted, total = course.memory_bytes, info.total_memory
    if wanted is None or total is None or wanted <= total:
        return None
    return DownloadProblem(
        f"{course.display_name} may use up to {wanted / 2**30:.1f} GiB of memory, and "
        f"Docker can use only {total / 2**30:.1f} GiB here: it may be slow or stop.",
        "Give Docker more memory (Docker Desktop: Settings > Resources > Memory), or close "
        "other programs while you work.",
    )


def assess(
    course: Course,
    info: EngineInfo,
    *,
    size: int | None,
    platforms: Sequence[Platform],
    room: EngineRoom,
    desktop: bool = False,
    unknown: Sequence[str] = (),
) -> DownloadCheck:
    """The check from what was gathered (recorded answers in the unit tests)."""
    notes = list(unknown)
    if room.free_bytes is None and room.unknown_reason:
        notes.append(f"the free disk space: {room.unknown_reason}")
    found = [
        room_problem(size, room, desktop) if size is not None else None,
        platform_problem(platforms, info),
        memory_problem(course, info),
    ]
    problems = tuple(problem for problem in found if problem is not None)
    return DownloadCheck(course.id, False, size, room, problems, tuple(notes))


def _engine_platform(info: EngineInfo) -> Platform:
    return Platform(info.os_type.lower() or "linux", info.architecture or "amd64")


def _registry_facts(
    course: Course, info: EngineInfo
) -> tuple[int | None, tuple[Platform, ...], list[str]]:
    """The download size for the platform that will be pulled, and the platforms."""
    here = _engine_platform(info)
    try:
        with RegistryClient() as registry:
            platforms = registry.platforms(course.image_ref)
            listed = [{"os": p.os, "architecture": p.architecture, "variant": p.variant}
                      for p in platforms]  # fmt: skip
            matching = [p for p, entry in zip(platforms, listed, strict=True) if here.match(entry)]
            chosen = matching[0] if matching else (platforms[0] if platforms else here)
            size = registry.manifest(course.image_ref, chosen).total_size
    except LauncherError as exc:
        log.info("download check without the registry for %s: %s", course.id, exc.message)
        return (
            None,
            (),
            [f"the download size, as the course image server did not answer: {exc.message}"],
        )
    return size, platforms, []


def check_download(
    client: docker.DockerClient, address: str, info: EngineInfo, course: Course
) -> DownloadCheck:
    """Gather and assess; an image already here needs no check (and no network)."""
    with translate_engine_errors(f"checking before downloading {course.display_name}"):
        try:
            client.images.get(course.image)
            return DownloadCheck(course.id, True, 0, None)
        except docker.errors.ImageNotFound:
            pass
        raw_info: Mapping[str, Any] = client.info()
    size, platforms, unknown = _registry_facts(course, info)
    room = measure_room(address, raw_info, client.df)
    desktop = str(raw_info.get("OperatingSystem", "")).startswith("Docker Desktop")
    return assess(
        course, info, size=size, platforms=platforms, room=room, desktop=desktop, unknown=unknown
    )
