"""The facade's verbs for an institution's JupyterHub: the export of courses as a
z2jh Helm values file or a DockerSpawner config (:mod:`launcher.core.hub.export`).

:class:`launcher.core.launcher.Launcher` inherits them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from launcher.core.context import LauncherContext

if TYPE_CHECKING:
    from launcher.core.hub.export import HubExport


class HubOperations:
    def hub_export(
        self: LauncherContext, course_ids: Sequence[str], format: str, output: Path | None = None
    ) -> HubExport:
        """Settings that run these courses on an institution's JupyterHub (``z2jh`` Helm
        values or a ``dockerspawner`` config fragment), with what the hub cannot do;
        written to ``output`` (atomically) when one is given."""
        from launcher.core.hub.export import export_for_hub, write_hub_export

        export = export_for_hub([self.course(course_id) for course_id in course_ids], format)
        if output is not None:
            write_hub_export(export, output)
        return export
