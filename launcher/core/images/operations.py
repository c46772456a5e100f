"""The facade's verbs for course images: the check before a download, install, update,
and the images on this computer (list, prune, remove an old version, what the
registry says).

:class:`launcher.core.launcher.Launcher` inherits them. A disk that fills up during
an update (or an import) says, in both front ends, what removing unused course images
would free (:func:`launcher.core.images.inventory.with_prune_advice`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from launcher.core.catalogue.definitions import refuse_changed_definition
from launcher.core.catalogue.list_lines import RegistryFacts
from launcher.core.catalogue.model import Course
from launcher.core.context import LauncherContext
from launcher.core.errors import DiskFull
from launcher.core.operation import CancelToken, Progress, no_progress

# Annotations only: the modules that do the work load when a verb runs.
if TYPE_CHECKING:
    from launcher.core.images.download_check import DownloadCheck
    from launcher.core.images.inventory import EngineDiskUsage, LauncherImage, RemovalResult
    from launcher.core.images.pull_progress import PullProgress
    from launcher.core.images.update import UpdateCheck, UpdateResult


class ImageOperations:
    def install(
        self: LauncherContext,
        course_id: str,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> PullProgress:
        """Download the course image (again: an image that is present costs one check).
        Refused while the course's definition changed unaccepted (``DefinitionChanged``)."""
        from launcher.core.images.install import pull_image

        course = self.course(course_id)
        refuse_changed_definition(course, self.settings)
        return pull_image(
            self.engine.client, course, progress=progress, cancel=cancel,
            on_pulled=self.pulled_images.add,
        )  # fmt: skip

    def check_download(self: LauncherContext, course_id: str) -> DownloadCheck:
        """Before a download: room on Docker's disk, the image's processor, the memory.
        An image that is here already needs no check (nor the network)."""
        from launcher.core.images.download_check import check_download

        engine = self.engine
        return check_download(engine.client, engine.address, engine.info, self.course(course_id))

    def check_update(self: LauncherContext, course_id: str) -> UpdateCheck:
        """Whether a newer version of the course image is published (changes nothing)."""
        from launcher.core.images.update import check_for_update

        return check_for_update(self.engine.client, self.course(course_id))

    def update(
        self: LauncherContext,
        course_id: str,
        *,
        remove_old: bool = False,
        progress: Progress = no_progress,
        cancel: CancelToken | None = None,
    ) -> UpdateResult:
        """Install the newer version; a running environment is started again on it."""
        from launcher.core.images.update import update_course

        try:
            return update_course(
                self, course_id, remove_old=remove_old, progress=progress, cancel=cancel
            )
        except DiskFull as exc:
            raise self.with_prune_advice(exc) from exc

    def with_prune_advice(self: LauncherContext, exc: DiskFull) -> DiskFull:
        """``exc`` with what removing the unused course images would free."""
        from launcher.core.images.inventory import with_prune_advice

        return with_prune_advice(self.engine.client, self.catalogue, exc)

    def images(self: LauncherContext) -> list[LauncherImage]:
        """The course images on this computer, with their sizes and who uses them."""
        from launcher.core.images.inventory import launcher_images

        return launcher_images(self.engine.client, self.catalogue)

    def prune_images(
        self: LauncherContext, images: Iterable[LauncherImage] | None = None
    ) -> list[RemovalResult]:
        """Remove the unused course images (or the ones given)."""
        from launcher.core.images.inventory import prune_images

        pulled = self.pulled_images.ids()  # never what the launcher did not download
        return prune_images(self.engine.client, self.catalogue, images, pulled=pulled)

    def remove_image_version(self: LauncherContext, image_id: str) -> RemovalResult:
        """Remove one old version of a course image, unless something still uses it."""
        from launcher.core.images.inventory import remove_image_version

        return remove_image_version(self.engine.client, image_id, self.catalogue)

    def engine_disk_usage(self: LauncherContext) -> EngineDiskUsage | None:
        from launcher.core.images.inventory import engine_disk_usage

        return engine_disk_usage(self.engine.client)

    def installed_courses(self: LauncherContext) -> frozenset[str]:
        """The ids of the courses whose image is on this computer."""
        from launcher.core.images.facts import installed_courses

        return installed_courses(self.engine.client, self.catalogue)

    def registry_facts(
        self: LauncherContext, courses: Iterable[Course], installed: frozenset[str]
    ) -> dict[str, RegistryFacts]:
        """What the registries say: download sizes, updates available (network)."""
        from launcher.core.images.facts import registry_facts

        return registry_facts(self.engine.client, courses, installed)
