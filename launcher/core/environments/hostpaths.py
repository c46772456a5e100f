"""Turn the folder a student picked into the bind-mount ``Source`` the engine accepts.

Pure functions of a string and a platform name (``"win32"``, ``"darwin"``, ``"linux"``),
so every case is testable on any operating system.

Windows: the path is sent in native form, ``C:\\Users\\Ann\\TM351``, as the docker CLI
sends it. The CLI passes ``--mount source=…`` through verbatim (``opts/mount.go``) and,
for ``-v``, only turns a ``./relative`` part into ``filepath.Abs`` (a ``C:\\…`` path,
``cli/command/container/opts.go``); Docker Desktop then maps native Windows paths
to its VM's ``/run/desktop/mnt/host/c/…`` (docker/cli#5306, docker/for-win#14271).
Git Bash / MSYS (``/c/Users/Ann``), Cygwin (``/cygdrive/c/…``) and WSL-style
(``/mnt/c/…``) spellings are turned into that form. ``\\\\wsl$\\…`` and
``\\\\wsl.localhost\\…`` shares are refused with a clear :class:`WorkspaceError`:
Docker Desktop does not bind-mount them from the Windows side (docker/for-win#5888),
and other network (UNC) folders are refused for the same reason.

Use the result as ``docker.types.Mount(target, source, type="bind")``, not in a
``"src:dst"`` bind string, where a drive letter's colon is ambiguous.
"""

from __future__ import annotations

import ntpath
import posixpath
import re
from pathlib import PurePath, PureWindowsPath

from launcher.core.errors import WorkspaceError

#: Folders Docker Desktop for Mac shares with containers out of the box.
MACOS_SHARED = ("/Users", "/Volumes", "/private", "/tmp", "/var/folders")  # noqa: S108

_PICK_AGAIN = "Choose the folder again with the Browse… button."
_MSYS = re.compile(r"/(?:cygdrive/|mnt/)?([A-Za-z])(/.*)?")
_WINDOWS_FORBIDDEN = set('<>"|?*')


def mount_source(folder: str | PurePath, platform: str) -> str:
    """The bind-mount source for ``folder`` on ``platform``; WorkspaceError if unusable."""
    text = str(folder).strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].strip()  # Windows Explorer's "Copy as path" adds quotes
    if not text:
        raise WorkspaceError("No folder was chosen for your course files.", _PICK_AGAIN)
    if "\x00" in text:
        raise WorkspaceError("The folder name contains an invalid character.", _PICK_AGAIN)
    return _windows(text) if platform == "win32" else _posix(text)


def _windows(original: str) -> str:
    text = original
    if text.startswith(("\\\\?\\UNC\\", "//?/UNC/")):
        text = "\\\\" + text[8:]
    elif text.startswith(("\\\\?\\", "//?/")):
        text = text[4:]  # long-path prefix
    msys = _MSYS.fullmatch(text)
    if msys:
        text = f"{msys[1]}:{msys[2] or '/'}"
    text = text.replace("/", "\\")
    if text.startswith("\\\\"):
        host = text[2:].split("\\", 1)[0].lower()
        if host in ("wsl$", "wsl.localhost"):
            raise WorkspaceError(
                f"{text} is inside WSL, and Docker Desktop cannot share WSL folders "
                "with the course environment.",
                "Choose a folder on your Windows drive instead, for example in Documents.",
            )
        raise WorkspaceError(
            f"{text} is a network folder, which Docker Desktop cannot share reliably.",
            "Choose a folder on this computer's own drive, for example in Documents.",
        )
    path = PureWindowsPath(text)
    if not path.drive or not path.root:
        raise WorkspaceError(
            f"'{original}' is not a full folder path (it needs a drive letter, like C:\\).",
            _PICK_AGAIN,
        )
    rest = ntpath.normpath(str(path))[len(path.drive) :]
    if _WINDOWS_FORBIDDEN.intersection(rest) or ":" in rest:
        raise WorkspaceError(
            f"'{original}' contains characters Windows does not allow in folder names.",
            _PICK_AGAIN,
        )
    return path.drive.upper() + rest


def _posix(text: str) -> str:
    if not text.startswith("/"):
        raise WorkspaceError(
            f"'{text}' is not a full folder path (it should start with /).", _PICK_AGAIN
        )
    normal = posixpath.normpath(text)
    return "/" + normal.lstrip("/")  # normpath keeps a leading "//"


def sharing_warning(folder: str | PurePath, platform: str) -> str | None:
    """On macOS, a warning when Docker Desktop does not share ``folder`` by default.

    None on other platforms, for shared folders, and for paths :func:`mount_source`
    refuses (it reports those itself). macOS folder names ignore case, so this does too.
    """
    if platform != "darwin":
        return None
    try:
        path = mount_source(folder, platform)
    except WorkspaceError:
        return None
    lowered = path.lower()
    if any(lowered == top.lower() or lowered.startswith(top.lower() + "/") for top in MACOS_SHARED):
        return None
    return (
        f"Docker Desktop does not share {path} with containers unless you add it, so "
        "your files may not appear in the course environment. Choose a folder inside "
        f"your home folder, or add {path} in Docker Desktop under Settings > Resources > "
        "File sharing."
    )
