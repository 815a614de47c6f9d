"""Where Pro Santé Connect's endpoints and keys are: OIDC Discovery and the JWKS, fetched once and kept.

The SUT never builds endpoint URLs itself: it reads them from the issuer's
discovery document (OIDC Discovery §4) and checks that the document speaks for
the issuer it was asked for (§4.3), as a product pointed at real PSC must.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from ..outcome import ERROR
from .http import Reply, call
from .trace import PscTraceLog

DISCOVERY_PATH = "/.well-known/openid-configuration"
REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    revocation_endpoint: str | None
    end_session_endpoint: str | None


class Unavailable(Exception):
    """Discovery or the JWKS could not be read: `reply` says why (its outcome is FAILURE or ERROR)."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.detail)
        self.reply = reply


def _metadata(reply: Reply, issuer: str) -> Reply:
    body = reply.body
    missing = [name for name in REQUIRED if not isinstance(body.get(name), str) or not body[name]]
    if missing:
        return Reply(reply.endpoint, ERROR, reply.status, body, None,
                     f"document de découverte Pro Santé Connect incomplet ({', '.join(missing)} absent)")
    if body["issuer"].rstrip("/") != issuer:
        return Reply(reply.endpoint, ERROR, reply.status, body, None,
                     f"le document de découverte annonce l'émetteur {body['issuer']!r}, {issuer!r} attendu")
    return reply


def _key_set(reply: Reply) -> Reply:
    if isinstance(reply.body.get("keys"), list):
        return reply
    return Reply(reply.endpoint, ERROR, reply.status, {}, None, "jeu de clés Pro Santé Connect illisible (keys absent)")


class Provider:
    """Discovery and JWKS of the configured issuer, cached until the issuer changes or the adapter resets."""

    def __init__(self, traces: PscTraceLog) -> None:
        self.traces = traces
        self.lock = threading.Lock()
        self._metadata: dict[str, ProviderMetadata] = {}
        self._jwks: dict[str, dict[str, Any]] = {}

    def reset(self) -> None:
        with self.lock:
            self._metadata.clear()
            self._jwks.clear()

    def metadata(self, issuer: str, timeout: float, rpps: str | None) -> ProviderMetadata:
        """The issuer's endpoints; Unavailable when discovery fails."""
        with self.lock:
            known = self._metadata.get(issuer)
        if known is not None:
            return known
        reply = call(self.traces, "discovery", "GET", issuer + DISCOVERY_PATH, timeout, rpps,
                     judge=lambda r: _metadata(r, issuer))
        if not reply.ok:
            raise Unavailable(reply)
        body = reply.body
        found = ProviderMetadata(body["issuer"].rstrip("/"), body["authorization_endpoint"], body["token_endpoint"],
                                 body["jwks_uri"], body.get("revocation_endpoint"), body.get("end_session_endpoint"))
        with self.lock:
            self._metadata[issuer] = found
        return found

    def jwks(self, meta: ProviderMetadata, timeout: float, rpps: str | None, *, fresh: bool = False) -> dict[str, Any]:
        """The issuer's signing keys (`fresh`: fetched again, after a key the cached set does not hold)."""
        with self.lock:
            known = None if fresh else self._jwks.get(meta.jwks_uri)
        if known is not None:
            return known
        reply = call(self.traces, "jwks", "GET", meta.jwks_uri, timeout, rpps, judge=_key_set)
        if not reply.ok:
            raise Unavailable(reply)
        with self.lock:
            self._jwks[meta.jwks_uri] = reply.body
        return reply.body
