"""MockRequest gives what werkzeug's Request gives for the same environ, on seeded odd ones too."""

from __future__ import annotations

import io
import random
from typing import Any

import pytest
from flask import Request

from segur_harness.mocks.framework.recording import request_headers
from segur_harness.mocks.framework.request import MockRequest

FAST = ("method", "path", "remote_addr", "query_string", "full_path", "content_type", "content_length", "mimetype",
        "mimetype_params")
CONTENT_TYPES = ["application/soap+xml; charset=utf-8", 'application/soap+xml;charset="UTF-8";action="urn:a:b"',
                 "APPLICATION/SOAP+XML", "text/xml", "", "multipart/related; type=\"application/xop+xml\"; "
                 "boundary=\"uuid:1\"; start=\"<root>\"", ";;", "a/b; x", "a/b; q=1; Q=2", "ünï/cödé"]


def _environ(rng: random.Random) -> dict[str, Any]:
    environ: dict[str, Any] = {"wsgi.input": io.BytesIO(b"abc"), "wsgi.url_scheme": "http", "SERVER_NAME": "h",
                               "SERVER_PORT": "80"}
    options = {
        "REQUEST_METHOD": ["POST", "get", "Put", ""],
        "PATH_INFO": ["/lps", "//lps", "", "lps", "/caf\xc3\xa9", "/\xff\xfe", "/a b/%41"],
        "QUERY_STRING": ["", "a=1", "x=\xc3\xa9", "bad=\xff"],
        "REMOTE_ADDR": ["127.0.0.1", "::1", ""],
        "CONTENT_TYPE": CONTENT_TYPES,
        "CONTENT_LENGTH": ["3", "", "-1", "abc", " 7", "0", "99999999999"],
        "HTTP_TRANSFER_ENCODING": ["chunked", "gzip, chunked", "identity", ""],
        "HTTP_HOST": ["h"], "HTTP_X_ODD_NAME": ["v"], "HTTP_CONTENT_TYPE": ["dup"],
    }
    for key, values in options.items():
        if rng.random() < 0.8:
            environ[key] = rng.choice(values)
    return environ


def _value(obj: Any, name: str) -> Any:
    try:
        return getattr(obj, name)
    except Exception as exc:  # both must fail alike (a query string that is not UTF-8)
        return type(exc)


@pytest.mark.parametrize("seed", range(4))
def test_the_fast_attributes_are_werkzeugs(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(300):
        environ = _environ(rng)
        fast, werkzeug = MockRequest(dict(environ)), Request(dict(environ))
        for name in FAST:
            assert _value(fast, name) == _value(werkzeug, name), (name, environ)
        assert request_headers(environ) == dict(werkzeug.headers)


def test_anything_else_comes_from_one_werkzeug_request() -> None:
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/token", "QUERY_STRING": "a=1&a=2",
               "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": "7",
               "wsgi.input": io.BytesIO(b"b=3&c=4"), "wsgi.url_scheme": "http", "SERVER_NAME": "h", "SERVER_PORT": "80",
               "HTTP_AUTHORIZATION": "Basic eDp5"}
    request = MockRequest(environ)
    assert request.args.getlist("a") == ["1", "2"]
    assert request.form.to_dict() == {"b": "3", "c": "4"}
    assert request.headers["Authorization"] == "Basic eDp5"
    assert request.werkzeug is request.werkzeug  # built once: its stream and parsed form are kept
