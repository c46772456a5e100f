"""The launcher's operations, shared by the window and the command line.

A ``Launcher`` holds what every operation needs: the app's folders, the settings,
the catalogue, the secret store and (found on first use) the Docker engine. Each
method is one thing a student or tutor asks for; typing ``launcher.`` lists them all.

The verbs of each domain are defined next to it and inherited here (one class,
one entry): ``environments/operations.py`` (status, stop, remove, url, reset,
repair, backup, restore, logs, shell), ``images/operations.py`` (install, update,
images), ``archive/operations.py`` (export, import), ``catalogue/operations.py``
(what a course's folder and token were made for), ``doctor/operations.py``
(doctor, support bundle) and ``local/operations.py`` (paths, login entry, purge).
Start, the catalogues and the settings live here: they change the launcher's state.

The front ends import this module, ``errors``, ``operation``, ``text`` and plain
value modules only; the workflows below take :class:`LauncherContext`, never this
class (see docs/how-it-works.md, "Who may import whom").
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from launcher.core.archive.operations import ArchiveOperations
from launcher.core.catalogue.definitions import definition_warnings, redefinitions
from launcher.core.catalogue.model import Catalogue, Course, merge_catalogues
from launcher.core.catalogue.operations import CatalogueOperations
from launcher.core.catalogue.sources import check_source, load_catalogues
from launcher.core.doctor.operations import DoctorOperations
from launcher.core.engine.address import engine_address_problem
from launcher.core.engine.operations import EngineOperations
from launcher.core.environments.operations import EnvironmentOperations
from launcher.core.errors import UsageError, WorkspaceError
from launcher.core.hub.operations import HubOperations
from launcher.core.images.operations import ImageOperations
from launcher.core.local.operations import LocalOperations
from launcher.core.local.paths import AppPaths, app_paths
from launcher.core.local.settings import Settings, with_course
from launcher.core.local.settings_file import load_settings, save_settings
from launcher.core.operation import CancelToken, Progress, no_progress
from launcher.core.remote.operations import RemoteOperations

# The Docker SDK, requests and the engine code load on first use, not with the
# window: each operation imports what it needs (see docs/how-it-works.md). The
# result types are named here for the front ends' annotations.
if TYPE_CHECKING:
    from launcher.core.archive.transfer import ExportResult as ExportResult
    from launcher.core.archive.transfer import ImportResult as ImportResult
    from launcher.core.engine.model import Engine
    from launcher.core.environments.guide_state import GuideChoice
    from launcher.core.environments.reset import ResetResult as ResetResult
    from launcher.core.environments.start import StartResult as StartResult
    from launcher.core.hub.export import HubExport as HubExport
    from launcher.core.images.download_check import DownloadCheck as DownloadCheck
    from launcher.core.images.inventory import LauncherImage as LauncherImage
    from launcher.core.images.inventory import RemovalResult as RemovalResult
    from launcher.core.images.pulled import PulledImages
    from launcher.core.images.update import UpdateResult as UpdateResult
    from launcher.core.images.users import ImageUsers
    from launcher.core.local.secrets import SecretStore
    from launcher.core.remote.forwards import HeldForwards as HeldForwards
    from launcher.core.remote.start_there import StartForwards

log = logging.getLogger(__name__)


@dataclass
class Launcher(
    EngineOperations,
    CatalogueOperations,
    EnvironmentOperations,
    ImageOperations,
    ArchiveOperations,
    DoctorOperations,
    LocalOperations,
    RemoteOperations,
    HubOperations,
):
    paths: AppPaths
    settings: Settings
    catalogue: Catalogue  # replaced whole, under the settings lock, never changed in place
    engine_address: str | None = None
    accept_host_key: str | None = None  # an SSH key fingerprint the person accepted
    warnings: list[str] = field(default_factory=list)
    named_catalogue: Catalogue = field(default_factory=lambda: Catalogue(()))  # --catalogue
    _engine: Engine | None = None
    _secrets: SecretStore | None = None
    _image_users: ImageUsers | None = None  # the uid each image runs as, kept on disk
    _settings_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(
        cls,
        *,
        catalogues: Sequence[str] = (),
        engine: str | None = None,
        paths: AppPaths | None = None,
        offline: bool = False,
    ) -> Launcher:
        """Read settings and catalogues; the engine is looked for on first use. An
        ``engine`` address that cannot be one is refused, as in the Settings dialog."""
        problem = engine_address_problem(engine or "")
        if problem:
            raise UsageError(f"{engine} is not a Docker engine address.", problem)
        paths = paths or app_paths()
        loaded_settings = load_settings(paths)
        settings = loaded_settings.settings
        # Sources from the settings are forgiven (a warning); ones named now must load,
        # so ``offline`` (the window: saved copies only) is for the remembered ones.
        remembered = load_catalogues(
            settings.catalogue_sources, paths.catalogue_cache, offline=offline
        )
        named = load_catalogues(
            catalogues, paths.catalogue_cache, include_bundled=False, strict=True
        )
        catalogue = merge_catalogues([remembered.catalogue, named.catalogue])
        warnings = [
            w for w in (loaded_settings.warning, *remembered.warnings, *named.warnings) if w
        ]
        redefined = (
            *remembered.redefined,
            *named.redefined,
            *redefinitions([remembered.catalogue, named.catalogue]),
        )
        warnings += definition_warnings(catalogue, settings, redefined)
        return cls(
            paths=paths,
            settings=settings,
            catalogue=catalogue,
            engine_address=engine or settings.engine_address,
            warnings=warnings,
            named_catalogue=named.catalogue,
        )

    @staticmethod
    def log_to_file(paths: AppPaths) -> str | None:
        """Send the launcher's log to its file (before :meth:`open`, so its failures
        are logged too); a note for the person when its folder cannot be written."""
        from launcher.core.local.log_file import setup_logging

        return setup_logging(paths)

    @property
    def secrets(self) -> SecretStore:
        """The keyring (or the secrets file), opened on first use: asking the system
        keyring can be slow, and the window does not need it to appear."""
        if self._secrets is None:
            from launcher.core.local.secrets import open_secret_store

            self._secrets = open_secret_store(self.paths)
        return self._secrets

    # -- the engine -------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from launcher.core.remote.engine import open_engine

            self._engine = open_engine(self.engine_address, self.paths.data, self.accept_host_key)
        return self._engine

    def on_another_computer(self) -> bool:
        """True when the courses run on another computer (``ssh://``): its services are
        reached here only through forwards. Asks nothing (the window asks it)."""
        from launcher.core.remote.address import is_ssh_address

        return is_ssh_address(self.engine_address)

    def trust_host_key(self, fingerprint: str) -> None:
        """The person accepted this SSH key fingerprint (the window's question, as
        ``--accept-host-key``): the next connection remembers it, when the computer
        still shows that key."""
        self.accept_host_key = fingerprint

    @property
    def connected_engine(self) -> Engine | None:
        """The engine if one was found already; never looks for one."""
        return self._engine

    def connect(self) -> Engine:
        """Look for the engine again (Retry after Docker was started)."""
        self.close()
        return self.engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    # -- courses ------------------------------------------------------------------
    def course(self, course_id: str) -> Course:
        return self.catalogue.get(course_id)

    def courses(self) -> list[Course]:
        """Every course in the catalogue, in its order."""
        return list(self.catalogue)

    def course_logos(self) -> dict[str, Path]:
        """Course id → a copy of its ``logo`` in the cache: fetched once (network), then
        used offline; a logo that is not a small PNG or JPEG is left out."""
        from launcher.core.catalogue.logos import course_logos

        return course_logos(self.catalogue, self.paths.cache)

    @property
    def pulled_images(self) -> PulledImages:
        """The images the launcher itself downloaded or imported (only those are pruned)."""
        from launcher.core.images.pulled import FILE_NAME, PulledImages

        return PulledImages(self.paths.data / FILE_NAME)

    def folder_for(self, course_id: str) -> Path | None:
        return self.settings.course(course_id).folder

    def suggested_folder(self, course_id: str) -> Path:
        """The remembered folder, else ``Documents/CODE-PRESENTATION``."""
        from launcher.core.environments.folder import default_folder

        course = self.course(course_id)
        return self.folder_for(course.id) or default_folder(course.code, course.presentation)

    def known_token(self, course_id: str) -> str | None:
        """The environment's token if one was made; never makes one (log redaction)."""
        course = self.course(course_id)
        return self.secrets.get(course.id) if course.token else None

    def ensure_token(self, course_id: str) -> str | None:
        """The environment's token, made and kept now if there is none yet."""
        from launcher.core.local.secrets import token_for

        course = self.course(course_id)
        return token_for(self.secrets, course.id) if course.token else None

    def start(
        self,
        course_id: str,
        folder: Path | None = None,
        *,
        create_folder: bool = False,
        guide: GuideChoice | None = None,
        accept_new_definition: bool = False,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> StartResult:
        """Start the course; ``guide`` says what to do with a container the student made
        by hand from the course guide (None: ask, by raising ``GuideContainerFound``).
        A course whose catalogue definition changed since its folder and token were
        made raises ``DefinitionChanged`` unless ``accept_new_definition``."""
        from launcher.core.engine.advice import check_image_platform
        from launcher.core.environments.guide_containers import settle_guide_containers
        from launcher.core.environments.guide_state import GuideChoice
        from launcher.core.environments.start import (
            StartRequest,
            engine_shares_host_files,
            start_environment,
        )
        from launcher.core.images.users import FILE_NAME, ImageUsers

        course = self.course(course_id)
        accepted = self.bind_definition(course, folder, accept_new_definition)
        remembered = self.settings.course(course.id)
        settled = settle_guide_containers(
            self.engine.client, course, guide or GuideChoice.ASK, folder,
            platform=sys.platform, progress=progress,
        )  # fmt: skip
        there = self._start_there(course, settled.folder, create_folder=create_folder)
        chosen = there[0] if there else settled.folder or remembered.folder
        if chosen is None:
            raise WorkspaceError(
                f"No folder is chosen for {course.display_name} yet.",
                "Choose the folder where your course files should be kept (--folder).",
            )
        request = StartRequest(
            course=course,
            folder=chosen,
            token=self.ensure_token(course.id),
            remembered_ports={int(k): v for k, v in remembered.ports.items() if k.isdigit()},
            create_folder=create_folder,
            shares_host_files=engine_shares_host_files(
                self.engine.address, self.engine.info.operating_system
            ),
            reach=there[1] if there else None,
        )
        if self._image_users is None:
            self._image_users = ImageUsers(self.paths.cache / FILE_NAME)
        with there[1] if there else contextlib.nullcontext():  # the forwards end here
            result = start_environment(
                self.engine.client, request, progress=progress, cancel=cancel,
                image_users=self._image_users, on_pulled=self.pulled_images.add,
            )  # fmt: skip
        warning = check_image_platform(self.engine.info, [result.image_platform])
        if warning or settled.notices or accepted:
            notices = (
                *accepted, *settled.notices, *result.notices, *([warning] if warning else [])
            )  # fmt: skip
            result = replace(result, notices=notices)
        if there:  # the settings keep this computer's folder and ports, not that one's
            return result
        self.update_settings(
            lambda settings: with_course(
                settings,
                course.id,
                folder=Path(result.status.folder or chosen),
                ports={str(k): v for k, v in result.ports.items()},
            )
        )
        return result

    def _start_there(
        self, course: Course, folder: Path | None, *, create_folder: bool
    ) -> tuple[Path, StartForwards] | None:
        """For an engine on another computer: the folder there (made when it is the
        default one) and the forwards the start's readiness checks go through."""
        from launcher.core.remote.engine import RemoteEngine
        from launcher.core.remote.start_there import StartForwards, folder_for_start

        engine = self.engine
        if not isinstance(engine, RemoteEngine) or engine.target is None:
            return None
        recorded = None if folder else self.status(course.id).folder
        chosen = folder_for_start(
            engine.target, self.paths.data, course.code, course.presentation, folder,
            recorded, create=create_folder,
        )  # fmt: skip
        return chosen, StartForwards(engine.target, self.paths.data)

    # -- settings and catalogues ------------------------------------------------------
    def update_settings(self, change: Callable[[Settings], Settings]) -> Settings:
        """Change the settings and save them, one change at a time: a start finishing
        in a job and the Settings dialog saving at the same moment both keep their part."""
        with self._settings_lock:
            return self._save_settings(change)

    def _save_settings(self, change: Callable[[Settings], Settings]) -> Settings:
        self.settings = change(self.settings)
        save_settings(self.paths, self.settings)
        return self.settings

    def catalogue_sources(self) -> list[str]:
        """The catalogues remembered besides the bundled one (files and addresses)."""
        return list(self.settings.catalogue_sources)

    def add_catalogue(self, source: str) -> Catalogue:
        """Load a catalogue now (an address is downloaded and saved), remember it and
        show its courses; returns them. One that does not load is not remembered."""
        added = check_source(source)
        loaded = load_catalogues(
            [added], self.paths.catalogue_cache, include_bundled=False, strict=True
        )

        def change(settings: Settings) -> Settings:
            sources = settings.catalogue_sources
            return replace(settings, catalogue_sources=(*sources, *[added][: added not in sources]))

        with self._settings_lock:  # a job may add while the window reads: one writer
            self._save_settings(change)
            self.catalogue = merge_catalogues([self.catalogue, loaded.catalogue])
        return loaded.catalogue

    def remove_catalogue(self, source: str) -> list[str]:
        """Forget a catalogue; its courses leave the list. Returns the warnings of the
        remembered ones that could not be read again (from saved copies only)."""

        def change(settings: Settings) -> Settings:
            kept = tuple(s for s in settings.catalogue_sources if s != source)
            return replace(settings, catalogue_sources=kept)

        with self._settings_lock:
            sources = self._save_settings(change).catalogue_sources
        remembered = load_catalogues(sources, self.paths.catalogue_cache, offline=True)
        with self._settings_lock:
            self.catalogue = merge_catalogues([remembered.catalogue, self.named_catalogue])
        return list(remembered.warnings)
