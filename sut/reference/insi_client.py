"""Sends one INSi request over HTTP and classifies what came back.

A real LPS must tell the user *why* INSi gave no answer (fault reason, HTTP
status, timeout), so every failure becomes a `CallOutcome` with a French
sentence instead of an exception.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from .insi_request import CONTENT_TYPE, BuiltRequest
from .insi_response import InsiFault, InsiResult, UnreadableAnswer, parse_answer
from .transport import TIMEOUT, UNREACHABLE, post

RESULT = "RESULT"
FAULT = "FAULT"
HTTP_ERROR = "HTTP_ERROR"
UNREADABLE = "UNREADABLE"
__all__ = ["FAULT", "HTTP_ERROR", "RESULT", "TIMEOUT", "UNREACHABLE", "UNREADABLE", "CallOutcome", "call_insi"]


@dataclass(frozen=True)
class CallOutcome:
    """What one INSi call gave: a RESULTAT, or why there is none (`detail`, in French)."""

    request: BuiltRequest
    kind: str
    started_at: float
    ended_at: float
    result: InsiResult | None = None
    fault: InsiFault | None = None
    http_status: int | None = None
    detail: str = ""

    @property
    def trace_result(self) -> str:
        """What the trace shows as the call's result: the CodeCR, or the failure kind."""
        return self.result.code if self.result else self.kind


def _classify(built: BuiltRequest, response: requests.Response, started: float, ended: float) -> CallOutcome:
    try:
        answer = parse_answer(response.content)
    except UnreadableAnswer as exc:
        if response.status_code != 200:
            text = response.text.strip()[:200] or response.reason
            return CallOutcome(built, HTTP_ERROR, started, ended, http_status=response.status_code,
                               detail=f"erreur HTTP {response.status_code} : {text}")
        return CallOutcome(built, UNREADABLE, started, ended, http_status=200,
                           detail=f"réponse INSi illisible : {exc}")
    if isinstance(answer, InsiFault):
        code = f" (code {answer.error_code})" if answer.error_code else ""
        return CallOutcome(built, FAULT, started, ended, fault=answer, http_status=response.status_code,
                           detail=f"erreur INSi{code} : {answer.reason}")
    return CallOutcome(built, RESULT, started, ended, result=answer, http_status=response.status_code,
                       detail=f"{answer.code} {answer.label}".strip())


def call_insi(built: BuiltRequest, url: str, timeout_seconds: float) -> CallOutcome:
    """POST `built` to `url` as SOAP 1.2 and classify the answer; never raises for network trouble."""
    headers = {"Content-Type": f'{CONTENT_TYPE}; action="{built.action}"'}
    posted = post(url, built.body, headers, timeout_seconds, "le téléservice INSi")
    if posted.response is None:
        return CallOutcome(built, posted.kind or UNREACHABLE, posted.started_at, posted.ended_at, detail=posted.detail)
    return _classify(built, posted.response, posted.started_at, posted.ended_at)
