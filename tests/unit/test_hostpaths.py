"""Folder the student picked → bind-mount source, per platform (pure, runs anywhere)."""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath

import pytest

from launcher.core.environments.hostpaths import mount_source, sharing_warning
from launcher.core.errors import WorkspaceError

ACCEPTED = [
    # (platform, what the student picked, what the engine is sent)
    ("win32", r"C:\Users\Ann\TM351", r"C:\Users\Ann\TM351"),
    ("win32", "C:/Users/Ann/TM351", r"C:\Users\Ann\TM351"),
    ("win32", "c:\\users\\ann\\tm351", r"C:\users\ann\tm351"),
    ("win32", "d:/Courses/", r"D:\Courses"),
    ("win32", "C:\\Users\\Ann\\TM351\\\\", r"C:\Users\Ann\TM351"),
    ("win32", "C:\\", "C:\\"),
    ("win32", "/c/Users/Ann/TM351", r"C:\Users\Ann\TM351"),
    ("win32", "/d", "D:\\"),
    ("win32", "/cygdrive/e/My Work", r"E:\My Work"),
    ("win32", "/mnt/c/Users/Ann", r"C:\Users\Ann"),
    ("win32", r"C:\Users\Ann Smith\OU Study\TM351 24J", r"C:\Users\Ann Smith\OU Study\TM351 24J"),
    ("win32", "C:/Users/Zoë/Études/数据", "C:\\Users\\Zoë\\Études\\数据"),
    ("win32", r"\\?\C:\Users\Ann\TM351", r"C:\Users\Ann\TM351"),
    ("win32", r"C:\Users\Ann\.\notes\..\TM351", r"C:\Users\Ann\TM351"),
    ("win32", '"C:\\Users\\Ann\\TM351"', r"C:\Users\Ann\TM351"),
    ("win32", PureWindowsPath(r"C:\Users\Ann"), r"C:\Users\Ann"),
    ("win32", PurePosixPath("/c/Users/Ann"), r"C:\Users\Ann"),
    ("darwin", "/Users/ann/TM351/", "/Users/ann/TM351"),
    ("darwin", "/Users/ann/Études 2024", "/Users/ann/Études 2024"),
    ("linux", "/home/ann/TM351", "/home/ann/TM351"),
    ("linux", "/home/ann//TM351/./", "/home/ann/TM351"),
    ("linux", "//home/ann", "/home/ann"),
    ("linux", "/home/ann/курс TM351", "/home/ann/курс TM351"),
    ("linux", "  /home/ann/TM351  ", "/home/ann/TM351"),
    ("linux", "/mnt/c/Users/ann", "/mnt/c/Users/ann"),  # inside WSL: a Linux path
    ("linux", PurePosixPath("/srv/data"), "/srv/data"),
]


@pytest.mark.parametrize(("platform", "picked", "expected"), ACCEPTED)
def test_mount_source(platform: str, picked: str, expected: str) -> None:
    assert mount_source(picked, platform) == expected


REFUSED = [
    # (platform, what the student picked, words the message must contain)
    ("win32", "", "No folder"),
    ("win32", "   ", "No folder"),
    ("win32", '""', "No folder"),
    ("win32", r"Users\Ann\TM351", "not a full folder path"),
    ("win32", r"\Users\Ann", "drive letter"),
    ("win32", "C:Users\\Ann", "not a full folder path"),
    ("win32", "/home/ann/TM351", "not a full folder path"),
    ("win32", r"\\wsl$\Ubuntu\home\ann\tm351", "inside WSL"),
    ("win32", r"\\wsl.localhost\Ubuntu\home\ann\tm351", "inside WSL"),
    ("win32", "//wsl.localhost/Ubuntu/home/ann", "inside WSL"),
    ("win32", r"\\fileserver\students\ann", "network folder"),
    ("win32", r"C:\Users\Ann\what?", "does not allow"),
    ("darwin", "Documents/TM351", "not a full folder path"),
    ("linux", "TM351", "not a full folder path"),
    ("linux", "~/TM351", "not a full folder path"),
    ("linux", "/home/ann/\x00x", "invalid character"),
    ("linux", "", "No folder"),
]


@pytest.mark.parametrize(("platform", "picked", "words"), REFUSED)
def test_mount_source_refuses(platform: str, picked: str, words: str) -> None:
    with pytest.raises(WorkspaceError) as caught:
        mount_source(picked, platform)
    assert words in caught.value.message
    assert caught.value.hint  # always says what to do next


def test_wsl_refusal_says_what_to_pick_instead() -> None:
    with pytest.raises(WorkspaceError) as caught:
        mount_source(r"\\wsl$\Ubuntu\home\ann", "win32")
    assert "Windows drive" in caught.value.hint


@pytest.mark.parametrize(
    "folder",
    [
        "/Users/ann/TM351",
        "/users/ann/TM351",  # macOS ignores case
        "/Volumes/USB stick/TM351",
        "/private/tmp/x",
        "/tmp/x",
        "/var/folders/ab/cd",
        "/Users",
    ],
)
def test_no_sharing_warning_for_shared_folders(folder: str) -> None:
    assert sharing_warning(folder, "darwin") is None


@pytest.mark.parametrize("folder", ["/opt/courses/TM351", "/Library/TM351", "/UsersX/ann"])
def test_sharing_warning_for_unshared_folders_on_macos(folder: str) -> None:
    warning = sharing_warning(folder, "darwin")
    assert warning is not None
    assert folder in warning
    assert "File sharing" in warning


@pytest.mark.parametrize(
    ("folder", "platform"),
    [("/opt/courses", "linux"), (r"D:\Courses", "win32"), ("relative/path", "darwin")],
)
def test_no_sharing_warning_elsewhere(folder: str, platform: str) -> None:
    assert sharing_warning(folder, platform) is None
