"""The launcher's operations, shared by the window and the command line.

A ``Launcher`` holds what every operation needs: the app's folders, the settings,
the catalogue, the secret store and (found on first use) the Docker engine. Each
method is one thing a student or tutor asks for.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from launcher.core.catalogue.model import Catalogue, Course, merge_catalogues
from launcher.core.catalogue.sources import check_source, load_catalogues
from launcher.core.environments.state import EnvironmentState, EnvironmentStatus
from launcher.core.errors import UsageError, WorkspaceError
from launcher.core.local.paths import AppPaths, app_paths
from launcher.core.local.settings import Settings, load_settings, save_settings, with_course
from launcher.core.operation import CancelToken, Progress, no_progress

# The Docker SDK, requests and the engine code load on first use, not with the
# window: each operation imports what it needs (see docs/how-it-works.md).
if TYPE_CHECKING:
    from launcher.core.engine.discovery import Engine
    from launcher.core.environments.guide_state import GuideChoice
    from launcher.core.environments.start import StartResult
    from launcher.core.hub.export import HubExport
    from launcher.core.images.pull_progress import PullProgress
    from launcher.core.images.pulled import PulledImages
    from launcher.core.images.users import ImageUsers
    from launcher.core.local.secrets import SecretStore

log = logging.getLogger(__name__)


@dataclass
class Launcher:
    paths: AppPaths
    settings: Settings
    catalogue: Catalogue
    engine_address: str | None = None
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
        """Read settings and catalogues; the engine is looked for on first use."""
        paths = paths or app_paths()
        loaded_settings = load_settings(paths)
        settings = loaded_settings.settings
        # Sources from the settings are forgiven (a warning); ones named now must load.
        remembered = load_catalogues(
            settings.catalogue_sources, paths.catalogue_cache, offline=offline
        )
        named = load_catalogues(
            catalogues, paths.catalogue_cache, include_bundled=False, strict=True, offline=offline
        )
        catalogue = merge_catalogues([remembered.catalogue, named.catalogue])
        warnings = [
            w for w in (loaded_settings.warning, *remembered.warnings, *named.warnings) if w
        ]
        return cls(
            paths=paths,
            settings=settings,
            catalogue=catalogue,
            engine_address=engine or settings.engine_address,
            warnings=warnings,
            named_catalogue=named.catalogue,
        )

    def reload_catalogue(self) -> list[str]:
        """Read the remembered catalogues again, from saved copies only (after one was
        removed in Settings); returns the warnings of sources that could not be read."""
        remembered = load_catalogues(
            self.settings.catalogue_sources, self.paths.catalogue_cache, offline=True
        )
        self.catalogue = merge_catalogues([remembered.catalogue, self.named_catalogue])
        return list(remembered.warnings)

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
            from launcher.core.engine.discovery import find_engine

            self._engine = find_engine(self.engine_address)
        return self._engine

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

    def hub_export(self, course_ids: Sequence[str], format: str) -> HubExport:
        """Settings that run these courses on an institution's JupyterHub (``z2jh`` Helm
        values or a ``dockerspawner`` config fragment), with what the hub cannot do."""
        from launcher.core.hub.export import export_for_hub

        return export_for_hub([self.course(course_id) for course_id in course_ids], format)

    @property
    def pulled_images(self) -> PulledImages:
        """The images the launcher itself downloaded or imported (only those are pruned)."""
        from launcher.core.images.pulled import FILE_NAME, PulledImages

        return PulledImages(self.paths.data / FILE_NAME)

    def folder_for(self, course_id: str) -> Path | None:
        return self.settings.course(course_id).folder

    def status(self, course_id: str) -> EnvironmentStatus:
        from launcher.core.environments.containers import environment_status

        return environment_status(self.engine.client, self.course(course_id))

    def statuses(self) -> list[EnvironmentStatus]:
        from launcher.core.environments.containers import environment_statuses

        return environment_statuses(self.engine.client, self.catalogue)

    def token(self, course_id: str) -> str | None:
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
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> StartResult:
        """Start the course; ``guide`` says what to do with a container the student made
        by hand from the course guide (None: ask, by raising ``GuideContainerFound``)."""
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
        remembered = self.settings.course(course.id)
        settled = settle_guide_containers(
            self.engine.client, course, guide or GuideChoice.ASK, folder,
            platform=sys.platform, progress=progress,
        )  # fmt: skip
        chosen = settled.folder or remembered.folder
        if chosen is None:
            raise WorkspaceError(
                f"No folder is chosen for {course.display_name} yet.",
                "Choose the folder where your course files should be kept (--folder).",
            )
        request = StartRequest(
            course=course,
            folder=chosen,
            token=self.token(course.id),
            remembered_ports={int(k): v for k, v in remembered.ports.items() if k.isdigit()},
            create_folder=create_folder,
            shares_host_files=engine_shares_host_files(
                self.engine.address, self.engine.info.operating_system
            ),
        )
        if self._image_users is None:
            self._image_users = ImageUsers(self.paths.cache / FILE_NAME)
        result = start_environment(
            self.engine.client, request, progress=progress, cancel=cancel,
            image_users=self._image_users, on_pulled=self.pulled_images.add,
        )  # fmt: skip
        warning = check_image_platform(self.engine.info, [result.image_platform])
        if warning or settled.notices:
            notices = (*settled.notices, *result.notices, *([warning] if warning else []))
            result = replace(result, notices=notices)
        self.update_settings(
            lambda settings: with_course(
                settings,
                course.id,
                folder=Path(result.status.folder or chosen),
                ports={str(k): v for k, v in result.ports.items()},
            )
        )
        return result

    def update_settings(self, change: Callable[[Settings], Settings]) -> Settings:
        """Change the settings and save them, one change at a time: a start finishing
        in a job and the Settings dialog saving at the same moment both keep their part."""
        with self._settings_lock:
            self.settings = change(self.settings)
            save_settings(self.paths, self.settings)
            return self.settings

    def change_catalogue_sources(
        self, *, add: str | None = None, remove: str | None = None
    ) -> list[str]:
        """Remember (or forget) a catalogue source; one being added must load now."""
        added = None
        if add is not None:
            added = check_source(add)
            load_catalogues([added], self.paths.catalogue_cache, include_bundled=False, strict=True)

        def change(settings: Settings) -> Settings:
            sources = [s for s in settings.catalogue_sources if s != remove]
            if added is not None and added not in sources:
                sources.append(added)
            return replace(settings, catalogue_sources=tuple(sources))

        return list(self.update_settings(change).catalogue_sources)

    def terminal_url(self, course_id: str) -> str:
        """Jupyter's own terminal page for a running course, with its token: the shell
        a student or tutor can always reach, whatever is installed on the computer."""
        course = self.course(course_id)
        jupyter = next((s for s in course.services if s.auth == "token"), None)
        if jupyter is None:
            raise UsageError(
                f"{course.display_name} has no Jupyter service to open a terminal in.",
                f"Use: course-launcher shell {course_id}",
            )
        address = self.service_url(course_id, jupyter.name)
        base, _, query = address.partition("?")
        root = base[: len(base) - len(jupyter.path)] if base.endswith(jupyter.path) else base
        page = "/lab/terminals/1" if jupyter.path.startswith("/lab") else "/terminals/1"
        return f"{root.rstrip('/')}{page}" + (f"?{query}" if query else "")

    def ready_services(self, course_id: str, status: EnvironmentStatus | None = None) -> set[str]:
        """Names of the course's services that answer now (for Open buttons); pass the
        status when it is known, to save asking the engine again."""
        from launcher.core.environments.readiness import answering, ready_checks, ready_url

        course = self.course(course_id)
        status = status or self.status(course_id)
        if status.state != EnvironmentState.RUNNING:
            return set()
        checks = ready_checks(course, status.ports, self.token(course_id))
        answered = answering(checks)
        up = {check.url for check in checks if check.service in answered}
        return {
            service.name
            for service in course.services
            if service.port in status.ports and ready_url(service, status.ports) in up
        }

    def install(
        self,
        course_id: str,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> PullProgress:
        """Download the course image (again: an image that is present costs one check)."""
        from launcher.core.images.install import pull_image

        course = self.course(course_id)
        return pull_image(
            self.engine.client, course, progress=progress, cancel=cancel,
            on_pulled=self.pulled_images.add,
        )  # fmt: skip

    def stop(self, course_id: str) -> bool:
        from launcher.core.environments.containers import stop_environment

        return stop_environment(self.engine.client, self.course(course_id))

    def remove(self, course_id: str, *, volumes: bool = False) -> bool:
        from launcher.core.environments.containers import remove_environment

        return remove_environment(self.engine.client, self.course(course_id), volumes=volumes)

    def service_url(self, course_id: str, service: str | None = None) -> str:
        """The address of a running service, with the token (like ``jupyter server list``)."""
        status = self.status(course_id)
        if not status.endpoints:
            raise UsageError(
                f"{self.course(course_id).display_name} is not running.",
                f"Start it first: course-launcher start {course_id}",
            )
        chosen = status.endpoints[0]
        if service is not None:
            matches = [e for e in status.endpoints if e.name.lower() == service.lower()]
            if not matches:
                names = ", ".join(e.name for e in status.endpoints)
                raise UsageError(f"No service called {service!r}.", f"Choose one of: {names}.")
            chosen = matches[0]
        token = self.token(course_id) if chosen.needs_token else None
        if not token:
            return chosen.url
        separator = "&" if "?" in chosen.url else "?"
        return f"{chosen.url}{separator}token={token}"
