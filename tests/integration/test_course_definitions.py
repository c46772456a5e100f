"""A catalogue cannot quietly take over a course, on the command line and the real engine:
a course started under catalogue A, then redefined by catalogue B with another image,
is refused (naming both) until ``--accept-new-definition``; accepting starts it on B's
image in the same folder with a new token, and the old token opens nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import docker
import requests

from tests.helpers.folders import make_student_folder
from tests.testbed.testbed import TestbedState

COURSE = "test-jupyter"


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def status_with(url: str, token: str) -> int:
    base = url.split("/tree")[0]
    answer = requests.get(
        f"{base}/api/status", headers={"Authorization": f"token {token}"}, timeout=10
    )
    return answer.status_code


def test_a_redefined_image_is_refused_until_accepted_then_gets_a_new_token(
    testbed: TestbedState, course_catalogue: Path, student_area: Path,
    clean_engine: docker.DockerClient, tmp_path: Path,
) -> None:  # fmt: skip
    engine = ["--engine", testbed.docker_host]
    under_a = ["--catalogue", str(course_catalogue), *engine]
    folder = make_student_folder(student_area, "TM351 work")
    (folder / "notebook.ipynb").write_text("{}")
    started = cli("start", COURSE, "--folder", str(folder), "--no-browser", *under_a)
    assert started.returncode == 0, started.stderr
    first_url = cli("url", COURSE, *under_a).stdout.strip()
    first_token = token_of(first_url)
    old = clean_engine.containers.get(f"course-launcher-{COURSE}")
    assert old.labels["org.course-launcher.image"] == testbed.images["jupyter"]

    # Catalogue B gives the same id another image (the testbed's two-service one).
    other = tmp_path / "other-catalogue.toml"
    other.write_text(
        course_catalogue.read_text().replace(
            f'image = "{testbed.images["jupyter"]}"', f'image = "{testbed.images["multi"]}"', 1
        )
    )
    under_b = [*under_a, "--catalogue", str(other)]

    refused = cli("start", COURSE, "--no-browser", *under_b)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert str(course_catalogue) in refused.stderr and str(other) in refused.stderr
    assert testbed.images["multi"].rsplit(":", 1)[0] in refused.stderr
    assert str(folder) in refused.stderr
    assert "Note:" in refused.stderr  # the warning as the sources load
    assert f"course-launcher start {COURSE} --accept-new-definition" in refused.stderr
    for verb in ("url", "install"):
        also = cli(verb, COURSE, *under_b)
        assert also.returncode == 1 and "--accept-new-definition" in also.stderr, verb
    unchanged = clean_engine.containers.get(f"course-launcher-{COURSE}")
    assert unchanged.id == old.id and unchanged.status == "running"
    assert status_with(first_url, first_token) == 200  # nothing was changed

    accepted = cli("start", COURSE, "--no-browser", "--accept-new-definition", *under_b)
    assert accepted.returncode == 0, accepted.stderr
    assert "new definition, with a new token" in accepted.stderr
    new = clean_engine.containers.get(f"course-launcher-{COURSE}")
    assert new.id != old.id  # the launcher's own container is made again on B's image
    assert new.labels["org.course-launcher.image"] == testbed.images["multi"]
    mounts = [m for m in new.attrs["Mounts"] if m["Type"] == "bind"]
    assert [m["Source"] for m in mounts] == [str(folder)]
    assert (folder / "notebook.ipynb").read_text() == "{}"
    new_url = cli("url", COURSE, *under_b).stdout.strip()
    new_token = token_of(new_url)
    assert new_token != first_token
    assert status_with(new_url, new_token) == 200
    assert status_with(new_url, first_token) == 403  # the old token opens nothing

    again = cli("start", COURSE, "--no-browser", *under_b)  # accepted once is enough
    assert again.returncode == 0, again.stderr
    assert "Note:" not in again.stderr
    assert clean_engine.images.get(testbed.images["jupyter"])  # the old image is kept
