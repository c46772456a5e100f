"""The course catalogue: model, parser and every check a publisher can trip over."""

from __future__ import annotations

import contextlib
import copy
import json
import math
import tomllib
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from launcher.core.catalogue.catalogue_file import load_catalogue_file
from launcher.core.catalogue.model import (
    BackupSpec,
    Catalogue,
    Course,
    Service,
    TokenSpec,
    Volume,
    catalogue_from_data,
    merge_catalogues,
    parse_catalogue,
    parse_catalogue_bytes,
)
from launcher.core.errors import (
    CatalogueEntryError,
    CatalogueError,
    ImageReferenceError,
    UnknownCourse,
)
from launcher.core.images.reference import ImageReference
from launcher.core.local.resources import resource_path
from tests.helpers.strategies import FAST, catalogues, images

SOURCE = "/srv/tutor/my-catalogue.toml"

# --- a small TOML writer (the launcher only reads TOML; tests need to write it) ---


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, int | datetime | date | time):
        return value.isoformat() if not isinstance(value, int) else str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_value(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def to_toml(data: dict[str, Any]) -> str:
    return "".join(f"{toml_value(key)} = {toml_value(value)}\n" for key, value in data.items())


def course_data(course: Course) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": course.id,
        "code": course.code,
        "presentation": course.presentation,
        "title": course.title,
        "image": course.image,
        "workspace": course.workspace,
        "description": course.description,
        "env": dict(course.env),
        "services": [vars(s) for s in course.services],
        "volumes": [vars(v) for v in course.volumes],
        "backups": [
            {"name": b.name, "user": b.user, "dump": list(b.dump), "restore": list(b.restore)}
            for b in course.backups
        ],
    }
    if course.token is not None:
        data["token"] = {"env": course.token.env}
    if course.preferred_port is not None:
        data["preferred_port"] = course.preferred_port
    if course.memory is not None:
        data["memory"] = course.memory
    if course.hub_ready:
        data["hub_ready"] = True
    return data


# --- a valid catalogue and a way to break it ------------------------------------


def valid() -> dict[str, Any]:
    return {
        "schema": 1,
        "x-publisher": "tests",
        "course": [
            {
                "id": "c1",
                "code": "TM351",
                "presentation": "24J",
                "title": "Data management and analysis",
                "image": "ousefulcoursecontainers/ou-tm351:24j",
                "workspace": "/home/ou/TM351-24J",
                "preferred_port": 8351,
                "memory": "4g",
                "x-note": "ignored",
                "token": {"env": "JUPYTER_TOKEN"},
                "env": {"TZ": "Europe/London"},
                "services": [
                    {"name": "Jupyter", "port": 8888, "path": "/lab", "ready": "/api/status"},
                    {"name": "OpenRefine", "port": 8888, "path": "/openrefine/"},
                ],
                "volumes": [{"name": "postgres", "path": "/var/lib/postgresql"}],
                "backups": [
                    {
                        "name": "postgres",
                        "user": "postgres",
                        "dump": ["pg_dumpall"],
                        "restore": ["psql"],
                    }
                ],
            }
        ],
    }


def parse(data: dict[str, Any]) -> Catalogue:
    return parse_catalogue(to_toml(data), SOURCE)


def test_valid_catalogue_parses_with_defaults() -> None:
    course = parse(valid()).get("c1")
    assert course.display_name == "TM351 24J — Data management and analysis"
    assert course.services[0] == Service("Jupyter", 8888, "/lab", "/api/status", "token")
    assert course.services[1] == Service(
        "OpenRefine", 8888, "/openrefine/", "/openrefine/", "token"
    )
    assert course.container_ports == (8888,)
    assert course.token == TokenSpec("JUPYTER_TOKEN")
    assert dict(course.env) == {"TZ": "Europe/London"}
    assert course.volumes == (Volume("postgres", "/var/lib/postgresql"),)
    assert course.backups == (BackupSpec("postgres", ("pg_dumpall",), ("psql",), "postgres"),)
    assert course.memory_bytes == 4 * 1024**3
    assert course.source == SOURCE
    assert str(course.image_ref) == "docker.io/ousefulcoursecontainers/ou-tm351:24j"


def test_optional_parts_default_sensibly() -> None:
    data = valid()
    course = data["course"][0]
    for key in ("preferred_port", "memory", "token", "env", "volumes", "backups"):
        del course[key]
    course["services"] = [{"name": "Web", "port": 80}]
    parsed = parse(data).get("c1")
    assert parsed.services == (Service("Web", 80, "/", "/", "none"),)
    assert (parsed.token, parsed.preferred_port, parsed.memory, parsed.memory_bytes) == (None,) * 4
    assert (dict(parsed.env), parsed.volumes, parsed.backups, parsed.description) == (
        {},
        (),
        (),
        "",
    )
    assert parse({"schema": 1}) == Catalogue()


def test_bundled_catalogue_has_the_four_courses() -> None:
    catalogue = load_catalogue_file(resource_path("catalogue.toml"))
    assert set(catalogue.ids) == {
        "tm351-24j",
        "tm129-23j",
        "jupyter-minimal-2024-12-02",
        "jupyter-scipy-2024-12-02",
    }
    tm351 = catalogue.get("tm351-24j")
    assert tm351.image_ref == ImageReference("docker.io", "ousefulcoursecontainers/ou-tm351", "24j")
    assert (tm351.workspace, tm351.preferred_port) == ("/home/ou/TM351-24J", 8351)
    assert [s.name for s in tm351.services] == ["Jupyter", "OpenRefine"]
    assert tm351.container_ports == (8888,)
    tm129 = catalogue.get("tm129-23j")
    assert (tm129.image, tm129.workspace, tm129.preferred_port) == (
        "ousefulcoursecontainers/ou-tm129:23j",
        "/home/ou/TM129-23J",
        8129,
    )
    for course in catalogue:
        assert course.token == TokenSpec("JUPYTER_TOKEN")
        assert all(s.auth == "token" and s.ready == "/api/status" for s in course.services)
    scipy = catalogue.get("jupyter-scipy-2024-12-02").image_ref
    assert (scipy.registry, scipy.repository, scipy.tag) == (
        "quay.io",
        "jupyter/scipy-notebook",
        "2024-12-02",
    )
    assert catalogue.get("jupyter-minimal-2024-12-02").workspace == "/home/jovyan/work"


# --- every check names the file, the course and the key ----------------------------

Mutation = Callable[[dict[str, Any]], object]


def course0(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = data["course"][0]
    return result


CASES: list[tuple[str, Mutation, str | None, str, str]] = [
    # (name, mutation, course id named, key named, words in the message)
    ("missing key", lambda d: course0(d).pop("image"), "c1", "image", "missing"),
    ("missing title", lambda d: course0(d).pop("title"), "c1", "title", "missing"),
    (
        "wrong type",
        lambda d: course0(d)["services"][0].update(port="8888"),
        "c1",
        "services[1].port",
        "whole number",
    ),
    (
        "bool is no port",
        lambda d: course0(d)["services"][0].update(port=True),
        "c1",
        "services[1].port",
        "true/false",
    ),
    ("text not number", lambda d: course0(d).update(title=3), "c1", "title", "text in quotes"),
    ("empty text", lambda d: course0(d).update(code="  "), "c1", "code", "empty"),
    (
        "bad image",
        lambda d: course0(d).update(image="Ouseful/TM351:24j"),
        "c1",
        "image",
        "lowercase",
    ),
    ("bad tag", lambda d: course0(d).update(image="a/b:.bad"), "c1", "image", "tag"),
    ("bad digest", lambda d: course0(d).update(image="a/b@sha256:abc"), "c1", "image", "sha256"),
    (
        "bad registry",
        lambda d: course0(d).update(image="bad_host.io/a/b"),
        "c1",
        "image",
        "registry",
    ),
    (
        "duplicate id",
        lambda d: d["course"].append(copy.deepcopy(course0(d))),
        "c1",
        "id",
        "already has this id",
    ),
    (
        "port too big",
        lambda d: course0(d)["services"][0].update(port=70000),
        "c1",
        "services[1].port",
        "65535",
    ),
    (
        "port zero",
        lambda d: course0(d)["services"][1].update(port=0),
        "c1",
        "services[2].port",
        "from 1",
    ),
    (
        "preferred port low",
        lambda d: course0(d).update(preferred_port=80),
        "c1",
        "preferred_port",
        "1024",
    ),
    (
        "duplicate service port and name",
        lambda d: course0(d)["services"][1].update(name="jupyter", path="/tree"),
        "c1",
        "services[2].name",
        "already uses",
    ),
    (
        "same port and path",
        lambda d: course0(d)["services"][1].update(path="/lab"),
        "c1",
        "services[2].path",
        "different paths",
    ),
    (
        "token auth without token",
        lambda d: (course0(d).pop("token"), course0(d)["services"][0].update(auth="token")),
        "c1",
        "services[1].auth",
        "[course.token]",
    ),
    (
        "auth value",
        lambda d: course0(d)["services"][0].update(auth="password"),
        "c1",
        "services[1].auth",
        '"none"',
    ),
    ("no services", lambda d: course0(d).update(services=[]), "c1", "services", "at least one"),
    (
        "services not list",
        lambda d: course0(d).update(services={"name": "x"}),
        "c1",
        "services",
        "list of tables",
    ),
    (
        "service not table",
        lambda d: course0(d).update(services=[1]),
        "c1",
        "services[1]",
        "must be a table",
    ),
    (
        "bad web path",
        lambda d: course0(d)["services"][0].update(path="lab"),
        "c1",
        "services[1].path",
        "web path",
    ),
    ("unknown key", lambda d: course0(d).update(imgae="x"), "c1", "imgae", 'did you mean "image"'),
    (
        "unknown service key",
        lambda d: course0(d)["services"][0].update(prot=1),
        "c1",
        "services[1].prot",
        "port",
    ),
    (
        "unknown token key",
        lambda d: course0(d)["token"].update(name="x"),
        "c1",
        "token.name",
        "not a known",
    ),
    (
        "relative workspace",
        lambda d: course0(d).update(workspace="home/ou"),
        "c1",
        "workspace",
        "absolute",
    ),
    ("root workspace", lambda d: course0(d).update(workspace="/"), "c1", "workspace", "absolute"),
    (
        "dotdot workspace",
        lambda d: course0(d).update(workspace="/home/../etc"),
        "c1",
        "workspace",
        "..",
    ),
    ("colon workspace", lambda d: course0(d).update(workspace="/a:b"), "c1", "workspace", ":"),
    ("bad memory", lambda d: course0(d).update(memory="lots"), "c1", "memory", "4g"),
    ("tiny memory", lambda d: course0(d).update(memory="1m"), "c1", "memory", "at least"),
    ("hub_ready text", lambda d: course0(d).update(hub_ready="yes"), "c1", "hub_ready", "true or"),
    (
        "token env name",
        lambda d: course0(d)["token"].update(env="JUPYTER TOKEN"),
        "c1",
        "token.env",
        "letters",
    ),
    (
        "env sets the token",
        lambda d: course0(d)["env"].update(JUPYTER_TOKEN="x"),
        "c1",
        "env.JUPYTER_TOKEN",
        "token",
    ),
    (
        "env bad name",
        lambda d: course0(d)["env"].update({"1X": "y"}),
        "c1",
        "env.1X",
        "variable name",
    ),
    (
        "env not text",
        lambda d: course0(d)["env"].update(DEBUG=1),
        "c1",
        "env.DEBUG",
        "text in quotes",
    ),
    (
        "volume name",
        lambda d: course0(d)["volumes"][0].update(name="Postgres DB"),
        "c1",
        "volumes[1].name",
        "lowercase",
    ),
    (
        "volume twice",
        lambda d: course0(d)["volumes"].append({"name": "pg2", "path": "/var/lib/postgresql/"}),
        "c1",
        "volumes[2].path",
        "already uses",
    ),
    (
        "volume in workspace",
        lambda d: course0(d)["volumes"][0].update(path="/home/ou/TM351-24J/db"),
        "c1",
        "volumes[1].path",
        "workspace",
    ),
    (
        "backup dump empty",
        lambda d: course0(d)["backups"][0].update(dump=[]),
        "c1",
        "backups[1].dump",
        "non-empty",
    ),
    (
        "backup restore type",
        lambda d: course0(d)["backups"][0].update(restore="psql"),
        "c1",
        "backups[1].restore",
        "list",
    ),
    (
        "backup user type",
        lambda d: course0(d)["backups"][0].update(user=0),
        "c1",
        "backups[1].user",
        "text",
    ),
    ("bad id", lambda d: course0(d).update(id="TM351 24J"), None, "course[1].id", "lowercase"),
    ("missing id", lambda d: course0(d).pop("id"), None, "course[1].id", "missing"),
    ("single [course]", lambda d: d.update(course=course0(d)), None, "course", "[[course]]"),
    ("unknown top key", lambda d: d.update(courses=[]), None, "courses", 'did you mean "course"'),
    ("schema missing", lambda d: d.pop("schema"), None, "schema", "missing"),
    ("schema text", lambda d: d.update(schema="1"), None, "schema", "whole number"),
]


@pytest.mark.parametrize(
    ("mutate", "course_id", "key", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_mistake_names_file_course_and_key(
    mutate: Mutation, course_id: str | None, key: str, words: str
) -> None:
    data = valid()
    mutate(data)
    with pytest.raises(CatalogueEntryError) as caught:
        parse(data)
    error = caught.value
    assert (error.source, error.course_id, error.key) == (SOURCE, course_id, key)
    assert SOURCE in error.message
    assert f'"{key}"' in error.message
    assert course_id is None or f'course "{course_id}"' in error.message
    assert words.lower() in error.message.lower()
    assert error.hint and isinstance(error, CatalogueError)


def test_bad_toml_names_the_file_and_line() -> None:
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue('schema = 1\n[[course]\nid = "c1"\n', SOURCE)
    assert SOURCE in caught.value.message and "line 2" in caught.value.message
    assert "not valid TOML" in caught.value.message


def test_schema_too_new_asks_for_an_update() -> None:
    data = valid()
    data.update(schema=2, new_feature={"x": 1})  # unknown keys of a newer format are no typo
    with pytest.raises(CatalogueError) as caught:
        parse(data)
    message = str(caught.value)
    assert SOURCE in message and '"schema"' in message and "format 2" in message
    assert "Update Course Launcher" in message


def test_extension_keys_are_ignored_everywhere() -> None:
    data = valid()
    course = course0(data)
    course["services"][0]["x-icon"] = "jupyter.svg"
    course["token"]["x-length"] = 32
    course["volumes"][0]["x-size"] = "1g"
    course["env"]["x-comment"] = "not a variable"
    assert parse(data).get("c1") == parse(valid()).get("c1")


def test_text_files_with_bom_and_bad_utf8(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.toml"
    path.write_bytes(b"\xef\xbb\xbf" + to_toml(valid()).encode("utf-8"))
    assert load_catalogue_file(path).ids == ("c1",)
    path.write_bytes(b"schema = 1\n# caf\xe9\n")
    with pytest.raises(CatalogueError, match=r"not UTF-8.*position 16") as caught:
        load_catalogue_file(path)
    assert str(path) in caught.value.message
    with pytest.raises(CatalogueError, match="too large"):
        parse_catalogue_bytes(b"#" * (1024 * 1024 + 1), "big.toml")


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="does not exist") as caught:
        load_catalogue_file(tmp_path / "nope.toml")
    assert str(tmp_path / "nope.toml") in caught.value.message
    with pytest.raises(CatalogueError, match="is a folder"):
        load_catalogue_file(tmp_path)


def test_get_unknown_course_suggests_close_ids() -> None:
    catalogue = load_catalogue_file(resource_path("catalogue.toml"))
    with pytest.raises(UnknownCourse) as caught:
        catalogue.get("tm351-24k")
    assert 'Did you mean "tm351-24j"' in caught.value.message
    assert "tm129-23j" in caught.value.hint
    assert "tm351-24j" in catalogue and "nothing" not in catalogue


def test_merge_later_course_replaces_earlier_in_place() -> None:
    first = parse(valid())
    data = valid()
    course0(data)["title"] = "Updated"
    data["course"].insert(0, {**copy.deepcopy(course0(data)), "id": "c0"})
    merged = merge_catalogues([first, parse(data), Catalogue()])
    assert merged.ids == ("c1", "c0")
    assert merged.get("c1").title == "Updated"


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("python", "docker.io", "library/python", "latest", None),
        ("docker.io/python:3.12", "docker.io", "library/python", "3.12", None),
        (
            "index.docker.io/jupyter/base-notebook",
            "docker.io",
            "jupyter/base-notebook",
            "latest",
            None,
        ),
        ("localhost:5000/course/tm351:24j", "localhost:5000", "course/tm351", "24j", None),
        ("127.0.0.1:5000/a", "127.0.0.1:5000", "a", "latest", None),
        ("[::1]:5000/a/b_c__d-e.f:V1_x.y-z", "[::1]:5000", "a/b_c__d-e.f", "V1_x.y-z", None),
        (
            "quay.io/jupyter/scipy-notebook@sha256:" + "a" * 64,
            "quay.io",
            "jupyter/scipy-notebook",
            None,
            "sha256:" + "a" * 64,
        ),
        ("x:1@sha256:" + "0" * 64, "docker.io", "library/x", "1", "sha256:" + "0" * 64),
    ],
)
def test_image_references_parse_and_normalise(
    text: str, registry: str, repository: str, tag: str | None, digest: str | None
) -> None:
    ref = ImageReference.parse(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (
        registry,
        repository,
        tag,
        digest,
    )
    assert ImageReference.parse(str(ref)) == ref
    assert ImageReference.parse(ref.familiar) == ref


@pytest.mark.parametrize(
    "text",
    [
        *("", " python", "Python", "a//b", "/a", "a/", "a:", "a:-1", "a:" + "x" * 129),
        *("a@sha256:ABC", "a@md5:" + "0" * 64, "-a", "a--", "a/b c", "a:b:c", "host:port/a"),
        *("h_st.io/a", "a" * 256),
    ],
)
def test_bad_image_references_are_refused(text: str) -> None:
    with pytest.raises(ImageReferenceError, match="not a valid image name"):
        ImageReference.parse(text)


# --- properties ------------------------------------------------------------------


@FAST
@given(catalogues)
def test_generated_catalogues_round_trip(catalogue: Catalogue) -> None:
    text = to_toml({"schema": 1, "course": [course_data(c) for c in catalogue]})
    assert parse_catalogue(text, SOURCE) == catalogue


@FAST
@given(images)
def test_generated_image_references_round_trip(text: str) -> None:
    ref = ImageReference.parse(text)
    assert ImageReference.parse(str(ref)) == ref == ImageReference.parse(ref.familiar)


toml_leaves = (
    st.text(max_size=20)
    | st.integers(-(2**63), 2**63 - 1)
    | st.booleans()
    | st.floats()
    | st.dates()
    | st.sampled_from(["", "/", "token", "none", "JUPYTER_TOKEN", "a/b:c", "4g", "x-"])
)


def nest(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)


toml_values = st.recursive(toml_leaves, nest, max_leaves=8)


def only_catalogue_errors(run: Callable[[], object]) -> None:
    with contextlib.suppress(CatalogueError):
        run()


@FAST
@given(st.text(max_size=300))
def test_random_text_only_ever_raises_catalogue_error(text: str) -> None:
    only_catalogue_errors(lambda: parse_catalogue(text, SOURCE))
    only_catalogue_errors(lambda: parse_catalogue("schema = 1\n" + text, SOURCE))


@FAST
@given(st.data())
def test_mutated_catalogues_only_ever_raise_catalogue_error(data: st.DataObject) -> None:
    document = valid()
    for _ in range(data.draw(st.integers(1, 4))):
        node: Any = document
        while isinstance(node, dict | list) and node and data.draw(st.booleans()):
            key = data.draw(
                st.sampled_from(list(node) if isinstance(node, dict) else range(len(node)))
            )
            if not isinstance(node[key], dict | list):
                break
            node = node[key]
        if isinstance(node, dict):
            key = data.draw(st.sampled_from([*node, "x-new", "port", "id", "auth"]))
        elif isinstance(node, list) and node:
            key = data.draw(st.integers(0, len(node) - 1))
        else:
            continue
        action = data.draw(st.sampled_from(["replace", "delete"]))
        if action == "delete" and isinstance(node, dict):
            node.pop(key, None)
        else:
            node[key] = data.draw(toml_values)
    only_catalogue_errors(lambda: catalogue_from_data(document, SOURCE))
    only_catalogue_errors(lambda: parse_catalogue(to_toml(document), SOURCE))


@FAST
@given(st.data())
def test_text_mutations_only_ever_raise_catalogue_error(data: st.DataObject) -> None:
    text = resource_path("catalogue.toml").read_text(encoding="utf-8")
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 20))
        text = text[:at] + data.draw(st.text(max_size=5)) + text[at + cut :]
    only_catalogue_errors(lambda: parse_catalogue(text, SOURCE))


@FAST
@given(st.text(max_size=80))
def test_random_image_text_only_raises_image_reference_error(text: str) -> None:
    with contextlib.suppress(ImageReferenceError):
        ImageReference.parse(text)


def test_toml_writer_matches_tomllib() -> None:
    document = valid()
    assert tomllib.loads(to_toml(document)) == document


def test_hub_ready_is_read_and_written_only_when_true() -> None:
    from launcher.core.catalogue.writer import course_to_toml

    data = valid()
    course0(data)["hub_ready"] = True
    ready = parse(data).get("c1")
    assert ready.hub_ready
    assert "hub_ready = true" in course_to_toml(ready)
    assert parse_catalogue(course_to_toml(ready), SOURCE).get("c1") == ready
    del course0(data)["hub_ready"]
    plain = parse(data).get("c1")
    assert not plain.hub_ready
    assert "hub_ready" not in course_to_toml(plain)  # older launchers read the file too
