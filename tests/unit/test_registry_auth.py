"""Registry logins and answers, against a real HTTP server on 127.0.0.1 (no mocks).

The server in ``FakeRegistry`` answers with whatever the test routes say and records
every request, so each test can check what the client sent: the token request's
``service`` and ``scope``, the ``Authorization`` it used, how often it asked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from launcher.core.errors import (
    ImageNotFound,
    RateLimited,
    RegistryAccessDenied,
    RegistryError,
    RegistryUnreachable,
    UnsupportedPlatform,
)
from launcher.core.images.manifest import DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, Platform
from launcher.core.images.reference import ImageReference
from launcher.core.images.registry import RegistryClient
from launcher.core.images.registry_auth import (
    Credentials,
    RateLimit,
    base_url,
    check_secure,
    is_loopback,
    parse_challenges,
)

AMD64 = Platform("linux", "amd64")


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    authorization: str | None


Answer = tuple[int, dict[str, str], bytes]
Route = Callable[[Seen], Answer]


class FakeRegistry:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                parts = urlsplit(self.path)
                seen = Seen(
                    self.command, parts.path, parse_qs(parts.query), self.headers["Authorization"]
                )
                registry.seen.append(seen)
                route = registry.routes.get(parts.path)
                status, headers, body = route(seen) if route else (404, {}, b"{}")
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_GET(self) -> None:
                self.answer()

            def do_HEAD(self) -> None:
                self.answer()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        self.url = f"http://{self.address}"

    def paths(self, method: str = "GET") -> list[str]:
        return [seen.path for seen in self.seen if seen.method == method]


@pytest.fixture
def fake() -> Iterator[FakeRegistry]:
    registry = FakeRegistry()
    thread = threading.Thread(target=registry.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield registry
    registry.server.shutdown()
    registry.server.server_close()
    thread.join()


def digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def layer_digest(n: int) -> str:
    return "sha256:" + f"{n:02d}" * 32


def manifest_body(sizes: list[int], media_type: str = DOCKER_MANIFEST) -> bytes:
    data = {
        "schemaVersion": 2,
        "mediaType": media_type,
        "config": {"mediaType": "application/json", "size": 7, "digest": layer_digest(99)},
        "layers": [
            {"mediaType": "application/gzip", "size": size, "digest": layer_digest(n)}
            for n, size in enumerate(sizes)
        ],
    }
    return json.dumps(data).encode()


def serve(body: bytes, media_type: str, extra: dict[str, str] | None = None) -> Route:
    headers = {"Content-Type": media_type, "Docker-Content-Digest": digest(body), **(extra or {})}
    return lambda seen: (200, headers, body)


def needs(authorization: str, route: Route, challenge: str) -> Route:
    def guarded(seen: Seen) -> Answer:
        if seen.authorization != authorization:
            return 401, {"WWW-Authenticate": challenge}, b'{"errors":[{"code":"UNAUTHORIZED"}]}'
        return route(seen)

    return guarded


# --- addresses and challenges ------------------------------------------------


def test_challenges_are_parsed_with_commas_inside_quotes() -> None:
    hub = (
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
        'scope="repository:samalba/my-app:pull,push"'
    )
    [bearer] = parse_challenges(hub)
    assert bearer.scheme == "bearer"
    assert bearer.params == {
        "realm": "https://auth.docker.io/token",
        "service": "registry.docker.io",
        "scope": "repository:samalba/my-app:pull,push",
    }
    basic, second = parse_challenges('Basic realm="Registry \\"R\\"", Bearer realm=x,error=y')
    assert (basic.scheme, basic.params) == ("basic", {"realm": 'Registry "R"'})
    assert (second.scheme, second.params) == ("bearer", {"realm": "x", "error": "y"})
    assert parse_challenges("") == []


def test_plain_http_only_for_this_computer() -> None:
    for address in ("localhost:5000", "127.0.0.1:5000", "127.8.9.10", "[::1]:5000", "::1"):
        assert is_loopback(address), address
        assert base_url(address).startswith("http://") or address == "::1"
    for address in ("registry.example.org", "10.0.0.2:5000", "localhost.example.org:5000"):
        assert not is_loopback(address), address
        assert base_url(address) == f"https://{address}"
    assert base_url("docker.io") == "https://registry-1.docker.io"
    check_secure("http://127.0.0.1:5000/v2/")
    check_secure("https://auth.docker.io/token")
    with pytest.raises(ValueError, match="HTTPS"):
        check_secure("http://auth.example.org/token")


def test_rate_limit_headers() -> None:
    headers = {"ratelimit-limit": "100;w=21600", "ratelimit-remaining": "76;w=21600"}
    assert RateLimit.from_headers(headers) == RateLimit(100, 76, 21600)
    assert RateLimit.from_headers({}) is None


# --- logins ------------------------------------------------------------------


def test_bearer_challenge_token_is_fetched_once_and_reused(fake: FakeRegistry) -> None:
    body = manifest_body([10, 20])
    challenge = (
        f'Bearer realm="{fake.url}/token",service="test-registry",'
        'scope="repository:team/course:pull"'
    )
    fake.routes["/v2/team/course/manifests/24j"] = needs(
        "Bearer abc", serve(body, DOCKER_MANIFEST), challenge
    )
    fake.routes["/token"] = lambda seen: (200, {}, b'{"token": "abc", "expires_in": 300}')
    ref = ImageReference.parse(f"{fake.address}/team/course:24j")
    with RegistryClient() as client:
        first = client.manifest(ref, AMD64)
        assert client.manifest(ref, AMD64) == first
        assert client.digest_of(ref) == digest(body) == first.digest == first.manifest_digest
    assert [layer.size for layer in first.layers] == [10, 20]
    assert first.config_digest == layer_digest(99)
    assert first.total_size == 30
    [token_request] = [seen for seen in fake.seen if seen.path == "/token"]
    assert token_request.query == {
        "service": ["test-registry"],
        "scope": ["repository:team/course:pull"],
    }
    assert token_request.authorization is None  # anonymous: no credentials were given


def test_docker_hub_token_flow_and_rate_limit_headers(fake: FakeRegistry) -> None:
    body = manifest_body([5])
    limits = {"ratelimit-limit": "100;w=21600", "ratelimit-remaining": "99;w=21600"}
    fake.routes["/v2/library/python/manifests/3.12"] = needs(
        "Bearer hub-token", serve(body, DOCKER_MANIFEST, limits), "Bearer realm=unused"
    )
    fake.routes["/token"] = lambda seen: (200, {}, b'{"access_token": "hub-token"}')
    hub = RegistryClient(endpoints={"docker.io": fake.url}, hub_auth_realm=f"{fake.url}/token")
    with hub as client:
        client.manifest(ImageReference.parse("python:3.12"), AMD64)
        assert client.rate_limit == RateLimit(100, 99, 21600)
    assert fake.paths() == ["/token", "/v2/library/python/manifests/3.12"]  # no 401 first
    assert fake.seen[0].query == {
        "service": ["registry.docker.io"],
        "scope": ["repository:library/python:pull"],
    }


def test_hub_pull_limit_reached_is_explained(fake: FakeRegistry) -> None:
    limited = {"ratelimit-limit": "100;w=21600", "ratelimit-remaining": "0;w=21600"}
    fake.routes["/token"] = lambda seen: (200, {}, b'{"token": "t"}')
    fake.routes["/v2/library/python/manifests/3.12"] = lambda seen: (
        429,
        {**limited, "Retry-After": "3600"},
        b'{"errors":[{"code":"TOOMANYREQUESTS"}]}',
    )
    hub = RegistryClient(endpoints={"docker.io": fake.url}, hub_auth_realm=f"{fake.url}/token")
    with hub as client, pytest.raises(RateLimited) as caught:
        client.manifest(ImageReference.parse("python:3.12"), AMD64)
    assert client.rate_limit == RateLimit(100, 0, 21600)
    assert "100 image downloads" in caught.value.message
    assert "3600 seconds" in caught.value.message
    assert "sign in" in caught.value.hint


def test_basic_auth_with_saved_credentials(fake: FakeRegistry) -> None:
    body = manifest_body([1])
    expected = "Basic " + base64.b64encode(b"student:s3cret").decode()
    route = serve(body, DOCKER_MANIFEST)
    fake.routes["/v2/course/manifests/1"] = needs(expected, route, 'Basic realm="Registry"')
    ref = ImageReference.parse(f"{fake.address}/course:1")
    with RegistryClient({fake.address: Credentials("student", "s3cret")}) as client:
        assert client.manifest(ref, AMD64).total_size == 1
    with RegistryClient() as client, pytest.raises(RegistryAccessDenied) as caught:
        client.manifest(ref, AMD64)
    assert "needs a login" in caught.value.message
    assert "s3cret" not in repr(Credentials("student", "s3cret"))


def test_refused_login_and_unsafe_realm(fake: FakeRegistry) -> None:
    challenge = f'Bearer realm="{fake.url}/token",service="s"'
    fake.routes["/v2/course/manifests/1"] = needs("Bearer x", serve(b"{}", "x"), challenge)
    fake.routes["/token"] = lambda seen: (401, {}, b"{}")
    ref = ImageReference.parse(f"{fake.address}/course:1")
    refused = pytest.raises(RegistryAccessDenied, match="refused the saved login")
    with RegistryClient({fake.address: Credentials("me", "wrong")}) as client, refused:
        client.manifest(ref, AMD64)
    [token_request] = [seen for seen in fake.seen if seen.path == "/token"]
    assert token_request.authorization == "Basic " + base64.b64encode(b"me:wrong").decode()
    unsafe = 'Bearer realm="http://auth.example.org/token",service="s"'
    fake.routes["/v2/course/manifests/1"] = needs("Bearer x", serve(b"{}", "x"), unsafe)
    with RegistryClient() as client, pytest.raises(RegistryError, match="not safe"):
        client.manifest(ref, AMD64)


# --- manifests, lists, tags --------------------------------------------------


def test_an_index_resolves_to_this_platform_skipping_attestations(fake: FakeRegistry) -> None:
    amd, arm = manifest_body([100, 200], OCI_MANIFEST), manifest_body([300], OCI_MANIFEST)
    attestation = manifest_body([1], OCI_MANIFEST)
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": digest(attestation),
                    "size": len(attestation),
                    "platform": {"os": "unknown", "architecture": "unknown"},
                    "annotations": {"vnd.docker.reference.type": "attestation-manifest"},
                },
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": digest(arm),
                    "size": len(arm),
                    "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"},
                },
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": digest(amd),
                    "size": len(amd),
                    "platform": {"os": "linux", "architecture": "amd64"},
                },
            ],
        }
    ).encode()
    base = "/v2/team/course/manifests/"
    fake.routes[base + "25j"] = serve(index, OCI_INDEX)
    for body in (amd, arm, attestation):
        fake.routes[base + digest(body)] = serve(body, OCI_MANIFEST)
    ref = ImageReference.parse(f"{fake.address}/team/course:25j")
    with RegistryClient() as client:
        chosen = client.manifest(ref, AMD64)
        on_arm = client.manifest(ref, Platform.parse("linux/arm64"))
        assert client.digest_of(ref) == digest(index)
        with pytest.raises(UnsupportedPlatform) as caught:
            client.manifest(ref, Platform.parse("linux/s390x"))
    assert (chosen.digest, chosen.manifest_digest) == (digest(index), digest(amd))
    assert chosen.layer_sizes == {layer_digest(0): 100, layer_digest(1): 200}
    assert chosen.platform == AMD64
    assert (on_arm.manifest_digest, on_arm.total_size) == (digest(arm), 300)
    assert "available for: linux/arm64/v8, linux/amd64." in caught.value.message
    assert "unknown" not in caught.value.message
    assert digest(attestation) not in [seen.path.rpartition("/")[2] for seen in fake.seen]


def test_tags_follow_the_link_pages(fake: FakeRegistry) -> None:
    def tags(seen: Seen) -> Answer:
        if "last" not in seen.query:
            link = '</v2/course/tags/list?last=24j&n=2>; rel="next"'
            return 200, {"Link": link}, b'{"name": "course", "tags": ["23j", "24j"]}'
        return 200, {}, b'{"name": "course", "tags": ["25j"]}'

    fake.routes["/v2/course/tags/list"] = tags
    with RegistryClient() as client:
        found = client.tags(ImageReference.parse(f"{fake.address}/course"), page_size=2)
    assert found == ["23j", "24j", "25j"]


def test_bad_answers_are_typed_errors(fake: FakeRegistry) -> None:
    schema1 = json.dumps({"schemaVersion": 1, "name": "course", "fsLayers": []}).encode()
    fake.routes["/v2/course/manifests/old"] = serve(schema1, "application/json")
    fake.routes["/v2/course/manifests/huge"] = serve(b" " * (5 * 1024 * 1024), DOCKER_MANIFEST)
    fake.routes["/v2/course/manifests/" + layer_digest(7)] = serve(b"{}", DOCKER_MANIFEST)
    fake.routes["/v2/course/manifests/busy"] = lambda seen: (503, {}, b"")
    with RegistryClient() as client:
        for target, words in (
            (":old", "old format"),
            (":huge", "too large"),
            ("@" + layer_digest(7), "does not match"),
            (":busy", "HTTP 503"),
        ):
            with pytest.raises(RegistryError, match=words):
                client.manifest(ImageReference.parse(f"{fake.address}/course{target}"), AMD64)
        with pytest.raises(ImageNotFound):
            client.digest_of(ImageReference.parse(f"{fake.address}/course:missing"))


def test_a_server_that_stops_answering_times_out(fake: FakeRegistry) -> None:
    release = threading.Event()

    def hang(seen: Seen) -> Answer:
        release.wait(10)
        return 200, {}, b"{}"

    fake.routes["/v2/course/manifests/1"] = hang
    started = time.monotonic()
    try:
        with RegistryClient(timeout=(3.0, 0.5)) as client, pytest.raises(RegistryUnreachable):
            client.manifest(ImageReference.parse(f"{fake.address}/course:1"), AMD64)
    finally:
        release.set()
    assert time.monotonic() - started < 5
