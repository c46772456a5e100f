"""Build the course images the tests use, from Debian packages only, and cache them.

The cache is the registry's storage: each image is tagged with the hash of its
recipe (its files plus its parent's hash), so a changed recipe builds anew and an
unchanged one is found in the registry and never rebuilt. After a build the
engine is emptied, so every run starts from the same place: images in the
registry, none in the engine.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import requests

from tests.testbed.config import Locations
from tests.testbed.tools import TestbedUnavailable, which

RECIPES_DIR = Path(__file__).parent / "recipes"
MIRROR = os.environ.get("COURSE_LAUNCHER_TESTBED_MIRROR", "http://deb.debian.org/debian")
BASE_RECIPE = f"debootstrap --variant=minbase bookworm {MIRROR} v1"
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    ]
)

Log = Callable[[str], None]


@dataclass(frozen=True)
class Recipe:
    name: str
    parent: str | None  # None: the debootstrap base


RECIPES = (
    Recipe("base", None),
    Recipe("jupyter", "base"),
    Recipe("multi", "jupyter"),
    Recipe("db", "jupyter"),
    Recipe("adminer", "jupyter"),
    Recipe("hub", "jupyter"),
)


def _files_of(folder: Path) -> Iterator[Path]:
    yield from sorted(p for p in folder.rglob("*") if p.is_file())


def recipe_hashes() -> dict[str, str]:
    hashes: dict[str, str] = {}
    for recipe in RECIPES:
        digest = hashlib.sha256(recipe.name.encode())
        if recipe.parent is None:
            digest.update(BASE_RECIPE.encode())
        else:
            digest.update(hashes[recipe.parent].encode())
            folder = RECIPES_DIR / recipe.name
            for path in _files_of(folder):
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(oct(path.stat().st_mode & 0o111).encode())
                digest.update(path.read_bytes())
        hashes[recipe.name] = digest.hexdigest()[:16]
    return hashes


def image_refs(registry: str) -> dict[str, str]:
    return {name: f"{registry}/testbed/{name}:{h}" for name, h in recipe_hashes().items()}


def registry_has(registry: str, ref: str) -> bool:
    repository, tag = ref.removeprefix(f"{registry}/").rsplit(":", 1)
    url = f"http://{registry}/v2/{repository}/manifests/{tag}"
    response = requests.head(url, headers={"Accept": MANIFEST_TYPES}, timeout=10)
    return response.status_code == 200


def _check_stream(events: Iterator[dict[str, Any]], log_file: Path, what: str) -> None:
    with log_file.open("a", encoding="utf-8") as log:
        for event in events:
            if "error" in event:
                raise TestbedUnavailable(f"{what} failed: {event['error']} (see {log_file})")
            text = event.get("stream") or event.get("status")
            if text:
                log.write(str(text).rstrip("\n") + "\n")


def _build_base(client: docker.DockerClient, loc: Locations, ref: str, log: Log) -> None:
    debootstrap = which("debootstrap")
    if debootstrap is None:
        raise TestbedUnavailable("debootstrap is not installed")
    rootfs = loc.run / "rootfs"
    shutil.rmtree(rootfs, ignore_errors=True)
    log(f"testbed: debootstrap bookworm from {MIRROR} (about 40 s)")
    with (loc.run / "debootstrap.log").open("ab") as out:
        result = subprocess.run(
            [debootstrap, "--variant=minbase", "bookworm", str(rootfs), MIRROR],
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if result.returncode != 0:
        raise TestbedUnavailable(f"debootstrap failed; see {loc.run / 'debootstrap.log'}")
    archive = loc.run / "rootfs.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(rootfs, arcname=".")
    shutil.rmtree(rootfs, ignore_errors=True)
    repository, tag = ref.rsplit(":", 1)
    client.api.import_image_from_file(str(archive), repository=repository, tag=tag)
    archive.unlink()


def _build_from_recipe(
    client: docker.DockerClient, loc: Locations, recipe: Recipe, ref: str, parent_ref: str
) -> None:
    events = client.api.build(
        path=str(RECIPES_DIR / recipe.name),
        tag=ref,
        buildargs={"BASE": parent_ref},
        rm=True,
        forcerm=True,
        pull=False,
        decode=True,
    )
    _check_stream(events, loc.run / f"build-{recipe.name}.log", f"building {recipe.name}")


def _push(client: docker.DockerClient, loc: Locations, ref: str) -> None:
    repository, tag = ref.rsplit(":", 1)
    events = client.api.push(repository, tag=tag, stream=True, decode=True)
    _check_stream(events, loc.run / "push.log", f"pushing {ref}")


def _present(client: docker.DockerClient, ref: str) -> bool:
    try:
        client.images.get(ref)
    except docker.errors.ImageNotFound:
        return False
    return True


def ensure_images(
    client: docker.DockerClient, registry: str, loc: Locations, log: Log
) -> dict[str, str]:
    """Make sure every recipe's image is in the registry; build only what is missing."""
    refs = image_refs(registry)
    built = False
    for recipe in RECIPES:
        ref = refs[recipe.name]
        if registry_has(registry, ref):
            continue
        log(f"testbed: building image {recipe.name} (not in the cache)")
        if recipe.parent is None:
            _build_base(client, loc, ref, log)
        else:
            parent_ref = refs[recipe.parent]
            if not _present(client, parent_ref):
                repository, tag = parent_ref.rsplit(":", 1)
                client.api.pull(repository, tag=tag)
            _build_from_recipe(client, loc, recipe, ref, parent_ref)
        _push(client, loc, ref)
        built = True
    if built:  # start every run from an empty engine, as a warm run does
        for image in client.images.list():
            client.images.remove(image.id, force=True)
        client.images.prune(filters={"dangling": False})
    return refs
