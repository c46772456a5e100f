"""The labels that mark what the launcher made in Docker; the engine is the truth.

Everything the launcher creates (containers, volumes) carries ``MANAGED`` and
``COURSE``, so it can list, adopt after a crash and remove exactly what it made.
"""

from __future__ import annotations

PREFIX = "org.course-launcher"
MANAGED = f"{PREFIX}.managed"
COURSE = f"{PREFIX}.course"
SCHEMA = f"{PREFIX}.catalogue-schema"
WORKSPACE = f"{PREFIX}.workspace"
FOLDER = f"{PREFIX}.folder"
IMAGE = f"{PREFIX}.image"
FINGERPRINT = f"{PREFIX}.fingerprint"
VOLUME = f"{PREFIX}.volume"
CATALOGUE_SCHEMA = "1"


def container_name(course_id: str) -> str:
    return f"course-launcher-{course_id}"


def volume_name(course_id: str, volume: str) -> str:
    return f"course-launcher-{course_id}-{volume}"


def course_filter(course_id: str) -> dict[str, list[str]]:
    """An engine ``filters`` argument that finds a course's objects by label."""
    return {"label": [f"{MANAGED}=1", f"{COURSE}={course_id}"]}


def managed_filter() -> dict[str, list[str]]:
    return {"label": [f"{MANAGED}=1"]}


def base_labels(course_id: str) -> dict[str, str]:
    return {MANAGED: "1", COURSE: course_id, SCHEMA: CATALOGUE_SCHEMA}
