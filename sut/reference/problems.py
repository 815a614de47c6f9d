"""RFC 9457 problem details, the adapter contract's only error shape."""

from __future__ import annotations

from typing import Any

from flask import Response, json

PROBLEM_TYPE_PREFIX = "urn:segur-harness:adapter:problem:"
PROBLEM_CONTENT_TYPE = "application/problem+json"


class Problem(Exception):
    """An error answered as application/problem+json; `kind` becomes the type URN."""

    def __init__(self, status: int, kind: str, title: str, detail: str = "",
                 errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail or title)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.errors = errors or []

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": PROBLEM_TYPE_PREFIX + self.kind, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if self.errors:
            body["errors"] = self.errors
        return body

    def response(self) -> Response:
        return Response(json.dumps(self.to_json(), ensure_ascii=False), status=self.status,
                        mimetype=PROBLEM_CONTENT_TYPE)


def invalid(errors: list[dict[str, str]]) -> Problem:
    """422 with one entry per wrong field (`field` is a JSON pointer-ish path)."""
    return Problem(422, "invalid-request", "La requête est invalide", "; ".join(e["message"] for e in errors), errors)
