"""The pipeline's answer goes out as werkzeug's Response would send it, without building one when it is plain.

Status line, headers and body must be the same for every shape a mock
answers (SOAP faults, 405 with Allow, Connection: close, redirects, HEAD),
and the recorded request headers the same as werkzeug reads them.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from werkzeug.datastructures import EnvironHeaders
from werkzeug.wrappers import Response

from segur_harness.mocks.framework.app import respond
from segur_harness.mocks.framework.recording import request_headers
from segur_harness.mocks.framework.service import MockResult

CT = "application/soap+xml; charset=utf-8"
ENVIRON = {"REQUEST_METHOD": "POST", "PATH_INFO": "/lps", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
           "wsgi.url_scheme": "http", "QUERY_STRING": ""}


def _sent(app: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    seen: list[Any] = []
    body = b"".join(app(environ, lambda status, headers, exc_info=None: seen.extend([status, headers])))
    return seen[0], list(seen[1]), body


@pytest.mark.parametrize("status", [200, 299, 400, 404, 405, 408, 413, 431, 500, 501, 503, 204, 304, 302])
@pytest.mark.parametrize("headers", [{}, {"Connection": "close"}, {"Allow": "POST"}, {"Location": "/cb?x=é"},
                                     {"Content-Length": "3"}, {"Retry-After": "5", "Connection": "close"}])
@pytest.mark.parametrize("method", ["POST", "HEAD", "GET"])
def test_respond_sends_what_werkzeug_sends(status: int, headers: dict[str, str], method: str) -> None:
    result = MockResult(status, b"<soap:Envelope/>", CT, "op", headers=dict(headers))
    environ = {**ENVIRON, "REQUEST_METHOD": method}
    expected = _sent(Response(result.body, status=status, headers={"Content-Type": CT, **headers}), environ)
    assert _sent(lambda env, start: respond(result, env, start), environ) == expected


def test_recorded_request_headers_are_werkzeugs() -> None:
    rng = random.Random(7)
    keys = ["HTTP_HOST", "HTTP_X_A_B", "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "CONTENT_TYPE", "CONTENT_LENGTH",
            "wsgi.input", "PATH_INFO", "HTTP_ACCEPT", "HTTP_SOAPACTION", "HTTP_TRANSFER_ENCODING"]
    for _ in range(500):
        environ = {key: rng.choice(["", "v", "a b"]) for key in rng.sample(keys, rng.randint(0, len(keys)))}
        assert request_headers(environ) == dict(EnvironHeaders(environ))
