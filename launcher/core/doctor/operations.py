"""The facade's verbs for tutors: the doctor's checks and the support bundle.
:class:`launcher.core.launcher.Launcher` inherits them."""

from __future__ import annotations

from pathlib import Path

from launcher.core.context import LauncherContext
from launcher.core.doctor.check import Check


class DoctorOperations:
    def doctor(self: LauncherContext) -> list[Check]:
        """Every check, with every known secret removed (never fails; may take seconds)."""
        from launcher.core.doctor.report import redacted_checks

        return redacted_checks(self)

    def support_bundle_target(self: LauncherContext, path: Path) -> Path:
        """The file a support bundle would be written to, checked writable first."""
        from launcher.core.local.destinations import check_can_write_file

        path = path.expanduser()
        check_can_write_file(path, "The support bundle")
        return path

    def support_bundle(
        self: LauncherContext, path: Path, *, checks: list[Check] | None = None
    ) -> Path:
        """Write one text file for a tutor (no secrets); ``checks``: the doctor's
        results when they were just shown, so they are not made again."""
        from launcher.core.doctor.support_bundle import write_support_bundle

        return write_support_bundle(self, path, checks=checks)
