"""One exchange, as received and answered, into the store: the step every request goes through.

The answer is only sent once its record is committed. When the store cannot
take it even after retrying, the mock answers a technical error (never the
normal answer it could not record) and says so in its log.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from werkzeug.wrappers import Request

from segur_harness.store import Exchange, Store

from .service import MockResult

log = logging.getLogger(__name__)


def exchange_of(service: str, request: Request, raw: bytes, result: MockResult, operation: str,
                scenario_id: str | None, started: float) -> Exchange:
    """The Exchange row for one answered request."""
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


def request_headers(environ: dict[str, Any]) -> dict[str, str]:
    """dict(werkzeug's EnvironHeaders(environ)), in one pass (werkzeug looks each name up again)."""
    out = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                out[key[5:].replace("_", "-").title()] = value
        elif key in _BODY_HEADERS and value:
            out[key.replace("_", "-").title()] = value
    return out


def record(store: Store, exchange: Exchange) -> bool:
    """Commit `exchange`; False when the store refused it (already logged)."""
    try:
        store.record(exchange)
        return True
    except Exception as exc:  # sqlite3 errors, disk full: the caller answers a technical error
        log.error("exchange of %s %s not recorded: %s", exchange.method, exchange.path, exc)
        return False
