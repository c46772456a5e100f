"""The facade's verbs for what a course's folder and token were made for: the change a
later catalogue made to the course's definition, accepting it, and the record a start
makes (:mod:`launcher.core.catalogue.definitions`).

:class:`launcher.core.launcher.Launcher` inherits them.
"""

from __future__ import annotations

from pathlib import Path

from launcher.core.catalogue.definitions import changed_definition, definition_of
from launcher.core.catalogue.model import Course
from launcher.core.context import LauncherContext
from launcher.core.errors import DefinitionChanged, WorkspaceError
from launcher.core.local.settings import with_definition


class CatalogueOperations:
    def definition_change(self: LauncherContext, course_id: str) -> DefinitionChanged | None:
        """The course's definition changed since its folder and token were made (a later
        catalogue redefines its image or workspace): what the person must accept first."""
        return changed_definition(self.course(course_id), self.settings)

    def accept_new_definition(self: LauncherContext, course_id: str) -> tuple[str, ...]:
        """Give the course's folder and token to its current definition: a new token is
        made at the next start, and the folder is kept only when the workspace is the
        same (it is never moved or deleted). Returns what the person should know."""
        course = self.course(course_id)
        change = changed_definition(course, self.settings)
        return () if change is None else _rebind(self, course, change)

    def bind_definition(
        self: LauncherContext, course: Course, folder: Path | None, accept: bool
    ) -> tuple[str, ...]:
        """Before a start: record the definition the folder and token are made for, or
        refuse a changed one (or re-bind, when the person accepted it)."""
        change = changed_definition(course, self.settings)
        if change is None:
            if self.settings.course(course.id).made_for is None:
                made_for = definition_of(course)
                self.update_settings(lambda s: with_definition(s, course.id, made_for))
            return ()
        if not accept:
            raise change
        if change.workspace_changed and folder is None:
            raise WorkspaceError(
                f"The new definition of {course.display_name} puts your folder at another "
                f"place ({change.now.workspace} instead of {change.was.workspace}), so the "
                "launcher does not choose it for you. Nothing was changed.",
                "Choose the folder for it (--folder FOLDER); the one you had is kept as it is.",
            )
        return _rebind(self, course, change, folder)


def _rebind(
    launcher: LauncherContext,
    course: Course,
    change: DefinitionChanged,
    chosen: Path | None = None,
) -> tuple[str, ...]:
    """Record the course's current definition, forget its token (and its folder when the
    workspace moved); ``chosen`` is the folder the person gave for this start."""
    folder = launcher.settings.course(course.id).folder
    launcher.secrets.delete(course.id)  # the old token is never sent to the new image
    launcher.update_settings(
        lambda s: with_definition(
            s, course.id, definition_of(course), forget_folder=change.workspace_changed
        )
    )
    notices = [f"{course.display_name} now follows its new definition, with a new token."]
    if change.workspace_changed and folder is not None and chosen is None:
        notices.append(
            f"Your folder {folder} is kept as it was, but it is no longer chosen for "
            "this course: choose its folder again."
        )
    elif change.workspace_changed and folder is not None and chosen != folder:
        notices.append(f"Your earlier folder {folder} is kept as it was.")
    return tuple(notices)
