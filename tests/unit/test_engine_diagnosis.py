"""What the launcher says when Docker is not usable, decided from recorded facts about a
Mac, a Windows PC and Linux computers; where those facts come from (a computer built in
a folder); and which command starts Docker Desktop on each system."""

from __future__ import annotations

import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from launcher.core.engine.advice import engine_hint
from launcher.core.engine.desktop import (
    desktop_start_command,
    run_start_command,
    wait_until_answering,
)
from launcher.core.engine.diagnosis import (
    LOOKING,
    EngineCase,
    EngineDiagnosis,
    EngineFacts,
    diagnose,
    start_failed,
    start_timed_out,
    starting,
    stopped,
    unreachable,
)
from launcher.core.engine.facts import gather_facts, linux_distribution
from launcher.core.engine.model import Attempt, Engine
from launcher.core.errors import DockerDesktopStartFailed, NoEngineFound

REFUSED = "nothing is listening (connection refused)"
DENIED = "permission denied"
NO_PIPE = "not running (no socket or pipe to connect to)"
WINDOWS_PIPES = tuple(
    Attempt(f"npipe:////./pipe/{name}", found_by, NO_PIPE)
    for name, found_by in (("docker_engine", "Docker Desktop"),
                           ("dockerDesktopLinuxEngine", "Docker Desktop"),
                           ("podman-machine-default", "Podman"))
)  # fmt: skip
DEFAULT_SOCKET = "unix:///var/run/docker.sock"
DESKTOP_EXE = r"C:\Program Files\Docker\Docker\Docker Desktop.exe"

# Recorded facts: one computer per case, as gather_facts would describe it.
COMPUTERS = {
    "windows, nothing installed": EngineFacts("win32", WINDOWS_PIPES, machine="amd64"),
    "windows, desktop stopped": EngineFacts(
        "win32", WINDOWS_PIPES, desktop_start=(DESKTOP_EXE,), machine="amd64"
    ),
    "windows, not in docker-users": EngineFacts(
        "win32",
        (Attempt("npipe:////./pipe/docker_engine", "Docker Desktop", DENIED),),
        desktop_start=(DESKTOP_EXE,),
    ),
    "mac m1, nothing installed": EngineFacts("darwin", (), machine="arm64"),
    "mac intel, nothing installed": EngineFacts("darwin", (), machine="x86_64"),
    "mac, desktop stopped": EngineFacts(
        "darwin",
        (Attempt("unix:///Users/sam/.docker/run/docker.sock", "Docker Desktop", REFUSED),),
        desktop_start=("open", "-a", "Docker"),
    ),
    "mac, colima stopped": EngineFacts(
        "darwin", (Attempt("unix:///Users/sam/.colima/docker.sock", "Colima", REFUSED),)
    ),
    "debian, nothing installed": EngineFacts("linux", (), distribution=("debian",)),
    "mint, nothing installed": EngineFacts("linux", (), distribution=("linuxmint", "ubuntu")),
    "fedora, nothing installed": EngineFacts("linux", (), distribution=("fedora",)),
    "gentoo, nothing installed": EngineFacts("linux", (), distribution=("gentoo",)),
    "debian, service stopped": EngineFacts(
        "linux", (Attempt(DEFAULT_SOCKET, "default socket", REFUSED),), engine_installed=True
    ),
    "debian, service stopped, no socket": EngineFacts("linux", (), engine_installed=True),
    "linux, rootless stopped": EngineFacts(
        "linux", (Attempt("unix:///run/user/1000/docker.sock", "rootless Docker", REFUSED),)
    ),
    "linux, desktop stopped": EngineFacts(
        "linux", (), desktop_start=("systemctl", "--user", "start", "docker-desktop")
    ),
    "linux, not in docker group": EngineFacts(
        "linux", (Attempt(DEFAULT_SOCKET, "default socket", DENIED),), engine_installed=True
    ),
    "linux, added to the group, not logged in again": EngineFacts(
        "linux",
        (Attempt(DEFAULT_SOCKET, "default socket", DENIED),),
        engine_installed=True,
        in_docker_group=True,
    ),
    "linux, in the group, socket refuses it": EngineFacts(
        "linux",
        (Attempt(DEFAULT_SOCKET, "default socket", DENIED),),
        in_docker_group=True,
        group_active=True,
    ),
    "linux, engine set in settings": EngineFacts(
        "linux",
        (Attempt("tcp://10.0.0.5:2375", "setting", "no answer within 1 s"),),
        explicit="tcp://10.0.0.5:2375",
        engine_installed=True,
    ),
    "mac, DOCKER_HOST gone": EngineFacts(
        "darwin", (Attempt("unix:///tmp/gone.sock", "DOCKER_HOST", "no such socket"),)
    ),
    "linux, a context": EngineFacts(
        "linux", (Attempt("unix:///x.sock", "context work", REFUSED),), engine_installed=True
    ),
}
EXPECTED = {  # case, the words that must be there, command, link (start) offered
    "windows, nothing installed": (EngineCase.NOT_INSTALLED, "Docker Desktop for Windows", "",
                                   "windows-install"),
    "windows, desktop stopped": (EngineCase.DESKTOP_NOT_RUNNING, "from the Start menu", "",
                                 "start"),
    "windows, not in docker-users": (EngineCase.PERMISSION_DENIED, "docker-users group", "", ""),
    "mac m1, nothing installed": (EngineCase.NOT_INSTALLED,
                                  "Mac with Apple silicon (the kind of processor this Mac has)",
                                  "", "mac-install"),
    "mac intel, nothing installed": (EngineCase.NOT_INSTALLED, "Mac with an Intel chip", "",
                                     "mac-install"),
    "mac, desktop stopped": (EngineCase.DESKTOP_NOT_RUNNING, "from Applications", "", "start"),
    "mac, colima stopped": (EngineCase.NOT_ANSWERING, "Start Colima", "", ""),
    "debian, nothing installed": (EngineCase.NOT_INSTALLED, "Install it with the command below",
                                  "sudo apt install docker.io", "engine/install"),
    "mint, nothing installed": (EngineCase.NOT_INSTALLED, "Install it",
                                "sudo apt install docker.io", "engine/install"),
    "fedora, nothing installed": (EngineCase.NOT_INSTALLED, "Install it",
                                  "sudo dnf install moby-engine", "engine/install"),
    "gentoo, nothing installed": (EngineCase.NOT_INSTALLED, "the way the link shows", "",
                                  "engine/install"),
    "debian, service stopped": (EngineCase.SERVICE_STOPPED, "Start the Docker service",
                                "sudo systemctl start docker", ""),
    "debian, service stopped, no socket": (EngineCase.SERVICE_STOPPED, "Docker service",
                                           "sudo systemctl start docker", ""),
    "linux, rootless stopped": (EngineCase.SERVICE_STOPPED, "your own Docker service",
                                "systemctl --user start docker", ""),
    "linux, desktop stopped": (EngineCase.DESKTOP_NOT_RUNNING, "your applications menu", "",
                               "start"),
    "linux, not in docker group": (EngineCase.PERMISSION_DENIED, "members of the docker group",
                                   "sudo usermod -aG docker $USER", ""),
    "linux, added to the group, not logged in again": (EngineCase.PERMISSION_DENIED,
                                                        "Log out and back in", "", ""),
    "linux, in the group, socket refuses it": (EngineCase.PERMISSION_DENIED,
                                               "socket's permissions", "", ""),
    "linux, engine set in settings": (EngineCase.SETTING_UNREACHABLE,
                                      "clear the engine address in Settings", "", ""),
    "mac, DOCKER_HOST gone": (EngineCase.SETTING_UNREACHABLE,
                              "remove the DOCKER_HOST variable", "", ""),
    "linux, a context": (EngineCase.SETTING_UNREACHABLE,
                         "context work does not answer. Start that engine, or switch to the "
                         "default Docker context", "", ""),
}  # fmt: skip
MARKUP = set("`*<>#[]|~\\{}")
EMPHASIS = re.compile(r"(^|\W)_|_($|\W)")  # _word_; a name such as DOCKER_HOST is not markup


def all_diagnoses() -> list[EngineDiagnosis]:
    found = [diagnose(facts) for facts in COMPUTERS.values()]
    derived = []
    for diagnosis in found:
        derived += [starting(diagnosis), start_timed_out(diagnosis, 180), stopped(diagnosis)]
        derived.append(start_failed(diagnosis, "Docker Desktop could not be started.", "Start it."))
    return [LOOKING, *found, *derived]


@pytest.mark.parametrize("name", sorted(COMPUTERS))
def test_each_computer_gets_its_case_and_next_step(name: str) -> None:
    case, words, command, extra = EXPECTED[name]
    diagnosis = diagnose(COMPUTERS[name])
    assert diagnosis.case == case
    assert words in diagnosis.headline + " " + diagnosis.next_step
    assert diagnosis.command == command
    assert diagnosis.start_desktop == (extra == "start")
    if extra and extra != "start":
        assert extra in diagnosis.link and diagnosis.link.startswith("https://")
        assert diagnosis.link_label
    else:
        assert (diagnosis.link, diagnosis.link_label) == ("", "")
    assert diagnosis.headline.endswith((".", "…"))
    assert "Retry" in diagnosis.next_step  # every page has Retry, and says when to press it
    # one next step: the command, when there is one, is named by it
    assert ("command below" in diagnosis.next_step) == bool(command)


def test_details_name_every_address_tried_and_the_setting() -> None:
    facts = COMPUTERS["linux, engine set in settings"]
    details = diagnose(facts).details
    assert details == (
        "The launcher is set to use the engine at tcp://10.0.0.5:2375 and looks nowhere else.",
        "Addresses tried:",
        "  tcp://10.0.0.5:2375: no answer within 1 s",
    )
    assert diagnose(COMPUTERS["mac m1, nothing installed"]).details == (
        "No Docker socket was found on this computer.",
    )
    assert len(diagnose(COMPUTERS["windows, nothing installed"]).details) == 4


def test_no_message_has_markup_characters() -> None:
    texts = []
    for diagnosis in all_diagnoses():
        texts += [diagnosis.headline, diagnosis.next_step, diagnosis.command]
        texts += [diagnosis.link_label, diagnosis.link]
    texts += [engine_hint(system, permission_denied=denied)
              for system in ("win32", "darwin", "linux") for denied in (False, True)]  # fmt: skip
    assert len(texts) > 150
    found = {text: sorted(MARKUP & set(text)) for text in texts if MARKUP & set(text)}
    assert found == {}
    assert [text for text in texts if EMPHASIS.search(text)] == []
    assert all("  " not in text.strip() for text in texts)


def test_the_command_line_hint_holds_next_step_command_link_and_details() -> None:
    diagnosis = diagnose(COMPUTERS["debian, nothing installed"])
    assert diagnosis.as_hint().splitlines() == [
        diagnosis.next_step,
        "  sudo apt install docker.io",
        "How to install Docker on Linux: https://docs.docker.com/engine/install/",
        "No Docker socket was found on this computer.",
    ]


def test_starting_then_timed_out_keeps_the_details_and_offers_the_start_again() -> None:
    stopped_desktop = diagnose(COMPUTERS["mac, desktop stopped"])
    wait = starting(stopped_desktop)
    assert (wait.case, wait.headline, wait.start_desktop) == (
        EngineCase.STARTING, "Docker Desktop is starting…", False
    )  # fmt: skip
    assert wait.details == stopped_desktop.details
    late = start_timed_out(wait, 180)
    assert late.headline == "Docker Desktop did not answer within 3 minutes."
    assert late.start_desktop and late.details == stopped_desktop.details
    assert start_timed_out(wait, 30).headline == "Docker Desktop did not answer within 30 seconds."
    assert stopped(wait) == wait  # a start under way is not called "stopped"


def test_docker_that_went_away_says_stopped_and_that_files_are_safe() -> None:
    gone = stopped(diagnose(COMPUTERS["debian, service stopped"]))
    assert (gone.case, gone.headline) == (EngineCase.STOPPED, "Docker stopped.")
    assert gone.next_step.startswith("Your files are safe. Start the Docker service")
    assert gone.command == "sudo systemctl start docker"
    other = unreachable("The computer at lab.example does not answer.", "Check the network.")
    assert (other.case, other.headline, other.next_step) == (
        EngineCase.UNREACHABLE, "The computer at lab.example does not answer.", "Check the network."
    )  # fmt: skip


# --- the facts, from a computer built in a folder ------------------------------------


def test_linux_facts_from_files(tmp_path: Path) -> None:
    (tmp_path / "usr/bin").mkdir(parents=True)
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/os-release").write_text(
        'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n'
    )
    attempt = Attempt(DEFAULT_SOCKET, "default socket", REFUSED)
    facts = gather_facts((attempt,), platform="linux", environ={}, home=tmp_path, root=tmp_path)
    assert (facts.engine_installed, facts.desktop_start) == (False, ())
    assert facts.distribution == ("linuxmint", "ubuntu", "debian")
    assert diagnose(facts).command == "sudo apt install docker.io"
    (tmp_path / "usr/bin/dockerd").write_bytes(b"")
    facts = gather_facts((attempt,), platform="linux", environ={}, home=tmp_path, root=tmp_path)
    assert facts.engine_installed and facts.tried == (attempt,)
    assert diagnose(facts).case == EngineCase.SERVICE_STOPPED
    (tmp_path / "opt/docker-desktop").mkdir(parents=True)
    facts = gather_facts((), platform="linux", environ={}, home=tmp_path, root=tmp_path)
    assert facts.desktop_start == ("systemctl", "--user", "start", "docker-desktop")
    assert diagnose(facts).case == EngineCase.DESKTOP_NOT_RUNNING


def test_os_release_falls_back_and_may_be_missing(tmp_path: Path) -> None:
    assert linux_distribution(tmp_path) == ()
    (tmp_path / "usr/lib").mkdir(parents=True)
    (tmp_path / "usr/lib/os-release").write_text("ID=fedora\n")
    assert linux_distribution(tmp_path) == ("fedora",)


def test_start_command_per_system(tmp_path: Path) -> None:
    home, root = tmp_path / "home", tmp_path / "root"
    home.mkdir()
    root.mkdir()
    assert desktop_start_command("darwin", environ={}, home=home, root=root) == ()
    (home / "Applications/Docker.app").mkdir(parents=True)  # installed for this user only
    assert desktop_start_command("darwin", environ={}, home=home, root=root) == (
        "open", "-a", "Docker"
    )  # fmt: skip
    assert desktop_start_command("linux", environ={}, home=home, root=root) == ()
    (root / "usr/lib/systemd/user").mkdir(parents=True)
    (root / "usr/lib/systemd/user/docker-desktop.service").write_text("[Unit]\n")
    assert desktop_start_command("linux", environ={}, home=home, root=root) == (
        "systemctl", "--user", "start", "docker-desktop"
    )  # fmt: skip
    machine, user = tmp_path / "Program Files", tmp_path / "AppData/Local"
    environ = {"ProgramFiles": str(machine), "LOCALAPPDATA": str(user)}
    assert desktop_start_command("win32", environ=environ, home=home, root=root) == ()
    per_user = user / "Programs/Docker/Docker/Docker Desktop.exe"
    per_user.parent.mkdir(parents=True)
    per_user.write_bytes(b"MZ")
    assert desktop_start_command("win32", environ=environ) == (str(per_user),)
    for_all = machine / "Docker/Docker/Docker Desktop.exe"
    for_all.parent.mkdir(parents=True)
    for_all.write_bytes(b"MZ")
    assert desktop_start_command("win32", environ=environ) == (str(for_all),)  # the usual one


def test_a_start_command_that_fails_is_a_sentence(tmp_path: Path) -> None:
    run_start_command([sys.executable, "-c", "pass"], "linux")
    with pytest.raises(DockerDesktopStartFailed) as caught:
        script = "import sys; sys.exit('Unit docker-desktop.service not found.')"
        run_start_command([sys.executable, "-c", script], "linux")
    assert caught.value.message == "Docker Desktop could not be started."
    assert caught.value.hint.endswith("The system said: Unit docker-desktop.service not found.")
    with pytest.raises(DockerDesktopStartFailed):
        run_start_command([str(tmp_path / "no-such-program")], "darwin")


def test_facts_for_another_system_skip_linux_only_checks(tmp_path: Path) -> None:
    facts = gather_facts((), platform="darwin", environ={}, home=tmp_path, root=tmp_path)
    assert facts == replace(EngineFacts("darwin"), machine=facts.machine)


def test_waiting_for_docker_desktop_gives_up_in_time() -> None:
    looked = []

    def connect() -> Engine:
        looked.append(time.monotonic())
        diagnosis = diagnose(COMPUTERS["mac, desktop stopped"])
        raise NoEngineFound(diagnosis.headline, diagnosis.as_hint(), (), diagnosis)

    started = time.monotonic()
    with pytest.raises(NoEngineFound) as caught:
        wait_until_answering(connect, 0.3, 0.05)
    assert 0.2 <= time.monotonic() - started < 1.0
    assert len(looked) >= 4
    assert caught.value.message == "Docker Desktop did not answer within 0.3 seconds."
    assert caught.value.diagnosis is not None
    assert caught.value.diagnosis.case == EngineCase.START_TIMED_OUT
