"""The request object the pipeline and the services get: werkzeug's answers, read straight from the environ.

Every request of a mock reads its method, path, peer, content type and
length; werkzeug's Request builds header and URL machinery for them (a fifth
of the framework's own time per INSi request). MockRequest computes those few
the way werkzeug does, a content type parsed once per distinct value, and
builds a werkzeug Request on first use of anything else (args, form, headers,
stream, get_json...), so a service sees the same values either way.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import Request
from werkzeug.http import parse_options_header
from werkzeug.sansio.utils import get_content_length


@lru_cache(maxsize=256)
def _content_type(value: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """(mimetype, parameters) as werkzeug's Request gives them for a Content-Type of `value`."""
    mimetype, params = parse_options_header(value)
    return mimetype.lower(), tuple(params.items())


class MockRequest:
    """See the module docstring; attributes not defined here are werkzeug's (flask.Request)."""

    __slots__ = ("environ", "method", "path", "remote_addr", "_werkzeug")

    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ
        self.method: str = environ.get("REQUEST_METHOD", "GET").upper()
        self.path: str = "/" + (environ.get("PATH_INFO") or "").encode("latin1").decode(errors="replace").lstrip("/")
        self.remote_addr: str | None = environ.get("REMOTE_ADDR")
        self._werkzeug: Request | None = None

    @property
    def werkzeug(self) -> Request:
        """The werkzeug Request of the same environ (built once, on first need)."""
        if self._werkzeug is None:
            self._werkzeug = Request(self.environ)
        return self._werkzeug

    def __getattr__(self, name: str) -> Any:
        return getattr(self.werkzeug, name)

    @property
    def query_string(self) -> bytes:
        return self.environ.get("QUERY_STRING", "").encode("latin1")

    @property
    def full_path(self) -> str:
        return f"{self.path}?{self.query_string.decode()}"

    @property
    def content_type(self) -> str | None:
        return self.environ.get("CONTENT_TYPE")

    @property
    def content_length(self) -> int | None:
        return get_content_length(http_content_length=self.environ.get("CONTENT_LENGTH"),
                                  http_transfer_encoding=self.environ.get("HTTP_TRANSFER_ENCODING"))

    @property
    def mimetype(self) -> str:
        return _content_type(self.environ.get("CONTENT_TYPE", ""))[0]

    @property
    def mimetype_params(self) -> dict[str, str]:
        return dict(_content_type(self.environ.get("CONTENT_TYPE", ""))[1])
