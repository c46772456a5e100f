"""Portainer app-template feeds (version 2) as catalogue sources.

The two feeds in ``data/portainer`` are the OU's own (OpenComputingLab/locl-templates,
MIT licence, unchanged copies); the served ones go through a real web server.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from launcher.core.catalogue.model import Course, Service, TokenSpec
from launcher.core.catalogue.portainer import looks_like_feed, parse_feed
from launcher.core.catalogue.sources import load_catalogues
from launcher.core.errors import CatalogueError
from tests.helpers.web_site import BUNDLED_IDS, Site

FEEDS = Path(__file__).parent / "data" / "portainer"
OU_FEED = FEEDS / "ou-templates.json"
TM351_FEED = FEEDS / "ou-templates-tm351.json"
OU_IDS = (
    "jupyterminimalserver", "jupyterpandasserver", "jupyterscipyserver", "openrefine",
    "rstudio", "linuxservercode", "tm351vcejupyter", "tm351vcefull", "tm129vcedesktop",
    "tm129vce",
)  # fmt: skip
STACKS = '"Jupyter Postgres", "Jupyter Mongo 32 [RPi only]"'


def feed(*templates: dict[str, Any], **top: Any) -> bytes:
    return json.dumps({"version": "2", "templates": list(templates), **top}).encode()


def template(**keys: Any) -> dict[str, Any]:
    return {"type": 1, "title": "Demo", "image": "ouvocl/demo", "ports": ["8888/tcp"], **keys}


def test_the_ou_feed_gives_every_container_template_as_a_course() -> None:
    loaded = parse_feed(OU_FEED.read_bytes(), "ou.json")
    assert loaded.catalogue.ids == OU_IDS
    listed = ", ".join(f'"{course_id}"' for course_id in OU_IDS)
    assert loaded.warnings == (
        "The Portainer feed ou.json does not say where its courses keep the student's files: "
        f"the launcher uses /home/jovyan/work (where Jupyter's images keep work) for {listed}. "
        "A Course Launcher catalogue entry can say otherwise.",
        f"The Portainer feed ou.json has stack templates the launcher cannot run yet: {STACKS}.",
    )
    lines = [
        (c.display_name, c.image, [(s.name, s.port, s.auth) for s in c.services])
        for c in loaded.catalogue
    ]
    assert lines[3:6] == [
        ("OpenRefine latest — OpenRefine", "ouvocl/openrefine", [("OpenRefine", 3333, "none")]),
        ("RStudio latest — RStudio", "ouvocl/vce-rstudio", [("RStudio", 8787, "none")]),
        (
            "VS Code latest — Code (browser version of VSCode)",
            "linuxserver/code-server",
            [("Code (browser version of VSCode)", 8443, "none")],
        ),
    ]
    tm129 = loaded.catalogue.get("tm129vce")
    assert (tm129.code, tm129.presentation, tm129.title) == ("TM129", "latest", "TM129 VCE")
    minimal = loaded.catalogue.get("jupyterminimalserver")
    assert (minimal.code, minimal.token) == ("Jupyter", TokenSpec("JUPYTER_TOKEN"))
    assert all(course.source == "ou.json" for course in loaded.catalogue)


def test_the_tm351_feed_course_in_full() -> None:
    loaded = parse_feed(TM351_FEED.read_bytes(), str(TM351_FEED))
    assert loaded.catalogue.ids == ("openrefine", "tm351vcejupyter", "tm351vcefull")
    assert loaded.catalogue.get("tm351vcefull") == Course(
        id="tm351vcefull",
        code="TM351",
        presentation="current",
        title="TM351 VCE (single container) [desktop (x86_64) only]",
        image="ousefulcoursecontainers/ou-tm351:current",
        workspace="/home/jovyan/work",
        services=(Service("Jupyter", 8888, "/", "/api/status", "token"),),
        description="TM351 Virtual Computing Environment (all-on-one)",
        token=TokenSpec("JUPYTER_TOKEN"),  # its "letmein" default is never used
        env=MappingProxyType({}),
    )
    assert loaded.warnings[-1] == (
        f"The Portainer feed {TM351_FEED} has stack templates the launcher cannot run yet: "
        f"{STACKS}."
    )


def test_a_feed_file_is_a_catalogue_source_with_its_warnings(cache_dir: Path) -> None:
    loaded = load_catalogues([str(TM351_FEED), str(OU_FEED)], cache_dir)
    tm351_ids = ("openrefine", "tm351vcejupyter", "tm351vcefull")
    later = tuple(course_id for course_id in OU_IDS if course_id not in tm351_ids)
    assert loaded.catalogue.ids == (*BUNDLED_IDS, *tm351_ids, *later)
    assert [s.course_ids for s in loaded.sources[1:]] == [
        ("openrefine", "tm351vcejupyter", "tm351vcefull"),
        OU_IDS,
    ]
    assert len(loaded.warnings) == 4
    assert all("Portainer feed" in warning for warning in loaded.warnings)


def test_a_served_feed_keeps_its_warnings_when_the_saved_copy_is_used(
    site: Site, cache_dir: Path
) -> None:
    (site.root / "templates.json").write_bytes(TM351_FEED.read_bytes())
    url = f"{site.url}/templates.json"
    online = load_catalogues([url], cache_dir, include_bundled=False)
    assert online.catalogue.ids == ("openrefine", "tm351vcejupyter", "tm351vcefull")
    assert len(online.warnings) == 2
    offline = load_catalogues([url], cache_dir, include_bundled=False, offline=True)
    assert offline.catalogue == online.catalogue
    assert offline.warnings[0].startswith(f"Using the copy of {url} saved on ")
    assert offline.warnings[1:] == online.warnings


def test_what_a_template_says_is_used_and_what_it_cannot_is_named() -> None:
    loaded = parse_feed(
        feed(
            template(
                name="AB123_lab",
                title="AB123 lab",
                registry="quay.io/",
                image="ou/ab123:25j",
                categories=["Data", "AB123"],
                ports=["8351:8888/tcp", "5432/udp", "3000/tcp", ":8080"],
                volumes=[{"container": "/home/ou/AB123/"}, {"container": "/data", "bind": "/x"}],
                env=[
                    {"name": "JUPYTER_TOKEN", "default": "letmein", "preset": True},
                    {
                        "name": "MODE",
                        "select": [
                            {"text": "Fast", "value": "fast"},
                            {"text": "Slow", "value": "slow", "default": True},
                        ],
                    },
                    {"name": "GREETING", "default": "hello", "label": "Greeting"},
                    {"name": "PASSWORD", "label": "Choose a password"},
                ],
                command="start.sh",
                privileged=True,
                restart_policy="always",
            ),
            template(name="win", platform="windows"),
            template(name="quiet", ports=[]),
            {"type": 2, "title": "Swarm thing", "repository": {"url": "https://x"}},
        ),
        "feed.json",
    )
    assert loaded.catalogue.ids == ("ab123-lab",)
    course = loaded.catalogue.get("ab123-lab")
    assert (course.code, course.presentation, course.image) == (
        "AB123",
        "25j",
        "quay.io/ou/ab123:25j",
    )
    assert (course.workspace, course.preferred_port) == ("/home/ou/AB123", 8351)
    assert course.services == (
        Service("Jupyter", 8888, "/", "/api/status", "token"),
        Service("AB123 lab (port 3000)", 3000, "/", "/", "none"),
        Service("AB123 lab (port 8080)", 8080, "/", "/", "none"),
    )
    assert dict(course.env) == {"MODE": "slow", "GREETING": "hello"}
    where = 'In feed.json, course "ab123-lab"'
    assert loaded.warnings == (
        f'{where} leaves out port "5432/udp": a UDP port is not a web page.',
        f"{where} leaves PASSWORD unset: Portainer would ask for it when deploying.",
        f"{where} does not keep /data: only the first volume is the student's folder.",
        f"{where} runs the image's own command, not the template's.",
        f"{where} runs without the privileged mode the template asks for.",
        'In feed.json, course "win" is left out: it is for windows, not Linux.',
        'In feed.json, course "quiet" is left out: it offers no web page (no TCP port).',
        "The Portainer feed feed.json has stack templates the launcher cannot run yet: "
        '"Swarm thing".',
    )


def test_a_template_without_a_name_is_named_from_its_title() -> None:
    loaded = parse_feed(feed(template(title="Jupyter — Maths & Stats!")), "f.json")
    assert loaded.catalogue.ids == ("jupyter-maths-stats",)


def test_line_breaks_in_descriptions_and_notes_become_spaces() -> None:
    loaded = parse_feed(
        feed(template(description="Notebooks\nand  data.", note="<b>Password</b>:\n x")),
        "f.json",
    )
    assert loaded.catalogue.get("demo").description == "Notebooks and data."
    with pytest.raises(CatalogueError, match=r'templates\[1\]\.note": it must not contain'):
        parse_feed(feed(template(note="a\x00b")), "f.json")


def test_only_json_that_opens_an_object_is_read_as_a_feed() -> None:
    assert looks_like_feed(b'\xef\xbb\xbf\n  {"version": "2"}')
    assert not looks_like_feed(b"schema = 1\n")
    assert not looks_like_feed(b"[[course]]\n")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"version": "2", "templates": [', "is not valid JSON (Expecting value at line 1)"),
        (b"{\xff}", "is not UTF-8 text (bad byte at position 1)"),
        (b'{"version": "2", "version": "2", "templates": []}', 'has the key "version" twice'),
        (b'{"version": "2", "templates": [{"type": 1, "title": NaN}]}', "NaN is not a number"),
        (b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}", "is nested too deeply"),
        (b"{" + b" " * (1024 * 1024) + b"}", "is too large to be a catalogue"),
        (feed(version="3"), 'uses template format "3" (key "version")'),
        (b'{"templates": []}', 'uses template format "missing"'),
        (json.dumps({"version": 2, "templates": []}).encode(), "uses template format 2 "),
        (b'{"version": "2"}', 'at key "templates": it is missing'),
        (
            b'{"version": "2", "templates": {}}',
            'at key "templates": it must be a list, not a table',
        ),
        (feed(extra=1), 'at key "extra": this is not a known setting'),
        (feed("x"), 'at key "templates[1]": it must be a table, not text'),
        (feed({"type": 4, "title": "T"}), 'at key "templates[1].type": it must be a whole number'),
        (
            feed({"type": True, "title": "T"}),
            "it must be a whole number from 1 to 3, not true/false",
        ),
        (feed(template(image=None)), 'course "demo", at key "templates[1].image": it must be text'),
        (feed(template(image="Bad Image")), 'at key "templates[1].image": "Bad Image" is not'),
        (
            feed(template(imagee="x")),
            'key "templates[1].imagee": this is not a known setting (did you mean "image"?)',
        ),
        (feed(template(ports="8888/tcp")), 'at key "templates[1].ports": it must be a list'),
        (feed(template(ports=[8888])), 'at key "templates[1].ports[1]": it must be text'),
        (feed(template(ports=["8000-8010/tcp"])), '"8000-8010/tcp" is not a port like'),
        (feed(template(ports=["70000/tcp"])), '"70000/tcp" is not a port like'),
        (feed(template(ports=["0:8888/tcp"])), '"0:8888/tcp" is not a port like'),
        (feed(template(env=[{"name": "A B"}])), 'at key "templates[1].env[1].name": "A B" is not'),
        (feed(template(env=[{"name": "A", "default": 1}])), 'env[1].default": it must be text'),
        (
            feed(template(env=[{"name": "A", "preset": "yes"}])),
            "it must be true or false, not text",
        ),
        (
            feed(template(env=[{"name": "A"}, {"name": "A", "default": "x"}])),
            'env[2].name": another variable in this template is also called "A"',
        ),
        (
            feed(template(env=[{"name": "A", "select": [{"value": "v"}]}])),
            'env[1].select[1].text": it is missing',
        ),
        (feed(template(volumes=[{"container": "relative"}])), 'volumes[1].container": "relative"'),
        (feed(template(volumes=[{"container": "/a/../b"}])), 'volumes[1].container": "/a/../b"'),
        (feed(template(privileged="no")), 'privileged": it must be true or false'),
        (feed(template(title="T\u0007")), "it must not be empty or contain control characters"),
        (feed(template(name="---")), 'at key "templates[1].name": "---" cannot be made into'),
        (
            feed(template(name="a"), template(name="A")),
            'at key "templates[2].name": another template in this feed is also named "a"',
        ),
        (feed({"type": 3}), 'at key "templates[1].title": it is missing'),
        (feed({"type": 3, "title": "S", "stackfile": "x"}), 'templates[1].stackfile": this is not'),
    ],
)
def test_a_malformed_or_hostile_feed_is_a_clear_catalogue_error(data: bytes, message: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        parse_feed(data, "bad.json")
    assert message in caught.value.message
    assert "bad.json" in caught.value.message
    assert caught.value.hint


def test_a_malformed_feed_named_on_the_command_line_stops_the_load(
    tmp_path: Path, cache_dir: Path
) -> None:
    path = tmp_path / "feed.json"
    path.write_bytes(feed(template(ports=["nope"])))
    with pytest.raises(CatalogueError, match='"nope" is not a port'):
        load_catalogues([str(path)], cache_dir, strict=True)
    forgiven = load_catalogues([str(path)], cache_dir)
    assert forgiven.catalogue.ids == BUNDLED_IDS
    assert "nope" in forgiven.warnings[0]
