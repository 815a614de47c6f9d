"""Mock-to-mock HTTP calls reuse this thread's connection, and a connection found closed is retried once."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
import requests

from segur_harness import keepalive
from tests.harness.http_stub import serving


class _Counting(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    connections = 0

    def setup(self) -> None:
        super().setup()
        type(self).connections += 1

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Counting.connections = 0
    with serving(_Counting) as url:
        yield url + "/"


def test_calls_of_one_thread_share_one_connection(server: str) -> None:
    for _ in range(5):
        assert keepalive.request("GET", server, timeout=5).text == "ok"
    assert _Counting.connections == 1


def test_a_closed_connection_is_retried_once_on_a_new_one(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    keepalive.request("GET", server, timeout=5)
    calls = []
    real = requests.Session.request

    def stale_then_fine(self: requests.Session, *args: object, **kwargs: object) -> requests.Response:
        calls.append(self)
        if len(calls) == 1:
            raise requests.ConnectionError("connection reset by peer")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", stale_then_fine)
    assert keepalive.request("GET", server, timeout=5).text == "ok"
    assert len(calls) == 2 and calls[0] is not calls[1]


def test_a_call_without_a_time_bound_is_refused() -> None:
    with pytest.raises(TypeError):
        keepalive.request("GET", "http://127.0.0.1:9/")
