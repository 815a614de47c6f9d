"""The SUT's own trace of its Pro Santé Connect calls (GET /psc-calls), failures included.

Scenarios compare it with what the PSC mock received: which endpoint, the
HTTP status, and what the SUT made of it.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

ENDPOINTS = ("discovery", "jwks", "authorize", "token", "refresh", "revoke", "logout")


@dataclass(frozen=True)
class PscCall:
    at: str
    endpoint: str
    status: int | None
    """HTTP status, None when no answer came (unreachable, timeout)."""
    outcome: str
    """SUCCESS, FAILURE (PSC said no) or ERROR (transport, unreadable answer)."""
    rpps: str | None
    detail: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class PscTraceLog:
    """Traced PSC calls of one SUT process, oldest first, until the adapter reset."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: list[PscCall] = []

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()

    def add(self, call: PscCall) -> None:
        with self.lock:
            self.calls.append(call)

    def to_json(self) -> list[dict[str, Any]]:
        with self.lock:
            return [c.to_json() for c in self.calls]
