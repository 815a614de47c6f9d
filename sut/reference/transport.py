"""One HTTP call to a national service that never raises: the shared first step of the INSi, DMP and PSC clients.

A real LPS must tell the user why a service gave no answer, so a timeout or an
unreachable host becomes a kind (`TIMEOUT`, `UNREACHABLE`) and a French
sentence naming the service, instead of an exception.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests

TIMEOUT = "TIMEOUT"
UNREACHABLE = "UNREACHABLE"


@dataclass(frozen=True)
class Posted:
    """The HTTP response, or why there is none (`kind` and `detail`); `started_at`/`ended_at` are epoch seconds."""

    started_at: float
    ended_at: float
    response: requests.Response | None = None
    kind: str | None = None
    detail: str = ""


def post(url: str, body: bytes, headers: dict[str, str], timeout_seconds: float, service: str) -> Posted:
    """POST `body` to `url` within `timeout_seconds`; `service` names the service in the French detail."""
    return send("POST", url, timeout_seconds, service, data=body, headers=headers)


def send(method: str, url: str, timeout_seconds: float, service: str, **options: Any) -> Posted:
    """`method` on `url` within `timeout_seconds`; `options` go to requests (params, data, auth, allow_redirects)."""
    started = time.time()
    try:
        response = requests.request(method, url, timeout=timeout_seconds, **options)
    except requests.Timeout:
        return Posted(started, time.time(), kind=TIMEOUT,
                      detail=f"{service} n'a pas répondu dans le délai de {timeout_seconds:g} s")
    except requests.RequestException as exc:
        return Posted(started, time.time(), kind=UNREACHABLE,
                      detail=f"{service} est injoignable ({type(exc).__name__})")
    return Posted(started, time.time(), response=response)
