"""What the workflows and the facade's verbs need of the launcher: its folders,
settings, catalogue, secrets, engine and the few operations they build on.

Reset, update, import, the doctor and the support bundle take this Protocol instead
of :class:`launcher.core.launcher.Launcher`, which satisfies it: the facade imports
the workflows, so the workflows must not import the facade (not even for annotations).
The verbs defined in the packages (``*/operations.py``) take it as their ``self``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from launcher.core.catalogue.model import Catalogue, Course
from launcher.core.environments.state import EnvironmentStatus
from launcher.core.errors import DiskFull
from launcher.core.local.paths import AppPaths
from launcher.core.local.settings import Settings
from launcher.core.operation import CancelToken, Progress, no_progress

# Annotations only, so that a workflow that never starts or pulls does not load them.
if TYPE_CHECKING:
    from launcher.core.engine.model import Engine
    from launcher.core.environments.start import StartResult
    from launcher.core.images.pull_progress import PullProgress
    from launcher.core.images.pulled import PulledImages
    from launcher.core.local.secrets import SecretStore


class LauncherContext(Protocol):
    paths: AppPaths
    settings: Settings
    catalogue: Catalogue
    warnings: list[str]

    @property
    def secrets(self) -> SecretStore: ...

    @property
    def engine(self) -> Engine: ...

    @property
    def pulled_images(self) -> PulledImages: ...

    @property
    def connected_engine(self) -> Engine | None: ...

    def course(self, course_id: str) -> Course: ...

    def connect(self) -> Engine: ...

    def folder_for(self, course_id: str) -> Path | None: ...

    def status(self, course_id: str) -> EnvironmentStatus: ...

    def start(
        self,
        course_id: str,
        folder: Path | None = None,
        *,
        create_folder: bool = False,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> StartResult: ...

    def install(
        self,
        course_id: str,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> PullProgress: ...

    def add_catalogue(self, source: str) -> Catalogue: ...

    def update_settings(self, change: Callable[[Settings], Settings]) -> Settings: ...

    def known_token(self, course_id: str) -> str | None: ...

    def ensure_token(self, course_id: str) -> str | None: ...

    def service_url(self, course_id: str, service: str | None = None) -> str: ...

    def terminal_url(self, course_id: str) -> str: ...

    def backups_folder(self, course_id: str) -> Path: ...

    def with_prune_advice(self, exc: DiskFull) -> DiskFull: ...
