"""OAuth 2.0 / OIDC error answers of the PSC mock, texts from fixtures/psc/errors.toml.

Every refusal is JSON {"error", "error_description"} with the status RFC 6749
§5.2 / RFC 6750 §3 give it; a French text for the user, the precise cause in
the recorded finding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from segur_harness.mocks.framework import MockResult
from segur_harness.store import Finding

from .data import PscDataError, load_toml
from .protocol import JSON_CT

REQUIRED = ("invalid_request", "invalid_client", "invalid_grant", "unsupported_grant_type", "invalid_token",
            "authorization_pending", "expired_token", "server_error", "temporarily_unavailable")


class PscError(Exception):
    """A refusal to answer in the OAuth error shape: a [message.<key>] of errors.toml, or a bare error code."""

    def __init__(self, key: str, detail: str = "", *, status: int | None = None) -> None:
        super().__init__(f"{key}: {detail}")
        self.key = key
        self.detail = detail
        self.status = status


@dataclass(frozen=True)
class ErrorTexts:
    """The error codes (status, default text) and precise messages of errors.toml."""

    codes: dict[str, tuple[int, str]]
    messages: dict[str, tuple[str, str]]

    @classmethod
    def load(cls, explicit: str | None) -> ErrorTexts:
        data = load_toml(explicit, "errors.toml")
        try:
            codes = {k: (int(v["status"]), str(v["description"])) for k, v in data.get("error", {}).items()}
            messages = {k: (str(v["error"]), str(v["text"])) for k, v in data.get("message", {}).items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise PscDataError(f"PSC errors file is malformed: {exc}") from exc
        missing = [c for c in REQUIRED if c not in codes] + [m[0] for m in messages.values() if m[0] not in codes]
        if missing:
            raise PscDataError(f"PSC errors file lacks error codes: {', '.join(sorted(set(missing)))}")
        return cls(codes, messages)

    def resolve(self, key: str, detail: str = "") -> tuple[str, str, int]:
        """(error code, French description, HTTP status) of a message key or a bare error code."""
        if key in self.messages:
            code, text = self.messages[key]
            return code, text.replace("{detail}", detail[:200]), self.codes[code][0]
        code = key if key in self.codes else "server_error"
        return code, self.codes[code][1], self.codes[code][0]

    def result(self, key: str, detail: str, operation: str, *, status: int | None = None,
               finding: str = "", headers: dict[str, str] | None = None) -> MockResult:
        """The JSON error answer, with a finding carrying the precise (possibly English) cause."""
        code, text, default_status = self.resolve(key, detail)
        http = status or default_status
        body: dict[str, Any] = {"error": code, "error_description": text}
        out_headers = {"Cache-Control": "no-store", "Pragma": "no-cache", **(headers or {})}
        if code == "invalid_client" and http == 401:
            out_headers.setdefault("WWW-Authenticate", 'Basic realm="psc"')
        if code == "invalid_token":
            out_headers["WWW-Authenticate"] = 'Bearer realm="psc", error="invalid_token"'  # ASCII: header
        severity = "error" if http < 500 else "warning"
        findings = [Finding(severity, f"PSC-{code.upper()}", finding or text, operation)]
        return MockResult(http, json.dumps(body, ensure_ascii=False).encode(), JSON_CT, operation, findings,
                          headers=out_headers)
