"""One exchange, as received and answered, into the store: the step every request goes through.

The answer is only sent once its record is committed. When the store cannot
take it even after retrying, the mock answers a technical error (never the
normal answer it could not record) and says so in its log.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from segur_harness.store import Exchange, Store

from .service import MockResult

log = logging.getLogger(__name__)


def exchange_of(service: str, request: Any, raw: bytes, result: MockResult, operation: str,
                scenario_id: str | None, started: float) -> Exchange:
    """The Exchange row for one answered request (`request`: a MockRequest or a werkzeug Request)."""
    return Exchange(
        service=service,
        operation=result.operation or operation,
        scenario_id=scenario_id,
        peer=request.remote_addr,
        started_at=started,
        ended_at=time.time(),
        method=request.method,
        path=request.full_path.rstrip("?"),  # with the query: what a GET (OIDC authorize) really asked
        request_headers=request_headers(request.environ),
        request_body=raw,
        status=result.status,
        response_headers={"Content-Type": result.content_type, **result.headers},
        response_body=result.body,
        findings=result.findings,
        message_id=result.message_id,
    )


_BODY_HEADERS = frozenset({"CONTENT_TYPE", "CONTENT_LENGTH"})
_NAMES: dict[str, str | None] = {}
"""Environ key -> header name as werkzeug spells it (None: not a header); a client sends the same few."""
_MAX_NAMES = 4096


def _header_name(key: str) -> str | None:
    if key.startswith("HTTP_"):
        return None if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH") else key[5:].replace("_", "-").title()
    return key.replace("_", "-").title() if key in _BODY_HEADERS else None


def request_headers(environ: dict[str, Any]) -> dict[str, str]:
    """dict(werkzeug's EnvironHeaders(environ)), in one pass (werkzeug looks each name up again)."""
    out = {}
    names = _NAMES
    for key, value in environ.items():
        name = names.get(key, "")
        if name == "":
            name = _header_name(key)
            if len(names) < _MAX_NAMES:  # bounded: a hostile client's made-up headers cannot grow it for ever
                names[key] = name
        if name is not None and (value or key not in _BODY_HEADERS):
            out[name] = value
    return out


def record(store: Store, exchange: Exchange) -> bool:
    """Commit `exchange`; False when the store refused it (already logged)."""
    try:
        store.record(exchange)
        return True
    except Exception as exc:  # sqlite3 errors, disk full: the caller answers a technical error
        log.error("exchange of %s %s not recorded: %s", exchange.method, exchange.path, exc)
        return False
