"""One traced call to Pro Santé Connect: HTTP through `transport.send`, the answer classified, the trace written.

Every PSC call goes through `call`, so none escapes the trace and each gives
a `Reply` with a French `detail` (the OAuth `error` and `error_description`
when PSC sent them) instead of an exception.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model import now_iso
from ..outcome import ERROR, FAILURE, SUCCESS
from ..transport import send
from .trace import PscCall, PscTraceLog

SERVICE = "Pro Santé Connect"


@dataclass(frozen=True)
class Reply:
    """What one PSC call gave: `outcome` SUCCESS / FAILURE / ERROR, the JSON object or redirect it carried."""

    endpoint: str
    outcome: str
    status: int | None
    body: dict[str, Any]
    location: str | None
    detail: str

    @property
    def ok(self) -> bool:
        return self.outcome == SUCCESS


def _json_object(response: Any) -> dict[str, Any] | None:
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def oauth_detail(body: dict[str, Any], status: int | None) -> str:
    """`error : error_description` of an OAuth error answer (RFC 6749 §5.2), else the HTTP status."""
    error = str(body.get("error") or "")
    if not error:
        return f"réponse HTTP {status}"
    description = str(body.get("error_description") or "").strip()
    return f"{error} : {description}" if description else error


def call(traces: PscTraceLog, endpoint: str, method: str, url: str, timeout: float, rpps: str | None, *,
         expect: tuple[int, ...] = (200,), json_body: bool = True, judge: Callable[[Reply], Reply] | None = None,
         **options: Any) -> Reply:
    """`method` `url` for `endpoint`; SUCCESS when the status is in `expect` (and the body JSON when `json_body`).

    `judge` may re-classify a transport success from what it says (an authorization redirect carrying an error)
    before the call is traced.
    """
    posted = send(method, url, timeout, SERVICE, **options)
    response = posted.response
    if response is None:
        reply = Reply(endpoint, ERROR, None, {}, None, posted.detail)
    else:
        status = response.status_code
        body = _json_object(response) if json_body or status >= 400 else {}
        if status in expect and body is not None:
            reply = Reply(endpoint, SUCCESS, status, body, response.headers.get("Location"), "")
        elif status in expect:
            reply = Reply(endpoint, ERROR, status, {}, None, f"réponse illisible de {SERVICE} (JSON attendu)")
        else:
            outcome = ERROR if status >= 500 else FAILURE
            reply = Reply(endpoint, outcome, status, body or {}, response.headers.get("Location"),
                          f"{SERVICE} a refusé la demande ({oauth_detail(body or {}, status)})")
    if judge is not None and reply.ok:
        reply = judge(reply)
    traces.add(PscCall(now_iso(), endpoint, reply.status, reply.outcome, rpps, reply.detail))
    return reply
