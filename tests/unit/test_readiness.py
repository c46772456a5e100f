"""The readiness check against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from launcher.core.environments.ports import LOOPBACK, choose_port
from launcher.core.environments.readiness import (
    ReadyCheck,
    ServicesStarting,
    answering,
    wait_until_ready,
)
from launcher.core.errors import Cancelled
from launcher.core.operation import CancelToken

TOKEN = "t0ken-for-tests"


class _Service(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
        elif self.path == "/waiting-page":  # answers everyone, token or not
            self.send_response(200)
        elif self.path == "/tree":  # Jupyter without the token sends to its login page
            ok = self.headers.get("Authorization") == f"token {TOKEN}"
            self.send_response(200 if ok else 302)
            if not ok:
                self.send_header("Location", "/login")
        elif self.path.startswith("/api/status"):
            ok = self.headers.get("Authorization") == f"token {TOKEN}"
            self.send_response(200 if ok else 403)
        else:
            self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def service() -> Iterator[int]:
    server = ThreadingHTTPServer((LOOPBACK, 0), _Service)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join()


def check(port: int, path: str, token: str | None = None, name: str = "jupyter") -> ReadyCheck:
    return ReadyCheck(service=name, url=f"http://{LOOPBACK}:{port}{path}", token=token)


def test_answers_with_the_token_only(service: int) -> None:
    assert answering([check(service, "/api/status?x=1", TOKEN)]) == {"jupyter"}
    assert answering([check(service, "/api/status", "wrong")]) == set()
    assert answering([check(service, "/api/status")]) == set()


def test_a_page_that_answers_without_the_token_is_not_the_service(service: int) -> None:
    assert answering([check(service, "/waiting-page", TOKEN)]) == set()
    assert answering([check(service, "/waiting-page", name="web")]) == {"web"}  # no token needed
    assert answering([check(service, "/tree", TOKEN)]) == {"jupyter"}  # login redirect: protected


def test_a_redirect_answers_and_is_not_followed(service: int) -> None:
    assert answering([check(service, "/moved", name="web")]) == {"web"}


def test_nothing_listening_is_not_ready(service: int) -> None:
    free = choose_port(None, avoid={service})
    assert answering([check(free, "/api/status", TOKEN)]) == set()


def test_an_internet_proxy_is_not_used_for_this_computer(
    service: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://192.0.2.1:3128")  # TEST-NET: nothing answers there
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert answering([check(service, "/api/status", TOKEN)]) == {"jupyter"}


def test_a_waiting_start_says_which_services_answer_and_which_it_waits_for(service: int) -> None:
    free = choose_port(None, avoid={service})
    checks = [check(free, "/api/status", TOKEN), check(service, "/moved", name="web")]
    said: list[object] = []
    cancel = CancelToken()

    def progress(message: object) -> None:
        said.append(message)
        cancel.cancel()  # one report is enough; the container is never asked

    with pytest.raises(Cancelled):
        wait_until_ready(object(), checks, cancel=cancel, progress=progress, timeout=60)
    (first,) = said
    assert isinstance(first, ServicesStarting)
    assert first.answered == ("web",) and first.waiting == ("jupyter",)
    assert str(first) == first.describe() == f"Starting jupyter… {first.elapsed:.0f} s"
