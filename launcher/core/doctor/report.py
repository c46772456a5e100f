"""The doctor's report: every check, engine and host, in the order a tutor reads them.

Each group is guarded (:func:`launcher.core.doctor.check.guarded`): a check that
cannot be made is reported, and the doctor itself never fails.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from launcher.core.context import LauncherContext
from launcher.core.doctor import host_checks as doctor_host
from launcher.core.doctor.check import NOT_CHECKED_FIX, Check, guarded
from launcher.core.doctor.engine_checks import (
    EnvironmentFacts,
    check_architecture,
    check_disk,
    check_engine_reachable,
    check_engine_version,
    check_ports,
    check_workspace_folder,
    gather_disk_space,
    gather_environments,
    installed_images,
)
from launcher.core.doctor.known_secrets import collect_secrets
from launcher.core.engine.model import Engine
from launcher.core.errors import LauncherError

log = logging.getLogger(__name__)


def run_checks(launcher: LauncherContext) -> list[Check]:
    """Every check, in the order a tutor reads them."""
    engine: Engine | None = None
    problem: LauncherError | None = None
    info: dict[str, Any] = {}
    try:
        engine = launcher.engine
    except LauncherError as exc:
        problem = exc
    if engine is not None:
        try:
            info = dict(engine.client.info())
        except Exception:
            log.warning("Docker did not say more about itself", exc_info=True)
    checks = [
        check_engine_reachable(engine, problem),
        check_engine_version(engine.info if engine else None),
    ]
    if engine is not None:
        connected = engine

        def architectures() -> list[Check]:
            installed = installed_images(connected, list(launcher.catalogue))
            return [check_architecture(c, attrs, connected.info) for c, attrs in installed]

        checks += guarded("course.architecture", architectures)
        checks += guarded(
            "disk.engine-free", lambda: [check_disk(gather_disk_space(connected, info))]
        )
    else:
        checks.append(
            Check("disk.engine-free", "warning", "Not checked: Docker is not answering.",
                  NOT_CHECKED_FIX)
        )  # fmt: skip
    environments = _guarded_facts(launcher, engine, checks)
    for env in environments:
        if env.wanted_ports:
            checks.append(
                check_ports(
                    env.course_id, env.name, env.wanted_ports, env.our_ports,
                    engine_known=env.engine_known,
                )
            )  # fmt: skip
    for env in environments:
        if env.folder is not None:
            checks.append(check_workspace_folder(env.course_id, env.name, env.folder))
    checks += guarded("secrets.backend", lambda: [doctor_host.check_secret_store(launcher.secrets)])
    checks += guarded("catalogue.sources", lambda: doctor_host.catalogue_checks(launcher))
    checks += guarded("clock.skew", lambda: [doctor_host.clock_check(launcher)])
    checks += guarded("network.proxy", lambda: [doctor_host.proxy_check(info)])
    return checks


def _guarded_facts(
    launcher: LauncherContext, engine: Engine | None, checks: list[Check]
) -> list[EnvironmentFacts]:
    try:
        return gather_environments(launcher, engine)
    except Exception as exc:
        log.warning("The environments could not be listed", exc_info=True)
        message = exc.message if isinstance(exc, LauncherError) else type(exc).__name__
        checks.append(
            Check("course.environments", "warning", f"Environments not checked: {message}.",
                  "Run the doctor again once Docker answers.")
        )  # fmt: skip
        return gather_environments(launcher, None)


def redacted_checks(launcher: LauncherContext) -> list[Check]:
    """Every check with every known secret removed: what the window and the command
    line show, and what the support bundle holds."""
    checks = run_checks(launcher)
    redactor, _notes = collect_secrets(launcher, [])
    return [replace(c, summary=redactor(c.summary), fix=redactor(c.fix)) for c in checks]
