"""Hypothesis strategies for catalogues: courses with every optional part, awkward
text and image references in all their shapes."""

from __future__ import annotations

from typing import Literal

from hypothesis import HealthCheck, assume, settings
from hypothesis import strategies as st

from launcher.core.catalogue.model import (
    BackupSpec,
    Catalogue,
    Course,
    Service,
    TokenSpec,
    Volume,
)

FAST = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Cheap strategies (few draws per value) so 200 examples stay fast.
_TRICKY = [*"aZ9 _.-/:#=[]{}\"'\\", "é", "—", "中", "😀"]
words = st.builds(
    lambda a, b: a + b,
    st.sampled_from(_TRICKY[:3] + _TRICKY[-4:]),
    st.text(st.sampled_from(_TRICKY), max_size=8),
)
_ALNUM = "abcz0189"
ids = st.builds(
    lambda head, tail: head + tail,
    st.text(_ALNUM, min_size=1, max_size=6),
    st.sampled_from(["", "-24j", "-x-1", "--2"]),
)
path_parts = st.builds(
    lambda a, sep, b: a + sep + b if sep else a,
    st.text(_ALNUM, min_size=1, max_size=4),
    st.sampled_from(["", ".", "_", "__", "-", "---"]),
    st.text(_ALNUM, min_size=1, max_size=4),
)
tags = st.builds(
    lambda a, b: a + b,
    st.sampled_from(["_", "A", "z", "9"]),
    st.text(_ALNUM + "AZ_.-", max_size=8),
)
registries = st.sampled_from(
    ["", "quay.io/", "ghcr.io/", "localhost:5000/", "reg.example.org:8443/", "[::1]:5000/"]
)
digests = st.just("") | st.binary(min_size=32, max_size=32).map(lambda b: "@sha256:" + b.hex())
images = st.builds(
    lambda reg, parts, tag, digest: reg + "/".join(parts) + (f":{tag}" if tag else "") + digest,
    registries,
    st.lists(path_parts, min_size=1, max_size=3).filter(lambda parts: "." not in parts[0]),
    st.none() | tags,
    digests,
)
folders = st.text(_ALNUM + "AZ_. -", min_size=1, max_size=8).filter(
    lambda f: f.strip(".") != "" and not f.startswith(" ")
)
web_paths = st.text(_ALNUM + "/_.?=-", max_size=10).map(lambda p: "/" + p)
env_names = st.builds(
    lambda a, b: a + b, st.sampled_from(["_", "A", "z"]), st.text(_ALNUM + "AZ_", max_size=6)
).filter(lambda s: s != "TOKEN")


@st.composite
def courses(draw: st.DrawFn, course_id: str) -> Course:
    token = draw(st.none() | st.just(TokenSpec("TOKEN")))
    services: list[Service] = []
    for name in draw(st.lists(words, min_size=1, max_size=3, unique_by=str.lower)):
        port = draw(st.sampled_from([8888, 80]) | st.integers(1, 65535))
        path = draw(web_paths)
        assume(all((s.port, s.path) != (port, path) for s in services))
        auth: Literal["token", "none"] = "token" if token and draw(st.booleans()) else "none"
        services.append(Service(name, port, path, draw(web_paths), auth))
    volume_names = draw(st.lists(ids, max_size=2, unique=True))
    backup_names = draw(st.lists(ids, max_size=2, unique=True))
    return Course(
        id=course_id,
        code=draw(words),
        presentation=draw(words),
        title=draw(words),
        image=draw(images),
        workspace="/home/" + "/".join(draw(st.lists(folders, min_size=1, max_size=3))),
        services=tuple(services),
        preferred_port=draw(st.none() | st.integers(1024, 65535)),
        memory=draw(st.sampled_from([None, "512m", "4g", "1.5G", "8GB", "7000000", "6m"])),
        description=draw(st.just("") | words),
        token=token,
        env=draw(
            st.dictionaries(
                env_names,
                st.text(
                    st.sampled_from([*_TRICKY, "\t", "\n", "\x01", "\x7f", "\u00a0"]), max_size=8
                ),
                max_size=3,
            )
        ),
        volumes=tuple(Volume(n, f"/var/lib/{n}") for n in volume_names),
        backups=tuple(
            BackupSpec(
                n, tuple(draw(st.lists(words, min_size=1, max_size=3))), (draw(words),), draw(words)
            )
            for n in backup_names
        ),
        hub_ready=draw(st.booleans()),
    )


catalogues = st.lists(ids, min_size=1, max_size=2, unique=True).flatmap(
    lambda names: st.tuples(*(courses(n) for n in names)).map(lambda cs: Catalogue(tuple(cs)))
)
