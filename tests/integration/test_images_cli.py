"""`course-launcher images`: the course images on the engine, which are used, and a prune
that removes only unused launcher images, never anyone else's."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import docker

from launcher.core.launcher import Launcher
from tests.helpers.folders import make_student_folder
from tests.testbed.testbed import TestbedState


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_images_lists_use_and_prune_removes_only_unused_launcher_images(
    launcher: Launcher, testbed: TestbedState, course_catalogue: Path,
    clean_engine: docker.DockerClient, student_area: Path,
) -> None:  # fmt: skip
    common = ["--catalogue", str(course_catalogue), "--engine", testbed.docker_host]
    jupyter, multi = launcher.course("test-jupyter").image, launcher.course("test-multi").image
    launcher.install("test-jupyter")
    launcher.install("test-multi")
    launcher.start("test-jupyter", make_student_folder(student_area, "images"))
    # Someone else's images: one with a name of their own, and a course image that the
    # student also tagged for themselves.
    clean_engine.images.pull(testbed.images["base"])
    foreign = f"someone/else-{uuid.uuid4().hex[:8]}"
    clean_engine.images.get(testbed.images["base"]).tag(foreign, "1")
    jupyter_id = clean_engine.images.get(jupyter).id
    multi_id = clean_engine.images.get(multi).id
    base_id = clean_engine.images.get(testbed.images["base"]).id
    try:
        listed = cli("images", "--json", *common)
        assert listed.returncode == 0, listed.stderr
        data = json.loads(listed.stdout)
        rows = {row["id"]: row for row in data["images"]}
        assert base_id not in rows  # not named by any course
        assert rows[jupyter_id]["courses"] == ["test-jupyter"]
        assert rows[jupyter_id]["used_by"] == ["course-launcher-test-jupyter"]
        assert rows[jupyter_id]["used_by_launcher"] and not rows[jupyter_id]["unused"]
        assert rows[multi_id]["unused"] and rows[multi_id]["size"] > 0
        assert data["engine_disk"]["images_bytes"] > 0

        text = cli("images", *common)
        assert text.returncode == 0
        assert jupyter in text.stdout and "used by course-launcher-test-jupyter" in text.stdout
        assert "images --prune" in text.stdout

        clean_engine.images.get(multi).tag(f"{foreign}-copy", "mine")
        kept = json.loads(cli("images", "--prune", "--json", *common).stdout)
        outcome = {r["image_id"]: r for r in kept["removed"]}
        assert not outcome[multi_id]["removed"]
        assert "also named" in outcome[multi_id]["reason"]
        assert multi_id in image_ids(clean_engine)
        clean_engine.images.remove(f"{foreign}-copy:mine")

        pruned = cli("images", "--prune", *common)
        assert pruned.returncode == 0, pruned.stderr
        assert f"Removed {multi} (" in pruned.stdout
        with_ids = image_ids(clean_engine)
        assert multi_id not in with_ids
        assert {jupyter_id, base_id} <= with_ids  # used, and someone else's
        assert clean_engine.images.get(f"{foreign}:1").id == base_id
    finally:
        clean_engine.images.remove(f"{foreign}:1")


def image_ids(client: docker.DockerClient) -> set[str]:
    return {image.id for image in client.images.list(all=True)}


def test_an_image_a_catalogue_names_but_the_launcher_never_pulled_survives_prune_and_purge(
    launcher: Launcher, testbed: TestbedState, course_catalogue: Path,
    clean_engine: docker.DockerClient,
) -> None:  # fmt: skip
    """A catalogue chooses its images' names: naming the student's own image (here the
    one test-multi names, pulled by hand) must not make it the launcher's to remove."""
    common = ["--catalogue", str(course_catalogue), "--engine", testbed.docker_host]
    multi = launcher.course("test-multi").image
    clean_engine.images.pull(multi)  # by the student, not the launcher
    multi_id = clean_engine.images.get(multi).id
    assert multi_id not in launcher.pulled_images.ids()

    kept = cli("images", "--prune", "--json", *common)
    assert kept.returncode == 0, kept.stderr
    outcome = {r["image_id"]: r for r in json.loads(kept.stdout)["removed"]}
    assert not outcome[multi_id]["removed"]
    assert outcome[multi_id]["reason"] == "the launcher did not download it"
    purged = cli("purge", "--yes", "--images", "--json", *common)
    assert purged.returncode == 0, purged.stderr
    assert multi_id in image_ids(clean_engine)
    assert clean_engine.images.get(multi).id == multi_id

    launcher.install("test-multi")  # now the launcher pulled it: prune may remove it
    assert multi_id in launcher.pulled_images.ids()
    pruned = cli("images", "--prune", "--json", *common)
    assert multi_id in [r["image_id"] for r in json.loads(pruned.stdout)["removed"] if r["removed"]]
    assert multi_id not in image_ids(clean_engine)
