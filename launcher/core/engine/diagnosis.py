"""Why no Docker engine answers on this computer, and the one thing to do next.

``diagnose`` turns facts about this computer (:class:`EngineFacts`: the system, which
Docker programs are installed, what each address said, the docker group) into an
:class:`EngineDiagnosis`: which case it is, a headline, one next step in plain words
and, when they help, a command to copy, a link and the offer to start Docker Desktop.
The facts are gathered in :mod:`launcher.core.engine.facts`; this module only decides,
so tests feed it recorded facts for each system. Every word is plain text: the window
shows it as it is and the command line prints it, so no markup characters anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from launcher.core.engine.model import Attempt

PERMISSION_DENIED = "permission denied"  # the reason an address gave, see errors.py

INSTALL_LINKS = {
    "win32": "https://docs.docker.com/desktop/setup/install/windows-install/",
    "darwin": "https://docs.docker.com/desktop/setup/install/mac-install/",
    "linux": "https://docs.docker.com/engine/install/",
}
# /etc/os-release ID (or ID_LIKE) → the command that installs Docker from its packages
LINUX_INSTALL_COMMANDS = {
    "debian": "sudo apt install docker.io",
    "ubuntu": "sudo apt install docker.io",
    "fedora": "sudo dnf install moby-engine",
    "arch": "sudo pacman -S docker",
    "opensuse": "sudo zypper install docker",
    "suse": "sudo zypper install docker",
}
GROUP_COMMAND = "sudo usermod -aG docker $USER"
SERVICE_COMMAND = "sudo systemctl start docker"
ROOTLESS_COMMAND = "systemctl --user start docker"
_OTHER_PROGRAMS = ("Colima", "Rancher Desktop", "Podman")
_OPEN_DESKTOP_FROM = {
    "win32": "the Start menu",
    "darwin": "Applications",
    "linux": "your applications menu",
}


class EngineCase(StrEnum):
    LOOKING = "looking"  # the search is under way: not a diagnosis yet
    NOT_INSTALLED = "not-installed"
    DESKTOP_NOT_RUNNING = "desktop-not-running"
    SERVICE_STOPPED = "service-stopped"
    PERMISSION_DENIED = "permission-denied"
    SETTING_UNREACHABLE = "setting-unreachable"  # the address set, DOCKER_HOST or a context
    NOT_ANSWERING = "not-answering"  # another Docker program's socket, silent
    STARTING = "starting"
    START_TIMED_OUT = "start-timed-out"
    START_FAILED = "start-failed"
    STOPPED = "stopped"  # it answered, then went away
    UNREACHABLE = "unreachable"  # any other reason (an engine over SSH …), in its own words


@dataclass(frozen=True)
class EngineFacts:
    """What this computer says about Docker, gathered once when no engine answered."""

    platform: str  # "linux", "darwin" or "win32"
    tried: tuple[Attempt, ...] = ()
    explicit: str | None = None  # the engine address the launcher is set to use
    desktop_start: tuple[str, ...] = ()  # the command that starts Docker Desktop, if installed
    engine_installed: bool = False  # Linux: dockerd or its service is installed
    distribution: tuple[str, ...] = ()  # Linux: os-release ID then ID_LIKE, lower case
    machine: str = ""  # "arm64", "x86_64" …
    in_docker_group: bool = False  # Linux: this account is listed in the docker group
    group_active: bool = False  # … and this login already has it


@dataclass(frozen=True)
class EngineDiagnosis:
    """What the window's Docker page and the command line say when Docker is not usable."""

    case: EngineCase
    headline: str
    next_step: str
    command: str = ""  # a command to copy and run in a terminal
    link: str = ""
    link_label: str = ""
    start_desktop: bool = False  # offer to start Docker Desktop
    details: tuple[str, ...] = ()  # the technical details: addresses tried and why

    def as_hint(self) -> str:
        """The next step, command, link and details as lines (the command line's hint)."""
        lines = [self.next_step]
        lines += [f"  {self.command}"] if self.command else []
        lines += [f"{self.link_label}: {self.link}"] if self.link else []
        return "\n".join(lines + list(self.details))


LOOKING = EngineDiagnosis(
    EngineCase.LOOKING,
    "Looking for Docker…",
    "Course environments run in Docker. This takes a moment.",
)


def diagnose(facts: EngineFacts) -> EngineDiagnosis:
    """The case this computer is in, decided from its facts, most specific first."""
    plat = facts.platform if facts.platform in ("win32", "darwin") else "linux"
    details = _details(facts)
    if any(attempt.reason == PERMISSION_DENIED for attempt in facts.tried):
        return replace(_permission_denied(facts, plat), details=details)
    if facts.desktop_start:
        return EngineDiagnosis(
            EngineCase.DESKTOP_NOT_RUNNING,
            "Docker Desktop is installed but not running.",
            f"Start Docker Desktop from {_OPEN_DESKTOP_FROM[plat]}, wait until it says "
            "it is running, then press Retry.",
            start_desktop=True,
            details=details,
        )
    configured = [a for a in facts.tried if a.found_by in ("setting", "DOCKER_HOST")]
    configured += [a for a in facts.tried if a.found_by.startswith("context ")]
    if configured:
        headline, undo = _configured(configured[0])
        return EngineDiagnosis(
            EngineCase.SETTING_UNREACHABLE,
            headline,
            f"Start that engine, or {undo} so that the launcher looks for Docker by "
            "itself, then press Retry.",
            details=details,
        )
    rootless = any(a.found_by == "rootless Docker" for a in facts.tried)
    if plat == "linux" and (facts.engine_installed or rootless):
        return EngineDiagnosis(
            EngineCase.SERVICE_STOPPED,
            "Docker is installed but not running.",
            "Start your own Docker service with the command below, then press Retry."
            if rootless
            else "Start the Docker service with the command below (it asks for your "
            "password), then press Retry.",
            command=ROOTLESS_COMMAND if rootless else SERVICE_COMMAND,
            details=details,
        )
    # A unix socket is tried only when its file exists; a named pipe is always tried.
    other = [
        a.found_by
        for a in facts.tried
        if a.found_by in _OTHER_PROGRAMS and not a.address.startswith("npipe:")
    ]
    if other:
        return EngineDiagnosis(
            EngineCase.NOT_ANSWERING,
            f"{other[0]} is installed but not answering.",
            f"Start {other[0]}, wait until it is running, then press Retry.",
            details=details,
        )
    return replace(_not_installed(facts, plat), details=details)


def _configured(attempt: Attempt) -> tuple[str, str]:
    """The headline, and how to stop using that engine."""
    if attempt.found_by == "setting":
        return (
            "The Docker engine the launcher is set to use does not answer.",
            "clear the engine address in Settings",
        )
    if attempt.found_by == "DOCKER_HOST":
        return (
            "The Docker engine named by DOCKER_HOST does not answer.",
            "remove the DOCKER_HOST variable",
        )
    return (
        f"The Docker engine of the Docker {attempt.found_by} does not answer.",
        "switch to the default Docker context",
    )


def _permission_denied(facts: EngineFacts, plat: str) -> EngineDiagnosis:
    case = EngineCase.PERMISSION_DENIED
    if plat == "win32":
        return EngineDiagnosis(
            case,
            "Docker Desktop is running, but your Windows account may not use it.",
            "Ask whoever looks after this computer to add you to the docker-users group "
            "(Computer Management, Local Users and Groups, Groups, docker-users), then "
            "sign out and in again and press Retry.",
        )
    if plat == "darwin":
        return EngineDiagnosis(
            case,
            "Docker Desktop is running, but this user account may not use it.",
            "Quit Docker Desktop, open it again while logged in as yourself, then press Retry.",
        )
    if facts.in_docker_group and not facts.group_active:
        return EngineDiagnosis(
            case,
            "Docker is running, but this login cannot use it yet.",
            "Your account was added to the docker group after you logged in. Log out and "
            "back in (or restart the computer), then press Retry.",
        )
    if facts.in_docker_group:
        return EngineDiagnosis(
            case,
            "Docker is running, but it refused your account.",
            "Your account is in the docker group, yet Docker's socket refused it. Ask "
            "whoever looks after this computer to check the socket's permissions (see "
            "Details), then press Retry.",
        )
    return EngineDiagnosis(
        case,
        "Docker is running, but your account may not use it.",
        "On Linux only members of the docker group may use Docker. Add yourself with "
        "the command below (it asks for your password), log out and back in, then "
        "press Retry.",
        command=GROUP_COMMAND,
    )


def _not_installed(facts: EngineFacts, plat: str) -> EngineDiagnosis:
    case, link = EngineCase.NOT_INSTALLED, INSTALL_LINKS[plat]
    if plat == "win32":
        return EngineDiagnosis(
            case,
            "Docker Desktop is not installed.",
            "Course environments run in Docker. Install Docker Desktop for Windows, "
            "start it once, then press Retry.",
            link=link,
            link_label="Get Docker Desktop for Windows",
        )
    if plat == "darwin":
        chip = "Apple silicon" if facts.machine in ("arm64", "aarch64") else "an Intel chip"
        return EngineDiagnosis(
            case,
            "Docker Desktop is not installed.",
            f"Course environments run in Docker. Install Docker Desktop for Mac with "
            f"{chip} (the kind of processor this Mac has), open it once, then press Retry.",
            link=link,
            link_label="Get Docker Desktop for Mac",
        )
    command = next(
        (LINUX_INSTALL_COMMANDS[d] for d in facts.distribution if d in LINUX_INSTALL_COMMANDS),
        "",
    )
    return EngineDiagnosis(
        case,
        "Docker is not installed.",
        "Course environments run in Docker. Install it with the command below (it asks "
        "for your password), then press Retry."
        if command
        else "Course environments run in Docker. Install Docker Engine the way the "
        "link shows for your Linux distribution, then press Retry.",
        command=command,
        link=link,
        link_label="How to install Docker on Linux",
    )


def _details(facts: EngineFacts) -> tuple[str, ...]:
    lines = []
    if facts.explicit:
        lines.append(
            f"The launcher is set to use the engine at {facts.explicit} and looks nowhere else."
        )
    if facts.tried:
        lines.append("Addresses tried:")
        lines += [f"  {attempt.address}: {attempt.reason}" for attempt in facts.tried]
    else:
        lines.append("No Docker socket was found on this computer.")
    return tuple(lines)


def starting(last: EngineDiagnosis) -> EngineDiagnosis:
    """Docker Desktop was started and has not answered yet."""
    return EngineDiagnosis(
        EngineCase.STARTING,
        "Docker Desktop is starting…",
        "This can take a minute or two. The launcher carries on by itself as soon as "
        "Docker answers.",
        details=last.details,
    )


def start_timed_out(last: EngineDiagnosis, waited: float) -> EngineDiagnosis:
    """Docker Desktop was started ``waited`` seconds ago and has still not answered."""
    took = f"{waited / 60:g} minutes" if waited >= 120 else f"{waited:g} seconds"
    return EngineDiagnosis(
        EngineCase.START_TIMED_OUT,
        f"Docker Desktop did not answer within {took}.",
        "Open Docker Desktop and see what it says (it may ask you to accept its terms "
        "or to update), then press Retry.",
        start_desktop=True,
        details=last.details,
    )


def start_failed(last: EngineDiagnosis, message: str, hint: str) -> EngineDiagnosis:
    return EngineDiagnosis(
        EngineCase.START_FAILED, message, hint, start_desktop=False, details=last.details
    )


def stopped(last: EngineDiagnosis) -> EngineDiagnosis:
    """Docker answered earlier and has gone away: the student's work is not lost."""
    if last.case in (EngineCase.STARTING, EngineCase.START_TIMED_OUT, EngineCase.START_FAILED):
        return last  # the student is already doing something about it
    return replace(
        last,
        case=EngineCase.STOPPED,
        headline="Docker stopped.",
        next_step=f"Your files are safe. {last.next_step}",
    )


def unreachable(message: str, hint: str) -> EngineDiagnosis:
    """Any other reason Docker cannot be used, in the words the error gave."""
    return EngineDiagnosis(EngineCase.UNREACHABLE, message, hint)
