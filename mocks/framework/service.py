"""The contract between the mock framework and one national-service mock."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from flask import Request

from segur_harness.store import Behaviour, Finding


@dataclass
class MockResult:
    """What a mock answers, plus what it found wrong with the request."""

    status: int
    body: bytes
    content_type: str
    operation: str
    findings: list[Finding] = field(default_factory=list)
    message_id: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class MockService(Protocol):
    """One national service. The framework handles transport, limits and recording."""

    name: str
    # Optional: `body_limit: int`, a body size bound (bytes) of the service's own, used when lower than
    # the framework's max_body_bytes (INSi: [mocks.insi] max_body_bytes). Refused above it like any
    # over-limit body: protocol_error(..., status=413), the exchange recorded with what was received.
    # Optional: `may_block(path: str) -> bool`, True for paths whose requests wait on something (an outbound
    # HTTP call): the mock worker runs those in a thread instead of on its event loop (worker.py).

    def routes(self) -> list[str]:
        """URL paths the service answers on (POST only, unless the service also defines
        `methods(path) -> tuple[str, ...]`, as the OIDC mock does for its GET endpoints)."""
        ...

    def sniff_operation(self, request: Request, body: bytes) -> str:
        """Cheap guess of the operation (e.g. from the SOAP action) to match behaviours."""
        ...

    def handle(self, request: Request, body: bytes) -> MockResult:
        """Validate the request, record findings, answer as the real service would."""
        ...

    def protocol_error(self, reason: str, operation: str, status: int = 400) -> MockResult:
        """The answer to input refused before handling (too large, not parseable, crash)."""
        ...

    def injected_fault(self, behaviour: Behaviour, operation: str) -> MockResult:
        """The answer for an injected `fault` behaviour (service-specific error shape)."""
        ...

    def reset(self) -> None:
        """Forget per-run state (not the exchange store)."""
        ...
