"""Start Course Launcher when the student logs in: off unless they switch it on.

Each system has its own place for this, and the launcher writes only there:

* Linux and other XDG desktops: ``$XDG_CONFIG_HOME/autostart/course-launcher.desktop``
  (``~/.config/autostart``), the freedesktop.org autostart specification;
* macOS: ``~/Library/LaunchAgents/org.course-launcher.launcher.plist`` with ``RunAtLoad``;
* Windows: the value ``Course Launcher`` under the user's
  ``HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run`` key.

The entry on disk (or in the registry) is the truth; the setting only remembers the
choice. ``purge`` removes the entry with everything else.
"""

from __future__ import annotations

import os
import plistlib
import sys
from dataclasses import dataclass
from pathlib import Path

from launcher import APP_NAME
from launcher.core.errors import AutostartError
from launcher.core.local.files import write_atomic

ENTRY_NAME = "course-launcher"
MAC_LABEL = "org.course-launcher.launcher"
WINDOWS_RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


@dataclass(frozen=True)
class Autostart:
    """Where this system keeps the entry, and the command it runs."""

    platform: str  # "linux", "darwin" or "win32"
    command: tuple[str, ...]

    @property
    def entry(self) -> Path | None:
        """The file that holds the entry; None on Windows (it is a registry value)."""
        if self.platform == "win32":
            return None
        if self.platform == "darwin":
            return Path.home() / "Library" / "LaunchAgents" / f"{MAC_LABEL}.plist"
        config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        return Path(config) / "autostart" / f"{ENTRY_NAME}.desktop"


def launch_command() -> tuple[str, ...]:
    """How to start this launcher again: the app itself when it is a bundle, else this
    Python running the package (a checkout or a pip install)."""
    if getattr(sys, "frozen", False):
        return (sys.executable,)
    return (sys.executable, "-m", "launcher")


def this_system() -> Autostart:
    platform = "win32" if sys.platform == "win32" else sys.platform
    if platform not in ("win32", "darwin"):
        platform = "linux"
    return Autostart(platform, launch_command())


def _desktop_quote(argument: str) -> str:
    """Quoting as the Desktop Entry spec wants it: double quotes, and inside them a
    backslash before ", `, $ and \\ (single quotes mean nothing there)."""
    if argument and not any(c in argument for c in " \t\n\"'\\><~|&;$*?#()`=%"):
        return argument
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in argument)
    return f'"{escaped}"'.replace("%", "%%")


def _exec_value(command: tuple[str, ...]) -> str:
    # The string-level escape applies first when the file is read, so each backslash
    # the quoting wrote is doubled once more.
    return " ".join(_desktop_quote(part) for part in command).replace("\\", "\\\\")


def desktop_entry(command: tuple[str, ...]) -> str:
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name={APP_NAME}\n"
        "Comment=Start your course environments\n"
        f"Exec={_exec_value(command)}\n"
        "Icon=course-launcher\n"
        "Terminal=false\n"
        "X-GNOME-Autostart-enabled=true\n"
    )


def launch_agent(command: tuple[str, ...]) -> bytes:
    return plistlib.dumps(
        {"Label": MAC_LABEL, "ProgramArguments": list(command), "RunAtLoad": True}
    )


def _failed(action: str, exc: OSError) -> AutostartError:
    return AutostartError(
        f"Course Launcher could not {action} its entry to start when you log in "
        f"({exc.strerror or exc}).",
        "Your other settings are saved. Check that your user folder is writable, then try again.",
    )


def is_enabled(system: Autostart | None = None) -> bool:
    system = system or this_system()
    if system.platform == "win32":  # pragma: no cover - Windows only
        return _windows_value() is not None
    entry = system.entry
    return entry is not None and entry.is_file()


def set_enabled(enabled: bool, system: Autostart | None = None) -> None:
    """Write or remove the entry; doing what is already done changes nothing."""
    system = system or this_system()
    if system.platform == "win32":  # pragma: no cover - Windows only
        _set_windows(enabled, system.command)
        return
    entry = system.entry
    assert entry is not None
    if not enabled:
        try:
            entry.unlink(missing_ok=True)
        except OSError as exc:
            raise _failed("remove", exc) from exc
        return
    body = (
        launch_agent(system.command)
        if system.platform == "darwin"
        else desktop_entry(system.command).encode("utf-8")
    )
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(entry, body, mode=0o644)
    except OSError as exc:
        raise _failed("write", exc) from exc


if sys.platform == "win32":  # pragma: no cover - Windows only
    import subprocess
    import winreg

    def _windows_value() -> str | None:
        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, WINDOWS_RUN_KEY) as key:
                value, _kind = winreg.QueryValueEx(key, APP_NAME)
        except OSError:
            return None
        return str(value)

    def _set_windows(enabled: bool, command: tuple[str, ...]) -> None:
        try:
            with winreg.CreateKey(winreg.HKEY_CURRENT_USER, WINDOWS_RUN_KEY) as key:
                if enabled:
                    value = subprocess.list2cmdline(list(command))
                    winreg.SetValueEx(key, APP_NAME, 0, winreg.REG_SZ, value)
                elif _windows_value() is not None:
                    winreg.DeleteValue(key, APP_NAME)
        except OSError as exc:
            raise _failed("write" if enabled else "remove", exc) from exc

else:

    def _windows_value() -> str | None:
        return None

    def _set_windows(enabled: bool, command: tuple[str, ...]) -> None:
        raise AutostartError("The Windows login entry can only be set on Windows.")
