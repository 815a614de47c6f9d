"""One HTTP POST to a national service that never raises: the shared first step of the INSi and DMP clients.

A real LPS must tell the user why a service gave no answer, so a timeout or an
unreachable host becomes a kind (`TIMEOUT`, `UNREACHABLE`) and a French
sentence naming the service, instead of an exception.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

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
    started = time.time()
    try:
        response = requests.post(url, data=body, headers=headers, timeout=timeout_seconds)
    except requests.Timeout:
        return Posted(started, time.time(), kind=TIMEOUT,
                      detail=f"{service} n'a pas répondu dans le délai de {timeout_seconds:g} s")
    except requests.RequestException as exc:
        return Posted(started, time.time(), kind=UNREACHABLE,
                      detail=f"{service} est injoignable ({type(exc).__name__})")
    return Posted(started, time.time(), response=response)
