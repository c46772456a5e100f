"""A course for take-away file tests that need no engine."""

from __future__ import annotations

from launcher.core.catalogue.model import Course, Service

COURSE = Course(
    id="tm351-24j",
    code="TM351",
    presentation="24J",
    title="Data — management",
    image="localhost:5000/ou/tm351:24j",
    workspace="/home/ou/TM351-24J",
    services=(Service("Jupyter", 8888, "/lab", "/api/status", "none"),),
)
