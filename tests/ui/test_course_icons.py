"""Course icons from the catalogue's ``logo``, in the real window: fetched in a job, shown
in the course list and on the first run's page, and hostile files shown as no icon."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from launcher.core.launcher import Launcher
from launcher.ui.course_icons import ICON_SIDE, JOB_KEY, decode_logo
from launcher.ui.widgets.course_list import ID_ROLE
from tests.helpers.pictures import png
from tests.helpers.window import CapturedOpener, open_window, screenshot

COURSE = """
[[course]]
id = "{id}"
code = "{code}"
presentation = "25J"
title = "{title}"
image = "example.org/{id}:25j"
workspace = "/home/student/work"
logo = "icons/{logo}"
[[course.services]]
name = "Jupyter"
port = 8888
"""
NO_ENGINE = "unix:///nonexistent/engine.sock"  # the icons need no Docker


def coloured_png(side: int = 48) -> bytes:
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(0x2A7AB0)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, "PNG")
    return bytes(data.data())


def write_catalogue(folder: Path) -> Path:
    icons = folder / "icons"
    icons.mkdir(parents=True)
    (icons / "good.png").write_bytes(coloured_png())
    (icons / "garbage.png").write_bytes(b"\x00\x01not a picture at all" * 50)
    lying = bytearray(png(16, 16))
    lying[-30:-12] = b"\xff" * 18  # the header says 16 x 16; the picture data is broken
    (icons / "lying.png").write_bytes(bytes(lying))
    (icons / "cut.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 40)
    courses = [
        ("good", "G100", "Good logo", "good.png"),
        ("garbage", "B200", "Garbage", "garbage.png"),
        ("lying", "B300", "Lying header", "lying.png"),
        ("cut", "B400", "Cut JPEG", "cut.jpg"),
    ]
    text = "schema = 1\n" + "".join(
        COURSE.format(id=i, code=c, title=t, logo=logo) for i, c, t, logo in courses
    )
    path = folder / "catalogue.toml"
    path.write_text(text)
    return path


def test_logos_become_icons_and_hostile_files_none(
    qtbot: QtBot, tmp_path: Path, opener: CapturedOpener
) -> None:
    catalogue = write_catalogue(tmp_path / "publisher")
    launcher = Launcher.open(catalogues=[str(catalogue)], engine=NO_ENGINE)
    window = open_window(qtbot, launcher, opener, first_run=True)
    try:
        qtbot.waitUntil(lambda: bool(window.icons.icons), timeout=15_000)
        qtbot.waitUntil(lambda: not window.runner.busy(JOB_KEY), timeout=5_000)
        assert set(window.icons.icons) == {"good"}
        listed = window.courses.list
        with_icon = {
            str(listed.item(row).data(ID_ROLE))
            for row in range(listed.count())
            if not listed.item(row).icon().isNull()
        }
        assert with_icon == {"good"}
        welcome = window.welcome
        assert welcome is not None
        row = welcome.visible_ids().index("good")
        item = welcome.list.topLevelItem(row)
        assert item is not None and not item.icon(0).isNull()
        lying = welcome.list.topLevelItem(welcome.visible_ids().index("lying"))
        assert lying is not None and lying.icon(0).isNull()
        screenshot(window, "course-icons")
        kept = list((launcher.paths.cache / "logos").iterdir())
        assert len(kept) == 2  # good and lying pass the header check; garbage and cut do not
    finally:
        window.close()
        launcher.close()


def test_decoding_scales_and_refuses_what_is_not_a_picture(tmp_path: Path) -> None:
    good = tmp_path / "good.img"
    good.write_bytes(coloured_png(300))
    image = decode_logo(good)
    assert image is not None and image.width() == ICON_SIDE and image.height() == ICON_SIDE
    svg = tmp_path / "drawing.img"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    assert decode_logo(svg) is None
    huge = tmp_path / "huge.img"
    huge.write_bytes(png(2000, 10))
    assert decode_logo(huge) is None
