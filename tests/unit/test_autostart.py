"""The login entry: written where each system looks, removed without a trace."""

from __future__ import annotations

import configparser
import plistlib
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from launcher.core.errors import AutostartError
from launcher.core.local import autostart
from launcher.core.local.autostart import Autostart


def test_linux_entry_is_a_valid_desktop_file_that_runs_this_launcher(tmp_path: Path) -> None:
    system = autostart.this_system()
    assert system.platform == "linux"
    assert system.command == (sys.executable, "-m", "launcher")
    entry = system.entry
    assert entry == tmp_path / "xdg-config" / "autostart" / "course-launcher.desktop"
    assert not autostart.is_enabled()
    autostart.set_enabled(True)
    assert autostart.is_enabled()
    parsed = configparser.ConfigParser(interpolation=None)
    parsed.read(entry, encoding="utf-8")
    desktop = parsed["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert shlex.split(desktop["Exec"]) == list(system.command)
    assert entry.stat().st_mode & 0o777 == 0o644
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(
            ["desktop-file-validate", str(entry)], capture_output=True, text=True, check=False
        )
        assert check.returncode == 0, check.stdout + check.stderr
    autostart.set_enabled(True)  # again: the same one entry
    assert [p.name for p in entry.parent.iterdir()] == [entry.name]
    autostart.set_enabled(False)
    assert not entry.exists() and not autostart.is_enabled()
    autostart.set_enabled(False)  # removing what is gone is not an error


def test_a_command_with_spaces_and_quotes_is_quoted_as_the_desktop_spec_says() -> None:
    entry = autostart.desktop_entry(('/opt/My Apps/py"thon', "-m", "launcher", "50%"))
    assert 'Exec="/opt/My Apps/py\\\\"thon" -m launcher "50%%"\n' in entry


def test_macos_launch_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    system = Autostart("darwin", ("/Applications/Course Launcher.app/Contents/MacOS/app",))
    autostart.set_enabled(True, system)
    assert system.entry == (
        tmp_path / "home/Library/LaunchAgents/org.course-launcher.launcher.plist"
    )
    agent = plistlib.loads(system.entry.read_bytes())
    assert agent == {
        "Label": "org.course-launcher.launcher",
        "ProgramArguments": ["/Applications/Course Launcher.app/Contents/MacOS/app"],
        "RunAtLoad": True,
    }
    assert autostart.is_enabled(system)
    autostart.set_enabled(False, system)
    assert not autostart.is_enabled(system)


def test_an_unwritable_place_gives_a_sentence_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the config folder should be")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))
    with pytest.raises(AutostartError) as caught:
        autostart.set_enabled(True)
    assert "could not write its entry to start when you log in" in caught.value.message
    assert "Your other settings are saved" in caught.value.hint
