"""The catalogue's ``logo`` key: what it may be, where it is looked for, and the copy
kept for offline use (real files, and a real web server on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from launcher.core.catalogue.logos import (
    MAX_LOGO_BYTES,
    cache_path,
    course_logo,
    course_logos,
    image_kind,
    logo_location,
)
from launcher.core.catalogue.model import Course, parse_catalogue
from launcher.core.catalogue.writer import course_to_toml
from launcher.core.errors import CatalogueEntryError
from tests.helpers.pictures import jpeg, png
from tests.helpers.web_site import Site

COURSE = """schema = 1
[[course]]
id = "logo-course"
code = "L101"
presentation = "25J"
title = "Logos"
image = "example.org/logos:25j"
workspace = "/home/student/work"
{logo}
[[course.services]]
name = "Jupyter"
port = 8888
"""


def course_with(logo: str | None, source: str = "catalogue.toml") -> Course:
    line = f"logo = {logo!r}".replace("'", '"') if logo is not None else ""
    return parse_catalogue(COURSE.format(logo=line), source).get("logo-course")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    root = tmp_path / "site"
    root.mkdir()
    served = Site(root)
    served.start()
    yield served
    served.stop()


@pytest.mark.parametrize("logo", [
    "https://example.org/logos/l101.png", "http://127.0.0.1:8000/l.png", "logo.png",
    "icons/L101-25J.jpeg", "icons/x.JPG",
])  # fmt: skip
def test_a_logo_is_an_https_address_or_a_path_next_to_the_catalogue(logo: str) -> None:
    assert course_with(logo).logo == logo


@pytest.mark.parametrize("logo", [
    "http://example.org/l.png", "https://user:secret@example.org/l.png", "ftp://example.org/l",
    "/etc/passwd.png", "../outside.png", "icons/../../x.png", "logo.svg", "logo",
    "C:\\\\logo.png", "icons//x.png", "my logo.png", "https:///nohost.png",
])  # fmt: skip
def test_a_logo_that_cannot_be_one_is_refused_naming_the_key(logo: str) -> None:
    with pytest.raises(CatalogueEntryError) as caught:
        course_with(logo)
    assert caught.value.key == "logo" and caught.value.course_id == "logo-course"


def test_a_relative_logo_is_looked_for_next_to_its_catalogue(tmp_path: Path) -> None:
    file_course = course_with("icons/l.png", str(tmp_path / "catalogue.toml"))
    assert logo_location(file_course) == str((tmp_path / "icons" / "l.png").resolve())
    web_course = course_with("icons/l.png", "https://example.org/courses/catalogue.toml")
    assert logo_location(web_course) == "https://example.org/courses/icons/l.png"
    assert logo_location(course_with(None)) is None


def test_a_link_out_of_the_catalogues_folder_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(png())
    folder = tmp_path / "catalogue"
    folder.mkdir()
    (folder / "logo.png").symlink_to(secret)
    course = course_with("logo.png", str(folder / "catalogue.toml"))
    assert logo_location(course) is None
    assert course_logo(course, tmp_path / "cache") is None


def test_only_small_png_and_jpeg_images_are_kept() -> None:
    assert image_kind(png()) == "png"
    assert image_kind(jpeg(64, 48)) == "jpeg"
    assert image_kind(jpeg(2000, 48)) is None  # a frame header promising a huge picture
    assert image_kind(jpeg(64, 48)[:-2]) is None  # cut short
    assert image_kind(b"\xff\xd8\xff\xe0" + b"\x00" * 100 + b"\xff\xd9") is None  # no frame
    assert image_kind(png(1024, 1024)) == "png"
    assert image_kind(png(1025, 16)) is None  # a header that promises a huge picture
    assert image_kind(png(16, 0)) is None
    assert image_kind(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None
    assert image_kind(b"\x89PNG\r\n\x1a\n") is None  # cut short
    assert image_kind(png() + b"\x00" * MAX_LOGO_BYTES) is None  # too large


def test_a_file_logo_is_copied_to_the_cache_and_used_when_the_file_is_gone(
    tmp_path: Path,
) -> None:
    (tmp_path / "icons").mkdir()
    (tmp_path / "icons" / "l.png").write_bytes(png())
    course = course_with("icons/l.png", str(tmp_path / "catalogue.toml"))
    cache = tmp_path / "cache"
    kept = course_logo(course, cache)
    assert kept is not None and kept.read_bytes() == png()
    assert kept.is_relative_to(cache / "logos")
    (tmp_path / "icons" / "l.png").unlink()  # the USB stick is gone: the copy stays
    assert course_logo(course, cache) == kept


def test_an_address_is_fetched_once_then_the_copy_works_offline(tmp_path: Path, site: Site) -> None:
    (site.root / "l.png").write_bytes(png())
    course = course_with(f"{site.url}/l.png")
    cache = tmp_path / "cache"
    assert course_logos([course], cache) == {"logo-course": cache_path(f"{site.url}/l.png", cache)}
    site.stop()  # offline now
    assert course_logos([course], cache) == {"logo-course": cache_path(f"{site.url}/l.png", cache)}
    assert [r["path"] for r in site.requests] == ["/l.png"]


def test_hostile_or_missing_logos_are_left_out_and_nothing_is_kept(
    tmp_path: Path, site: Site
) -> None:
    (site.root / "big.png").write_bytes(png() + b"\x00" * (MAX_LOGO_BYTES + 1))
    (site.root / "page.png").write_bytes(b"<html>not found</html>")
    (site.root / "huge.png").write_bytes(png(20_000, 20_000)[:200])
    cache = tmp_path / "cache"
    courses = [course_with(f"{site.url}/{name}") for name in ("big.png", "page.png", "huge.png",
                                                             "absent.png")]  # fmt: skip
    for course in courses:
        assert course_logo(course, cache) is None
    assert not (cache / "logos").exists() or not any((cache / "logos").iterdir())


def test_an_address_logo_travels_in_a_take_away_file_and_a_path_does_not() -> None:
    url_course = course_with("https://example.org/l.png")
    again = parse_catalogue(course_to_toml(url_course), "copy.toml").get("logo-course")
    assert again.logo == "https://example.org/l.png"
    path_course = course_with("icons/l.png")
    assert parse_catalogue(course_to_toml(path_course), "copy.toml").get("logo-course").logo is None
