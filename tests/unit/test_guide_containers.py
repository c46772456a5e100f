"""Which containers are a student's own from the course's ``docker run`` guide, read from
what ``docker inspect`` reports (recorded shapes, no engine)."""

from __future__ import annotations

from pathlib import Path, PureWindowsPath
from typing import Any

from launcher.core.catalogue.catalogue_file import load_catalogue_file
from launcher.core.engine import labels
from launcher.core.environments.guide_containers import guide_container, host_folder
from launcher.core.local.resources import resource_path

TM351 = load_catalogue_file(resource_path("catalogue.toml")).get("tm351-24j")
TM129 = load_catalogue_file(resource_path("catalogue.toml")).get("tm129-23j")


def inspected(
    *, image: str = "ousefulcoursecontainers/ou-tm351:24j", host_port: str = "8351",
    destination: str = "/home/ou/TM351-24J", source: str = "/home/ann/Documents/TM351VCE",
    running: bool = True, container_labels: dict[str, str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The parts of `docker inspect` the guide's own command line leaves."""
    return {
        "Id": "f00d" * 16,
        "Name": "/tm351vce",
        "Config": {"Image": image, "Labels": container_labels or {}},
        "State": {"Running": running},
        "HostConfig": {"PortBindings": {"8888/tcp": [{"HostIp": "", "HostPort": host_port}]}},
        "Mounts": [
            {"Type": "bind", "Source": source, "Destination": destination, "RW": True},
            {"Type": "volume", "Name": "abc", "Source": "/var/lib/docker/volumes/abc/_data",
             "Destination": "/var/lib/postgresql"},
        ],
    }  # fmt: skip


def test_the_guides_container_is_found_with_its_folder() -> None:
    found = guide_container(inspected(), TM351, "linux")
    assert found is not None
    assert (found.name, found.running, found.ports) == ("tm351vce", True, (8351,))
    assert found.folder == Path("/home/ann/Documents/TM351VCE")
    assert found.reasons == (
        "it runs TM351's image",
        "it publishes port 8351, the one TM351 uses",
        "it shares a folder at /home/ou/TM351-24J",
    )
    assert found.describe() == (
        "the container “tm351vce” (ousefulcoursecontainers/ou-tm351:24j, running, at port "
        "8351), with your files in /home/ann/Documents/TM351VCE"
    )


def test_any_one_sign_is_enough() -> None:
    unrelated = {"image": "example.org/someone/else:1", "host_port": "9999", "destination": "/d"}

    def reasons(**sign: str) -> tuple[str, ...] | None:
        found = guide_container(inspected(**{**unrelated, **sign}), TM351, "linux")
        return found.reasons if found else None

    hub_spelling = "docker.io/ousefulcoursecontainers/ou-tm351:23j"
    assert reasons(image=hub_spelling) == ("it runs TM351's image",)
    assert reasons(host_port="8351") == ("it publishes port 8351, the one TM351 uses",)
    assert reasons(destination="/home/ou/TM351-24J") == (
        "it shares a folder at /home/ou/TM351-24J",
    )
    assert reasons() is None
    only_bind = guide_container(inspected(**{**unrelated, "image": hub_spelling}), TM351, "linux")
    assert only_bind is not None and only_bind.folder == Path("/home/ann/Documents/TM351VCE")


def test_the_launchers_own_and_other_courses_containers_are_not_the_guides() -> None:
    ours = inspected(container_labels={labels.MANAGED: "1", labels.COURSE: "tm351-24j"})
    assert guide_container(ours, TM351, "linux") is None
    assert guide_container(inspected(), TM129, "linux") is None


def test_made_from_an_image_id_is_matched_by_its_other_signs() -> None:
    found = guide_container(inspected(image="sha256:" + "a" * 64), TM351, "linux")
    assert found is not None and "it runs TM351's image" not in found.reasons


def test_docker_desktop_folders_are_the_students_windows_folders() -> None:
    windows = host_folder("/run/desktop/mnt/host/c/Users/Ann/Documents/TM351VCE", "win32")
    assert PureWindowsPath(windows) == PureWindowsPath(r"C:\Users\Ann\Documents\TM351VCE")
    assert host_folder("/Users/ann/TM351VCE", "darwin") == Path("/Users/ann/TM351VCE")
