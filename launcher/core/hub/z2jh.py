"""A Helm values file for zero-to-jupyterhub (z2jh): one profile per course.

Keys are z2jh's (camelCase under ``singleuser``) and, inside each profile's
``kubespawner_override``, KubeSpawner's trait names: ``image``, ``default_url``,
``environment`` (merged with the chart's ``singleuser.extraEnv``: KubeSpawner merges
dictionaries), ``mem_limit`` and ``volume_mounts`` (a list, so it replaces the
chart's, including ``singleuser.storage.extraVolumeMounts``).

The user's storage is z2jh's dynamic storage (a PersistentVolumeClaim per user):
a folder in it per course (``subPath``, the course id) is mounted at the course's
workspace instead of ``homeMountPath``. The pod's volume for
that claim is named by ``singleuser.storage.dynamic.volumeNameTemplate``, which the
file sets, so that the profiles' mounts name the same volume on every chart version.
"""

from __future__ import annotations

from collections.abc import Sequence

from launcher.core.hub.plan import HubCourse, literal, reachable_lines

VOLUME_NAME_TEMPLATE = "volume-{user_server}"


def _profile(plan: HubCourse) -> dict[str, object]:
    override: dict[str, object] = {"image": plan.course.image}
    if plan.default_url is not None:
        override["default_url"] = literal(plan.default_url)
    if plan.environment:
        # KubeSpawner fills in {username}-style templates in variables' values.
        override["environment"] = {k: literal(v) for k, v in plan.environment.items()}
    if plan.mem_limit is not None:
        override["mem_limit"] = plan.mem_limit
    override["volume_mounts"] = [
        {
            "name": VOLUME_NAME_TEMPLATE,
            "mountPath": literal(plan.workspace),
            "subPath": plan.course.id,  # one folder per course in the user's storage
        }
    ]
    profile: dict[str, object] = {
        "display_name": plan.course.display_name,
        "slug": plan.course.id,
        "description": plan.course.description,
        "kubespawner_override": override,
    }
    return profile


def z2jh_values(plans: Sequence[HubCourse], header: Sequence[str]) -> str:
    """The values file; ``header`` lines become its opening comment."""
    import yaml

    lines = [f"# {line}".rstrip() for line in header]
    for plan in plans:
        lines.append(f"# {plan.course.id} ({plan.course.display_name}):")
        lines += [f"# {line}" for line in reachable_lines(plan)]
    document = {
        "singleuser": {
            "storage": {"type": "dynamic", "dynamic": {"volumeNameTemplate": VOLUME_NAME_TEMPLATE}},
            "profileList": [_profile(plan) for plan in plans],
        }
    }
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    return "\n".join(lines) + "\n" + body


def z2jh_warnings(plan: HubCourse) -> list[str]:
    """What this export cannot carry over to Kubernetes for the course."""
    volumes = plan.course.volumes
    if not volumes:
        return []
    names = ", ".join(v.name for v in volumes)
    return [
        f'Course "{plan.course.id}": its volumes ({names}) are not kept under z2jh: they '
        "live in the pod and are lost when the server stops; keep databases elsewhere."
    ]
