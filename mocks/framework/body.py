"""Reading a request body under a size bound and a time bound, keeping what arrived.

A body that cannot be read (garbled or cut-off chunked encoding, a client that
stops sending) is not a crash: the caller records what arrived and answers
in-protocol, so the reader returns the bytes read so far with the problem.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

CHUNK = 64 * 1024


@dataclass
class Body:
    """The bytes received and, when the body is unusable, why (with the HTTP status to answer)."""

    data: bytes
    problem: str | None = None
    status: int = 400


def read_body(request: Any, limit: int, timeout: float | None = None) -> Body:
    """At most `limit` bytes of the body of `request` (a werkzeug Request or a MockRequest), read within
    `timeout` seconds in total."""
    declared = request.content_length
    if declared is not None and declared > limit:
        return Body(b"", f"message too large: {declared} bytes announced, limit is {limit} bytes", 413)
    deadline = time.monotonic() + timeout if timeout else None
    received = bytearray()
    # one read of the announced length from the server's stream (werkzeug's wrapper costs more, even unused)
    stream = request.environ["wsgi.input"] if declared is not None else request.stream
    try:
        while len(received) <= limit:
            want = limit + 1 - len(received) if declared is None else min(declared, limit) - len(received)
            if want <= 0:
                break
            chunk = stream.read(min(CHUNK if declared is None else declared, want))
            if not chunk:
                break
            received += chunk
            if deadline is not None and time.monotonic() > deadline:
                return Body(bytes(received), f"body not received within {timeout:g} s", 408)
    except TimeoutError:
        return Body(bytes(received), "body not received in time (client stopped sending)", 408)
    except Exception as exc:  # gunicorn/werkzeug raise their own types for a garbled chunked body
        status = getattr(exc, "http_status", 400)  # the mock worker's read timeout says 408
        return Body(bytes(received), f"unreadable HTTP body: {type(exc).__name__} {_short(exc)}".strip(), status)
    if len(received) > limit:
        return Body(bytes(received[:limit]), f"message too large: limit is {limit} bytes", 413)
    if declared is not None and len(received) < declared:
        return Body(bytes(received), f"body cut off: {len(received)} of {declared} bytes announced", 400)
    return Body(bytes(received))


def _short(exc: Exception) -> str:
    """The exception's own words, bounded (never a traceback)."""
    return str(exc)[:200]
