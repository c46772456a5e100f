"""A ``jupyterhub_config.py`` fragment for DockerSpawner: the courses as allowed images.

``c.DockerSpawner.allowed_images`` maps each course's display name to its image, so
DockerSpawner's own form offers the courses when there are several. Each user gets a
named volume per course (``jupyterhub-{username}-<course id>``) at the course's
workspace, and one per course volume (databases), so their files outlive the
container, which is therefore removed when the server stops.

DockerSpawner has one set of options for every image, so with several courses the
fragment sets the first course's options, and JupyterHub's ``Spawner.apply_user_options``
hook (JupyterHub 5.3 or newer) sets those of the course a user picks: its image,
volumes, variables, memory limit and first page.
"""

from __future__ import annotations

from collections.abc import Sequence

from launcher.core.hub.plan import SINGLEUSER, HubCourse, literal, reachable_lines


def volume_name(course_id: str, volume: str | None = None) -> str:
    """The named volume a user's files (or a course volume) live in; a template."""
    return f"jupyterhub-{{username}}-{course_id}" + (f"-{volume}" if volume else "")


def _options(plan: HubCourse) -> dict[str, object]:
    volumes = {volume_name(plan.course.id): literal(plan.workspace)}
    for volume in plan.course.volumes:
        volumes[volume_name(plan.course.id, volume.name)] = literal(volume.path)
    return {
        "image": plan.course.image,
        "volumes": volumes,
        "environment": dict(plan.environment),
        "mem_limit": plan.mem_limit,
        # Spawner.default_url fills in {username}-style templates.
        "default_url": "" if plan.default_url is None else literal(plan.default_url),
    }


def _python(value: object, indent: str = "") -> str:
    """``value`` (texts, None, lists and dicts of them) as Python source, one item a line."""
    inner = indent + "    "
    if isinstance(value, dict) and value:
        items = [f"{inner}{k!r}: {_python(v, inner)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and value:
        return "[\n" + "\n".join(f"{inner}{_python(v, inner)}," for v in value) + f"\n{indent}]"
    return repr(value)


def dockerspawner_config(plans: Sequence[HubCourse], header: Sequence[str]) -> str:
    """The fragment; ``header`` lines become its opening comment."""
    lines = [f"# {line}".rstrip() for line in header]
    for plan in plans:
        lines.append(f"# {plan.course.id} ({plan.course.display_name}):")
        lines += [f"# {line}" for line in reachable_lines(plan)]
    images = {plan.course.display_name: plan.course.image for plan in plans}
    lines += [
        "",
        'c.JupyterHub.spawner_class = "dockerspawner.DockerSpawner"',
        f"c.DockerSpawner.cmd = [{SINGLEUSER!r}]",
        "# The files are in named volumes, so a stopped server's container can go.",
        "c.DockerSpawner.remove = True",
        f"c.DockerSpawner.allowed_images = {_python(images)}",
        "",
        f"# {plans[0].course.display_name}: also what a spawn that names no course gets.",
    ]
    first = _options(plans[0])
    lines += [f"c.DockerSpawner.{name} = {_python(value)}" for name, value in first.items()]
    if len(plans) > 1:
        courses = {plan.course.display_name: _options(plan) for plan in plans}
        lines += [
            "",
            "# Each course's own options, set when a user picks it (JupyterHub 5.3 or newer).",
            f"_COURSE_OPTIONS = {_python(courses)}",
            "",
            "",
            "def _apply_course_options(spawner, user_options):",
            "    import copy",
            "",
            "    options = _COURSE_OPTIONS.get(user_options.get('image'), {})",
            "    for name, value in copy.deepcopy(options).items():",
            "        setattr(spawner, name, value)",
            "",
            "",
            "c.DockerSpawner.apply_user_options = _apply_course_options",
        ]
    return "\n".join(lines) + "\n"
