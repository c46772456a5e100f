"""Remove everything the launcher made on this computer, before it is uninstalled.

``purge`` takes away, in this order:

1. its containers and named volumes in Docker, found by the ``managed`` label
   (never anything without it);
2. with ``images=True``, the course images it downloaded (or imported) itself, by the
   ids it recorded (:mod:`launcher.core.images.pulled`), that nothing else uses and
   that carry no other name (``image_inventory.prune_images``);
3. the tokens it kept, in the system keyring and in the token file;
4. the entry that starts it when the student logs in (``autostart``), if switched on;
5. its own folders (``paths.AppPaths``: settings, data, state, cache, log). Under a
   ``COURSE_LAUNCHER_HOME``, which may be any folder, only the files the launcher
   writes there go (``LAUNCHER_ENTRIES``); a folder holding anything else is kept.

Students' course folders are never touched: a launcher folder that is, or holds,
a course folder is kept and reported instead of removed. With no Docker engine
reachable, steps 1 and 2 are skipped and the report says so; the rest still happens,
so an uninstaller can always call it.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field
from pathlib import Path

import docker

from launcher.core.catalogue.model import Catalogue
from launcher.core.engine import labels
from launcher.core.engine.errors import translate_engine_errors
from launcher.core.errors import AutostartError, SecretStoreError
from launcher.core.images.inventory import RemovalResult, prune_images
from launcher.core.images.pulled import FILE_NAME as PULLED_FILE
from launcher.core.images.pulled import PulledImages
from launcher.core.local import autostart
from launcher.core.local.paths import HOME_VARIABLE, AppPaths
from launcher.core.local.secrets import SecretStore
from launcher.core.local.settings import Settings
from launcher.core.operation import Progress, no_progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PurgeReport:
    """What ``purge`` removed, and what it left and why (sentences for a person)."""

    containers: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    images: tuple[RemovalResult, ...] = ()
    tokens: tuple[str, ...] = ()  # course ids whose tokens were forgotten
    folders: tuple[Path, ...] = ()
    kept: tuple[str, ...] = ()
    engine_checked: bool = False
    login_entry: bool = False  # the entry that started it at login was removed

    @property
    def complete(self) -> bool:
        """True when nothing the launcher made was left behind."""
        return self.engine_checked and not self.kept

    def as_dict(self) -> dict[str, object]:
        return {
            "containers": list(self.containers),
            "volumes": list(self.volumes),
            "images": [result.as_dict() for result in self.images],
            "tokens": list(self.tokens),
            "folders": [str(folder) for folder in self.folders],
            "kept": list(self.kept),
            "engine_checked": self.engine_checked,
            "login_entry": self.login_entry,
            "complete": self.complete,
        }


@dataclass
class _RemovedFromDocker:
    """What Docker holds of the launcher's: names removed, and what it tells about courses."""

    containers: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    images: list[RemovalResult] = field(default_factory=list)
    course_ids: set[str] = field(default_factory=set)
    folders: set[Path] = field(default_factory=set)


def _purge_engine(
    client: docker.DockerClient, catalogue: Catalogue, *, images: bool, progress: Progress,
    pulled: Set[str],
) -> _RemovedFromDocker:  # fmt: skip
    found = _RemovedFromDocker()
    with translate_engine_errors("removing the launcher's environments"):
        for container in client.containers.list(all=True, filters=labels.managed_filter()):
            container_labels: Mapping[str, str] = container.labels or {}
            if course_id := container_labels.get(labels.COURSE):
                found.course_ids.add(course_id)
            if folder := container_labels.get(labels.FOLDER):
                found.folders.add(Path(folder))
            progress(f"Removing the environment {container.name}…")
            container.remove(force=True)
            found.containers.append(str(container.name))
        for volume in client.volumes.list(filters=labels.managed_filter()):
            if course_id := (volume.attrs.get("Labels") or {}).get(labels.COURSE):
                found.course_ids.add(str(course_id))
            progress(f"Removing the volume {volume.name}…")
            volume.remove(force=True)
            found.volumes.append(str(volume.name))
    if images:
        progress("Removing the course images…")
        found.images = prune_images(client, catalogue, pulled=pulled)
    return found


def _forget_tokens(store: SecretStore, course_ids: Iterable[str]) -> tuple[list[str], list[str]]:
    forgotten: list[str] = []
    kept: list[str] = []
    for course_id in sorted(set(course_ids)):
        try:
            had = store.get(course_id) is not None
            store.delete(course_id)
        except SecretStoreError as exc:
            kept.append(f"The token of {course_id} could not be removed: {exc.message}")
            continue
        if had:
            forgotten.append(course_id)
    return forgotten, kept


def _close_logs_in(folder: Path) -> None:
    """Stop writing the log file inside ``folder`` so the folder can go (Windows needs it)."""
    for logger in (logging.getLogger(), logging.getLogger("launcher")):
        for handler in list(logger.handlers):
            target = getattr(handler, "baseFilename", None)
            if target and Path(target).is_relative_to(folder):
                logger.removeHandler(handler)
                handler.close()


def _shelters(folder: Path, workspaces: Iterable[Path]) -> list[Path]:
    """The course folders that removing ``folder`` would take with it."""
    return [w for w in workspaces if w == folder or w.is_relative_to(folder)]


# What the launcher writes in its folders, with their temporary (".NAME.…") and
# set-aside ("NAME.corrupt-…") copies. Under a COURSE_LAUNCHER_HOME only these go.
LAUNCHER_ENTRIES = (
    "settings.json", "secrets.json", "image-users.json", "image-writers.json", "launcher.log",
    "pulled-images.json", "imported", "open", "catalogues", "known_hosts", "forwards",
)  # fmt: skip


def _made_by_launcher(name: str) -> bool:
    return name.removeprefix(".").startswith(LAUNCHER_ENTRIES)


def _remove_entry(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _remove_own_entries(folder: Path) -> list[str]:
    """Remove what the launcher made in ``folder`` (and it, if that empties it); returns
    the names of the entries it did not make, which stay."""
    others = sorted(p.name for p in folder.iterdir() if not _made_by_launcher(p.name))
    for path in folder.iterdir():
        if _made_by_launcher(path.name):
            _remove_entry(path)
    if not others:
        folder.rmdir()
    return others


def _remove_folders(
    paths: AppPaths, workspaces: set[Path], home: Path | None, progress: Progress
) -> tuple[list[Path], list[str]]:
    removed: list[Path] = []
    kept: list[str] = []
    resolved = {w.expanduser().resolve() for w in workspaces}
    # Outermost first: on Linux the log folder sits inside the state folder.
    for folder in sorted(set(paths.all().values()), key=lambda p: len(p.parts)):
        if not folder.exists() and not folder.is_symlink():
            continue
        sheltered = _shelters(folder.resolve(), resolved)
        if sheltered:
            kept.append(
                f"{folder} was kept because it holds your course folder {sheltered[0]}; "
                "delete what you no longer need in it yourself."
            )
            continue
        progress(f"Removing {folder}…")
        _close_logs_in(folder)
        if folder.is_symlink() or folder.is_file():
            folder.unlink()
        elif home is None:  # the system's folders for this app: all of it is the launcher's
            shutil.rmtree(folder)
        elif others := _remove_own_entries(folder):
            kept.append(
                f"{folder} was kept because it holds files the launcher did not make "
                f"({', '.join(others[:3])}{' …' if len(others) > 3 else ''}); the launcher's "
                "own files in it were removed."
            )
            continue
        removed.append(folder)
    if home is not None and home.is_dir() and not any(home.iterdir()):
        home.rmdir()  # the folder named by COURSE_LAUNCHER_HOME, now empty
        removed.append(home)
    return removed, kept


def purge(
    paths: AppPaths,
    settings: Settings,
    catalogue: Catalogue,
    secrets: SecretStore,
    client: docker.DockerClient | None,
    *,
    images: bool = False,
    home: Path | None = None,
    progress: Progress = no_progress,
) -> PurgeReport:
    """Remove what the launcher made (see the module's description); never course folders.

    ``client`` is None when no engine answers: Docker is then left as it is and the
    report says so. ``home`` is the folder named by ``COURSE_LAUNCHER_HOME``, removed
    when it is empty at the end.
    """
    course_ids = {course.id for course in catalogue} | set(settings.courses)
    workspaces = {entry.folder for entry in settings.courses.values() if entry.folder}
    kept: list[str] = []
    engine = _RemovedFromDocker()
    if client is not None:
        pulled = PulledImages(paths.data / PULLED_FILE).ids()
        engine = _purge_engine(client, catalogue, images=images, progress=progress, pulled=pulled)
        kept += [  # an image the launcher did not download is not its own to report
            f"The image {r.image_id[:19]} was kept: {r.reason}."
            for r in engine.images
            if not r.removed and r.image_id in pulled
        ]
    else:
        kept.append(
            "Docker was not running, so the launcher's environments and volumes were not "
            "removed. Start Docker and run purge again to remove them."
        )
    progress("Forgetting the access tokens…")
    tokens, token_problems = _forget_tokens(secrets, course_ids | engine.course_ids)
    kept += token_problems
    log.info(
        "Purge: removed %d containers, %d volumes, %d tokens; now removing the launcher's folders",
        len(engine.containers),
        len(engine.volumes),
        len(tokens),
    )
    login_entry = False
    try:
        if autostart.is_enabled():
            progress("Removing the entry that starts it when you log in…")
            autostart.set_enabled(False)
            login_entry = True
    except AutostartError as exc:
        kept.append(exc.message)
    folders, folder_problems = _remove_folders(paths, workspaces | engine.folders, home, progress)
    kept += folder_problems
    return PurgeReport(
        containers=tuple(engine.containers),
        volumes=tuple(engine.volumes),
        images=tuple(engine.images),
        tokens=tuple(tokens),
        folders=tuple(folders),
        kept=tuple(kept),
        engine_checked=client is not None,
        login_entry=login_entry,
    )


def home_folder(environ: Mapping[str, str]) -> Path | None:
    """The folder ``COURSE_LAUNCHER_HOME`` names, if it is set."""
    value = environ.get(HOME_VARIABLE)
    return Path(value).expanduser().absolute() if value else None
