"""Loading catalogues from the bundled file, local files and web addresses.

Web addresses are served for real by ``http.server`` on 127.0.0.1; nothing is mocked.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from launcher.core.catalogue.sources import (
    LoadedCatalogue,
    cache_file,
    check_source,
    load_catalogues,
)
from launcher.core.errors import CatalogueError
from tests.helpers.web_site import BUNDLED_IDS, Site


def catalogue_text(*courses: tuple[str, str]) -> str:
    text = "schema = 1\n"
    for course_id, title in courses:
        text += f"""
[[course]]
id = "{course_id}"
code = "AB123"
presentation = "25J"
title = "{title}"
image = "localhost:5000/ab123:25j"
workspace = "/home/ou/AB123-25J"
[[course.services]]
name = "Web"
port = 8080
"""
    return text


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_bundled_catalogue_alone(cache_dir: Path) -> None:
    loaded = load_catalogues([], cache_dir)
    assert loaded.catalogue.ids == BUNDLED_IDS
    assert loaded.warnings == ()
    assert [(s.location, s.kind, s.loaded) for s in loaded.sources] == [
        ("bundled", "bundled", True)
    ]
    assert load_catalogues([], cache_dir, include_bundled=False).catalogue.ids == ()


def test_url_is_downloaded_cached_and_used_when_the_server_is_gone(
    site: Site, cache_dir: Path
) -> None:
    (site.root / "catalogue.toml").write_text(
        catalogue_text(("ab123-25j", "Remote course"), ("tm351-24j", "TM351 from the web"))
    )
    url = f"{site.url}/catalogue.toml"

    first = load_catalogues([url], cache_dir)
    assert first.warnings == ()
    assert first.catalogue.ids == (*BUNDLED_IDS, "ab123-25j")  # replaced in its place
    assert first.catalogue.get("tm351-24j").title == "TM351 from the web"
    assert first.catalogue.get("tm351-24j").source == url
    report = first.sources[1]
    assert (report.kind, report.loaded, report.from_cache) == ("url", True, False)
    assert report.fetched_at is not None and report.course_ids == ("ab123-25j", "tm351-24j")
    assert cache_file(url, cache_dir).read_text() == (site.root / "catalogue.toml").read_text()

    # Asked again while the server runs: a conditional request, answered "not modified".
    again = load_catalogues([url], cache_dir)
    assert "If-Modified-Since" in site.requests[-1]
    assert again.warnings == () and not again.sources[1].from_cache
    assert again.catalogue == first.catalogue

    site.stop()
    offline = load_catalogues([url], cache_dir)
    assert offline.catalogue == first.catalogue
    assert offline.sources[1].from_cache
    (warning,) = offline.warnings
    assert url in warning and "saved on" in warning and "could not be reached" in warning

    without_network = load_catalogues([url], cache_dir, offline=True)
    assert without_network.catalogue == first.catalogue
    assert "working offline" in without_network.warnings[0]


def test_unreachable_url_without_a_saved_copy(cache_dir: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/catalogue.toml"
    loaded = load_catalogues([url], cache_dir)
    assert loaded.catalogue.ids == BUNDLED_IDS
    (warning,) = loaded.warnings
    assert url in warning and "no saved copy" in warning
    assert not loaded.sources[1].loaded
    with pytest.raises(CatalogueError, match="could not be reached"):
        load_catalogues([url], cache_dir, strict=True)


def test_a_broken_download_keeps_the_saved_copy(site: Site, cache_dir: Path) -> None:
    served = site.root / "catalogue.toml"
    served.write_text(catalogue_text(("ab123-25j", "Good")))
    url = f"{site.url}/catalogue.toml"
    good = load_catalogues([url], cache_dir)
    saved = cache_file(url, cache_dir).read_bytes()

    served.write_text(catalogue_text(("ab123-25j", "Bad")).replace("port = 8080", "port = 0"))
    later_time = served.stat().st_mtime + 10  # Last-Modified has whole seconds
    os.utime(served, (later_time, later_time))
    later = load_catalogues([url], cache_dir)
    assert later.catalogue == good.catalogue
    (warning,) = later.warnings
    assert "has a mistake" in warning and '"services[1].port"' in warning and "saved on" in warning
    assert cache_file(url, cache_dir).read_bytes() == saved

    served.unlink()
    (warning,) = load_catalogues([url], cache_dir).warnings
    assert "404" in warning


def test_http_errors_and_oversized_files(site: Site, cache_dir: Path) -> None:
    (warning,) = load_catalogues([f"{site.url}/missing.toml"], cache_dir).warnings
    assert "404" in warning and "no saved copy" in warning
    (site.root / "huge.toml").write_bytes(b"#" * (1024 * 1024 + 10))
    (warning,) = load_catalogues([f"{site.url}/huge.toml"], cache_dir).warnings
    assert "too large" in warning


def test_redirects_are_checked_before_they_are_followed(site: Site, cache_dir: Path) -> None:
    (site.root / "catalogue.toml").write_text(catalogue_text(("ab123-25j", "Moved")))
    site.redirects["/old.toml"] = "/catalogue.toml"
    site.redirects["/away.toml"] = "http://example.org/catalogue.toml"  # never visited
    moved = load_catalogues([f"{site.url}/old.toml"], cache_dir)
    assert moved.warnings == () and "ab123-25j" in moved.catalogue
    (warning,) = load_catalogues([f"{site.url}/away.toml"], cache_dir).warnings
    assert "http://example.org/catalogue.toml" in warning and "does not accept" in warning


def test_a_corrupt_saved_copy_is_not_used(site: Site, cache_dir: Path) -> None:
    (site.root / "catalogue.toml").write_text(catalogue_text(("ab123-25j", "Good")))
    url = f"{site.url}/catalogue.toml"
    load_catalogues([url], cache_dir)
    cache_file(url, cache_dir).write_text("schema = [")
    site.stop()
    (warning,) = load_catalogues([url], cache_dir).warnings
    assert "no saved copy" in warning


def test_local_files_are_merged_in_order(tmp_path: Path, cache_dir: Path) -> None:
    first = tmp_path / "first.toml"
    second = tmp_path / "second.toml"
    first.write_text(catalogue_text(("ab123-25j", "First"), ("cd456-25j", "Only first")))
    second.write_text(catalogue_text(("ab123-25j", "Second")))
    loaded = load_catalogues([str(first), str(second)], cache_dir, include_bundled=False)
    assert loaded.catalogue.ids == ("ab123-25j", "cd456-25j")
    assert loaded.catalogue.get("ab123-25j").title == "Second"
    assert [s.kind for s in loaded.sources] == ["file", "file"]


def test_broken_local_files_warn_or_raise(tmp_path: Path, cache_dir: Path) -> None:
    missing = tmp_path / "missing.toml"
    broken = tmp_path / "broken.toml"
    broken.write_text(catalogue_text(("Bad Id", "x")))
    loaded = load_catalogues([str(missing), str(broken)], cache_dir)
    assert loaded.catalogue.ids == BUNDLED_IDS
    assert len(loaded.warnings) == 2
    assert str(missing) in loaded.warnings[0] and "does not exist" in loaded.warnings[0]
    assert str(broken) in loaded.warnings[1] and '"course[1].id"' in loaded.warnings[1]
    assert [s.loaded for s in loaded.sources] == [True, False, False]
    with pytest.raises(CatalogueError, match="does not exist"):
        load_catalogues([str(missing)], cache_dir, strict=True)


@pytest.mark.parametrize(
    "source",
    [
        "https://example.org/catalogue.toml",
        "HTTPS://Example.org:8443/c.toml?v=2",
        "http://localhost:8000/c.toml",
        "http://127.0.0.5/c.toml",
        "http://[::1]:8080/c.toml",
        "/srv/catalogue.toml",
        "catalogue.toml",
        "C:\\Users\\student\\catalogue.toml",
    ],
)
def test_accepted_sources(source: str) -> None:
    assert check_source(f"  {source}\n") == source


@pytest.mark.parametrize(
    "source",
    [
        "",
        "http://example.org/catalogue.toml",
        "http://127.0.0.1.example.org/catalogue.toml",
        "http://10.0.0.1/catalogue.toml",
        "ftp://example.org/catalogue.toml",
        "file:///srv/catalogue.toml",
        "https://user:secret@example.org/catalogue.toml",
        "http://secret@localhost:port/catalogue.toml",
        "https:///catalogue.toml",
        "http://localhost:port/catalogue.toml",
    ],
)
def test_refused_sources(source: str, cache_dir: Path) -> None:
    with pytest.raises(CatalogueError) as caught:
        check_source(source)
    assert "secret" not in str(caught.value)
    with pytest.raises(CatalogueError):
        load_catalogues([source, "https://example.org/never-fetched.toml"], cache_dir, strict=True)
    forgiven = load_catalogues([source], cache_dir)  # a hand-edited settings file
    assert forgiven.catalogue.ids == BUNDLED_IDS
    assert len(forgiven.warnings) == 1 and "secret" not in forgiven.warnings[0]
    assert not forgiven.sources[1].loaded and "secret" not in forgiven.sources[1].location


def test_result_is_a_plain_value(cache_dir: Path) -> None:
    loaded = load_catalogues([], cache_dir)
    assert isinstance(loaded, LoadedCatalogue)
    assert loaded == load_catalogues([], cache_dir)
