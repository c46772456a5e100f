"""``hub export``, proven with the hub's own code.

The z2jh values are loaded into the real KubeSpawner (``jupyterhub-kubespawner``):
its ``profile_list`` handling picks each course's profile and builds the pod, with no
cluster (a kubeconfig naming a closed port satisfies its client, which is never used).
The DockerSpawner fragment is run as ``jupyterhub_config.py`` is, into a traitlets
``Config``, and each course is picked as DockerSpawner's own form picks it. Both
spawners belong to a real JupyterHub ``User`` in an in-memory hub database.
"""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from dockerspawner import DockerSpawner
from jupyterhub import orm
from jupyterhub.objects import Hub
from jupyterhub.spawner import Spawner
from jupyterhub.user import User
from kubernetes_asyncio.config import kube_config
from kubespawner import KubeSpawner
from traitlets.config import Config

from launcher.core.catalogue.model import Catalogue, parse_catalogue
from launcher.core.errors import UsageError
from launcher.core.hub.export import export_for_hub

CATALOGUE = """
schema = 1

[[course]]
id = "ab123-25j"
code = "AB123"
presentation = "25J"
title = "Data at scale"
description = "Notebooks, OpenRefine and a database."
image = "registry.example.org/ou/ab123:25j"
workspace = "/home/ou/AB123-25J"
memory = "1.5g"
hub_ready = true

[course.token]
env = "JUPYTER_TOKEN"

[course.env]
TZ = "Europe/London"
GREETING = "{username} is written as it is"

[[course.services]]
name = "Jupyter"
port = 8888
path = "/lab"
ready = "/api/status"

[[course.services]]
name = "OpenRefine"
port = 8888
path = "/openrefine/"
ready = "/api/status"

[[course.services]]
name = "Adminer"
port = 8080

[[course.volumes]]
name = "postgres"
path = "/var/lib/postgresql"

[[course]]
id = "cd456-25b"
code = "CD456"
presentation = "25B"
title = "Plain notebooks"
image = "quay.io/jupyter/minimal-notebook:2024-12-02"
workspace = "/home/jovyan/work"

[[course.services]]
name = "Notebook"
port = 8888
path = "/tree/week1"
"""
COURSES = parse_catalogue(CATALOGUE, "test.toml")
AB, CD = COURSES.get("ab123-25j"), COURSES.get("cd456-25b")
NOT_READY = (
    'Course "cd456-25b": its image quay.io/jupyter/minimal-notebook:2024-12-02 is not '
    "declared hub-ready. A hub starts jupyterhub-singleuser in it, so the image needs the "
    "jupyterhub package (of a version matching the hub's) with jupyterhub-singleuser on its "
    "PATH; once it has it, add hub_ready = true to the course in its catalogue."
)
UNREACHABLE = (
    'Course "ab123-25j": "Adminer" (container port 8080) cannot be reached through the hub, '
    "which reaches only the image's Jupyter; serve it through jupyter-server-proxy and list it "
    "on port 8888 at its path."
)


def hub_user(config: Config, spawner_class: type[Spawner]) -> User:
    """A real JupyterHub user, in a hub database in memory, with the hub's config."""
    db = orm.new_session_factory("sqlite://")()
    db.add(orm.User(name="student"))
    db.commit()
    orm_user = db.query(orm.User).one()
    return User(orm_user, {"hub": Hub(), "config": config, "spawner_class": spawner_class})


def z2jh_config(values: dict[str, Any]) -> Config:
    """What z2jh's own jupyterhub_config.py makes of these values, for the keys exported
    (``singleuser.profileList`` and dynamic storage), with the chart's defaults."""
    singleuser = values["singleuser"]
    assert singleuser["storage"]["type"] == "dynamic"
    volume = singleuser["storage"]["dynamic"]["volumeNameTemplate"]
    config = Config()
    config.KubeSpawner.cmd = ["jupyterhub-singleuser"]
    config.KubeSpawner.profile_list = singleuser["profileList"]
    config.KubeSpawner.volumes = [
        {"name": volume, "persistentVolumeClaim": {"claimName": "{pvc_name}"}}
    ]
    config.KubeSpawner.volume_mounts = [{"mountPath": "/home/jovyan", "name": volume}]
    return config


@pytest.fixture
def kubeconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: none\n"
        "clusters: [{name: none, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "contexts: [{name: none, context: {cluster: none, user: none}}]\n"
        "users: [{name: none, user: {}}]\n"
    )
    # The client reads KUBECONFIG when it is imported, so its default is set instead.
    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(path))


async def pod_for(values: dict[str, Any], slug: str) -> Any:
    spawner = hub_user(z2jh_config(values), KubeSpawner).spawners[""]
    spawner.user_options = {"profile": slug}
    await spawner.load_user_options()
    return await spawner.get_pod_manifest()


def test_z2jh_values_give_kubespawner_each_course(kubeconfig: None) -> None:
    export = export_for_hub([AB, CD], "z2jh")
    values = yaml.safe_load(export.text)
    assert list(values) == ["singleuser"]
    assert list(values["singleuser"]) == ["storage", "profileList"]
    profiles = values["singleuser"]["profileList"]
    assert [p["slug"] for p in profiles] == ["ab123-25j", "cd456-25b"]
    assert profiles[0]["display_name"] == "AB123 25J — Data at scale"
    assert profiles[0]["description"] == "Notebooks, OpenRefine and a database."
    traits = set(KubeSpawner.class_trait_names(config=True))
    assert all(set(p["kubespawner_override"]) <= traits for p in profiles)

    pod = asyncio.run(pod_for(values, "ab123-25j"))
    container = pod.spec.containers[0]
    env = {variable.name: variable.value for variable in container.env}
    assert container.image == "registry.example.org/ou/ab123:25j"
    assert container.args == ["jupyterhub-singleuser"]
    assert env["JUPYTERHUB_DEFAULT_URL"] == "/lab"
    assert env["TZ"] == "Europe/London"
    assert env["GREETING"] == "{username} is written as it is"
    assert "JUPYTER_TOKEN" not in env  # the hub gives the server its token
    assert container.resources.limits == {"memory": int(1.5 * 1024**3)}
    mounts = [(m.name, m.mount_path, m.sub_path) for m in container.volume_mounts]
    assert mounts == [("volume-student", "/home/ou/AB123-25J", "ab123-25j")]
    claims = [(v.name, v.persistent_volume_claim) for v in pod.spec.volumes]
    assert claims == [("volume-student", {"claimName": "claim-student"})]

    pod = asyncio.run(pod_for(values, "cd456-25b"))
    container = pod.spec.containers[0]
    env = {variable.name: variable.value for variable in container.env}
    assert container.image == "quay.io/jupyter/minimal-notebook:2024-12-02"
    assert env["JUPYTERHUB_DEFAULT_URL"] == "/tree/week1"
    assert "TZ" not in env and "JUPYTER_TOKEN" not in env
    assert not container.resources.limits
    assert [(m.name, m.mount_path, m.sub_path) for m in container.volume_mounts] == [
        ("volume-student", "/home/jovyan/work", "cd456-25b")
    ]

    assert export.warnings == (
        UNREACHABLE,
        NOT_READY,
        'Course "ab123-25j": its volumes (postgres) are not kept under z2jh: they live in the '
        "pod and are lost when the server stops; keep databases elsewhere.",
    )
    assert "#   OpenRefine: /user/NAME/openrefine/ (served by the image's Jupyter" in export.text
    assert "#   Adminer: not reachable through the hub (port 8080)" in export.text


def docker_spawner(text: str) -> DockerSpawner:
    config = Config()
    code = compile(text, "jupyterhub_config.py", "exec")
    exec(code, {"c": config})  # noqa: S102 - as JupyterHub loads its config file
    module, _, name = config.JupyterHub.spawner_class.rpartition(".")
    spawner_class = getattr(importlib.import_module(module), name)
    assert spawner_class is DockerSpawner
    spawner = hub_user(config, spawner_class).spawners[""]
    assert isinstance(spawner, DockerSpawner)
    return spawner


async def picked(text: str, user_options: dict[str, str]) -> tuple[DockerSpawner, str]:
    """The spawner once the hub applied what the user picked, and the image it starts."""
    spawner = docker_spawner(text)
    spawner.user_options = user_options
    await spawner._run_apply_user_options(user_options)
    image = user_options.get("image")
    return spawner, (await spawner.check_allowed(image) if image else spawner.image)


def test_the_dockerspawner_fragment_gives_each_course_its_image_folder_and_settings() -> None:
    export = export_for_hub([AB, CD], "dockerspawner")
    assert export.warnings == (UNREACHABLE, NOT_READY)
    spawner = docker_spawner(export.text)
    assert spawner.allowed_images == {AB.display_name: AB.image, CD.display_name: CD.image}
    assert (spawner.cmd, spawner.remove) == (["jupyterhub-singleuser"], True)

    for options in ({"image": AB.display_name}, {}):  # no choice: the first course
        spawner, image = asyncio.run(picked(export.text, options))
        env = spawner.get_env()
        assert image == "registry.example.org/ou/ab123:25j"
        assert spawner.volume_binds == {
            "jupyterhub-student-ab123-25j": {"bind": "/home/ou/AB123-25J", "mode": "rw"},
            "jupyterhub-student-ab123-25j-postgres": {"bind": "/var/lib/postgresql", "mode": "rw"},
        }
        assert env["TZ"] == "Europe/London"
        assert env["GREETING"] == "{username} is written as it is"
        assert env["JUPYTERHUB_DEFAULT_URL"] == "/lab"
        assert "JUPYTER_TOKEN" not in env
        assert spawner.mem_limit == int(1.5 * 1024**3)

    spawner, image = asyncio.run(picked(export.text, {"image": CD.display_name}))
    env = spawner.get_env()
    assert image == "quay.io/jupyter/minimal-notebook:2024-12-02"
    assert spawner.volume_binds == {
        "jupyterhub-student-cd456-25b": {"bind": "/home/jovyan/work", "mode": "rw"}
    }
    assert env["JUPYTERHUB_DEFAULT_URL"] == "/tree/week1"
    assert "TZ" not in env and "JUPYTER_TOKEN" not in env
    assert spawner.mem_limit is None


def test_one_course_needs_no_hook() -> None:
    export = export_for_hub([CD, CD], "dockerspawner")
    assert export.course_ids == ("cd456-25b",)
    assert "apply_user_options" not in export.text
    spawner, image = asyncio.run(picked(export.text, {}))
    assert image == CD.image
    assert spawner.default_url == "/tree/week1"


def test_export_refuses_an_unknown_format_or_no_course() -> None:
    with pytest.raises(UsageError, match='"helm" is not a hub format'):
        export_for_hub([AB], "helm")
    with pytest.raises(UsageError, match="at least one course"):
        export_for_hub(list(Catalogue()), "z2jh")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_command_line_writes_the_export(tmp_path: Path) -> None:
    catalogue = tmp_path / "courses.toml"
    catalogue.write_text(CATALOGUE)
    output = tmp_path / "out" / "values.yaml"
    common = ["--catalogue", str(catalogue)]
    written = cli("hub", "export", "ab123-25j", "cd456-25b", "--format", "z2jh",
                  "--output", str(output), *common)  # fmt: skip
    assert written.returncode == 0, written.stderr
    assert output.read_text() == export_for_hub([AB, CD], "z2jh").text
    assert f"Warning: {NOT_READY}" in written.stderr
    assert f"to {output}." in written.stderr

    printed = cli("hub", "export", "cd456-25b", "--format", "dockerspawner", *common)
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == export_for_hub([CD], "dockerspawner").text

    unknown = cli("hub", "export", "ab123", "--format", "z2jh", *common)
    assert unknown.returncode == 2
    assert 'There is no course "ab123" in the catalogue. Did you mean "ab123-25j"?' in (
        unknown.stderr
    )
    assert "Traceback" not in unknown.stderr
    assert cli("hub", "export", "ab123-25j", "--format", "helm", *common).returncode == 2
