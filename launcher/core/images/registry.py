"""A small client of the Docker Registry HTTP API v2: what a course image is made of.

:meth:`RegistryClient.manifest` resolves a reference to the manifest for this
computer's platform (manifest lists and OCI indexes resolved, attestation entries
skipped) with its layer digests and sizes, so a download's total is known before its
first byte. :meth:`~RegistryClient.digest_of` asks for a tag's digest with a ``HEAD``
request (which Docker Hub does not count against its pull limit), and
:meth:`~RegistryClient.tags` lists a repository's tags. Every request has a timeout
(connect 3 s, read 10 s); every failure a student can meet is a typed error from
:mod:`launcher.core.errors`. The model (``ImageManifest``, ``Platform``) and the
choice of a list entry are :mod:`launcher.core.images.manifest`; addresses and logins
are :mod:`launcher.core.images.registry_auth`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from launcher.core.errors import RegistryError, TokenRefused
from launcher.core.images import pull_errors
from launcher.core.images.manifest import (
    ACCEPT,
    ImageManifest,
    Platform,
    choose_entry,
    config_platform,
    listed_platforms,
    read_layers,
    unusable,
)
from launcher.core.images.reference import ImageReference
from launcher.core.images.registry_auth import (
    DOCKER_HUB,
    DOCKER_HUB_AUTH_REALM,
    DOCKER_HUB_SERVICE,
    Credentials,
    RateLimit,
    TokenCache,
    base_url,
    check_secure,
    fetch_token,
    parse_challenges,
    read_limited,
)

TIMEOUT = (3.0, 10.0)  # connect, read (seconds)
MAX_MANIFEST_BYTES = 4 * 1024 * 1024  # the limit registries themselves apply


@dataclass
class _Answer:
    response: requests.Response
    body: bytes = field(default=b"")


class RegistryClient:
    """Talks to any v2 registry; logins by registry name (``docker.io``, ``host:port``)."""

    def __init__(
        self,
        credentials: Mapping[str, Credentials] | None = None,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = TIMEOUT,
        endpoints: Mapping[str, str] | None = None,
        hub_auth_realm: str = DOCKER_HUB_AUTH_REALM,
    ) -> None:
        """``endpoints`` overrides where a registry name is served (tests, mirrors)."""
        self._credentials = dict(credentials or {})
        self._session = session or requests.Session()
        self._timeout = timeout
        self._endpoints = dict(endpoints or {})
        self._hub_realm = hub_auth_realm
        self._tokens = TokenCache()
        self.rate_limit: RateLimit | None = None  # the last one a registry reported

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- the API -------------------------------------------------------------

    def manifest(self, ref: ImageReference, platform: Platform) -> ImageManifest:
        """The manifest of ``ref`` for ``platform`` (lists and indexes resolved)."""
        data, media_type, digest = self._manifest(ref, ref.digest or ref.tag or "latest")
        top, chosen = digest, None
        for _ in range(3):  # an index may point at another index; more is not sane
            if "manifests" not in data:
                break
            entry, chosen = choose_entry(ref, data["manifests"], platform)
            data, media_type, digest = self._manifest(ref, entry)
        config, layers = read_layers(ref, data)
        return ImageManifest(ref, top, digest, media_type, config, layers, chosen)

    def platforms(self, ref: ImageReference) -> tuple[Platform, ...]:
        """The platforms ``ref`` is published for: a list's entries, or what a single
        image's config says it is built for (an empty answer: the registry does not say)."""
        data, _, _ = self._manifest(ref, ref.digest or ref.tag or "latest")
        if "manifests" in data:
            return listed_platforms(data["manifests"])
        config, _ = read_layers(ref, data)
        answer = self._call("GET", ref, f"blobs/{config}", {"Accept": "*/*"})
        if "sha256:" + hashlib.sha256(answer.body).hexdigest() != config:
            raise unusable(ref, "an image description that does not match its digest")
        found = config_platform(self._json(ref, answer.body))
        return (found,) if found is not None else ()

    def digest_of(self, ref: ImageReference) -> str:
        """The digest ``ref``'s tag points to now, from a ``HEAD`` request."""
        target = ref.digest or ref.tag or "latest"
        answer = self._call("HEAD", ref, f"manifests/{target}", {"Accept": ACCEPT})
        digest = answer.response.headers.get("Docker-Content-Digest", "")
        if digest.startswith("sha256:"):
            return digest
        return self._manifest(ref, target)[2]  # a registry that does not say: hash the body

    def tags(self, ref: ImageReference, page_size: int = 1000) -> list[str]:
        """Every tag of ``ref``'s repository, following the ``Link`` pages."""
        found: list[str] = []
        path = f"tags/list?n={page_size}"
        for _ in range(100):
            answer = self._call("GET", ref, path, {"Accept": "application/json"})
            data = self._json(ref, answer.body)
            found += [str(tag) for tag in (data.get("tags") or [])]
            following = answer.response.links.get("next", {}).get("url")
            if not following:
                return found
            parts = urlsplit(urljoin(f"/v2/{ref.repository}/", following))
            path = f"{parts.path}?{parts.query}"
        return found

    # --- manifests -----------------------------------------------------------

    def _manifest(self, ref: ImageReference, target: str) -> tuple[dict[str, Any], str, str]:
        answer = self._call("GET", ref, f"manifests/{target}", {"Accept": ACCEPT})
        digest = "sha256:" + hashlib.sha256(answer.body).hexdigest()
        if target.startswith("sha256:") and digest != target:
            raise unusable(ref, "a manifest that does not match its digest")
        data = self._json(ref, answer.body)
        content_type = answer.response.headers.get("Content-Type", "").split(";")[0].strip()
        media_type = str(data.get("mediaType") or content_type)
        if data.get("schemaVersion") != 2:
            raise unusable(ref, "an image in the old format (schema 1)")
        return data, media_type, digest

    def _json(self, ref: ImageReference, body: bytes) -> dict[str, Any]:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise unusable(ref, "an answer that is not valid JSON")
        return data

    # --- requests and logins -------------------------------------------------

    def _url(self, ref: ImageReference, path: str) -> str:
        base = self._endpoints.get(ref.registry) or base_url(ref.registry)
        return f"{base}/v2/{ref.repository}/{path}" if not path.startswith("/") else base + path

    def _call(
        self, method: str, ref: ImageReference, path: str, headers: dict[str, str]
    ) -> _Answer:
        scope = f"repository:{ref.repository}:pull"
        authorization = self._tokens.get(ref.registry, scope)
        if authorization is None and ref.registry == DOCKER_HUB:
            params = {"service": DOCKER_HUB_SERVICE, "scope": scope}
            authorization = self._login(ref, scope, self._hub_realm, params)
        answer = self._send(method, ref, path, headers, authorization)
        if answer.response.status_code == 401:
            self._tokens.forget(ref.registry, scope)
            authorization = self._answer_challenge(ref, scope, answer.response)
            if authorization is not None:
                answer = self._send(method, ref, path, headers, authorization)
        status = answer.response.status_code
        if status == 429:
            retry = answer.response.headers.get("Retry-After")
            limit = self.rate_limit.limit if self.rate_limit else None
            raise pull_errors.rate_limited(limit, retry if retry and retry.isdigit() else None)
        if status in (401, 403):
            raise pull_errors.access_denied(ref.familiar, ref.registry in self._credentials)
        if status == 404:
            raise pull_errors.image_not_found(ref.familiar)
        if not 200 <= status < 300:
            raise RegistryError(
                f"The course image server {ref.registry} answered with an error (HTTP {status}).",
                "It may be busy or being updated: wait a few minutes, then press Retry.",
            )
        return answer

    def _send(
        self,
        method: str,
        ref: ImageReference,
        path: str,
        headers: dict[str, str],
        authorization: str | None,
    ) -> _Answer:
        url = self._url(ref, path)
        check_secure(url)
        sent = dict(headers, Authorization=authorization) if authorization else headers
        try:
            response = self._session.request(
                method, url, headers=sent, timeout=self._timeout, stream=True
            )
            with response:
                self.rate_limit = RateLimit.from_headers(response.headers) or self.rate_limit
                body = b""
                if method != "HEAD" and response.status_code == 200:
                    body = read_limited(response, MAX_MANIFEST_BYTES)
        except requests.RequestException as exc:
            raise pull_errors.unreachable(ref.registry, _reason(exc, self._timeout)) from exc
        try:
            check_secure(response.url)  # after any redirect
        except ValueError as exc:
            raise unusable(ref, f"a redirect that is not safe to follow ({exc})") from None
        if len(body) > MAX_MANIFEST_BYTES:
            raise unusable(ref, "an answer too large to be a manifest")
        return _Answer(response, body)

    def _answer_challenge(
        self, ref: ImageReference, scope: str, response: requests.Response
    ) -> str | None:
        credentials = self._credentials.get(ref.registry)
        for challenge in parse_challenges(response.headers.get("WWW-Authenticate", "")):
            if challenge.scheme == "bearer" and challenge.params.get("realm"):
                params = {k: v for k, v in challenge.params.items() if k in ("service", "scope")}
                params.setdefault("scope", scope)
                return self._login(ref, scope, challenge.params["realm"], params)
            if challenge.scheme == "basic" and credentials is not None:
                pair = f"{credentials.username}:{credentials.password}".encode()
                return "Basic " + base64.b64encode(pair).decode("ascii")
        return None

    def _login(self, ref: ImageReference, scope: str, realm: str, params: dict[str, str]) -> str:
        credentials = self._credentials.get(ref.registry)
        try:
            token, lifetime = fetch_token(self._session, realm, params, credentials, self._timeout)
        except TokenRefused as exc:
            if exc.status == 429:
                raise pull_errors.rate_limited() from None
            if exc.status in (401, 403):
                raise pull_errors.access_denied(ref.familiar, credentials is not None) from None
            raise unusable(ref, f"no usable login token ({exc})") from None
        except ValueError as exc:  # an insecure realm
            raise unusable(ref, f"a login address that is not safe to use ({exc})") from None
        except requests.RequestException as exc:
            server = realm.split("//")[-1].split("/")[0]
            raise pull_errors.unreachable(server, _reason(exc, self._timeout)) from exc
        authorization = f"Bearer {token}"
        self._tokens.put(ref.registry, scope, authorization, lifetime)
        return authorization


def _reason(exc: requests.RequestException, timeout: tuple[float, float]) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return f"no answer within {timeout[0]:g} s"
    if isinstance(exc, requests.Timeout):
        return f"it stopped answering for {timeout[1]:g} s"
    if isinstance(exc, requests.exceptions.SSLError):
        return "its secure connection could not be checked"
    return pull_errors.network_reason(str(exc)) or "the connection failed"
