"""Reads the INSi exchanges the mock recorded: what the SUT really sent, and what it was answered.

Raw bodies are parsed with the hardened parser; the steps compare these facts
with what the SUT claims (its adapter answers and its own trace).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from segur_harness.xmlsafe import XmlRejected, parse_xml

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
CTXLPS = "urn:siram:lps:ctxlps"
RECSANS = "http://www.cnamts.fr/INSiRecSans"
RECVIT = "http://www.cnamts.fr/INSiRecVit"
RESULTAT = "http://www.cnamts.fr/INSiResultat"
OPERATIONS = {
    f"{{{RECSANS}}}RECSANSVITALE": "rechercherInsAvecTraitsIdentite",
    f"{{{RECVIT}}}RECVITALE": "rechercherInsAvecCarteVitale",
}


@dataclass
class InsiExchange:
    """One recorded INSi call, reduced to what the scenarios check."""

    id: int
    operation: str | None
    message_id: str | None
    first_names: list[str]
    birth_place: str | None
    lps_context: dict[str, str] | None
    http_status: int
    result: str
    fault_reason: str | None
    findings: list[dict[str, Any]] = field(default_factory=list)
    unreadable: str | None = None

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f.get("severity") == "error"]


def _lps_context(header: etree._Element | None) -> dict[str, str] | None:
    ctx = header.find(f"{{{CTXLPS}}}ContexteLPS") if header is not None else None
    if ctx is None:
        return None
    lps = ctx.find(f"{{{CTXLPS}}}LPS")
    return {
        name: (lps.findtext(f"{{{CTXLPS}}}{name}") or "").strip() if lps is not None else ""
        for name in ("IDAM", "Nom", "Version", "Instance")
    }


def _result(status: int, body: str) -> tuple[str, str | None]:
    """'00'/'01'/'02' from a RESULTAT, 'FAULT' with its reason, else 'HTTP <status>'."""
    try:
        root = parse_xml(body)
    except XmlRejected:
        return f"HTTP {status}", None
    code = root.findtext(f".//{{{RESULTAT}}}CR/{{{RESULTAT}}}CodeCR")
    if code:
        return code.strip(), None
    fault = root.find(f".//{{{SOAP12}}}Fault")
    if fault is not None:
        reason = " ".join((t.text or "").strip() for t in fault.iterfind(f"{{{SOAP12}}}Reason/{{{SOAP12}}}Text"))
        return "FAULT", reason
    return f"HTTP {status}", None


def read_exchange(raw: dict[str, Any]) -> InsiExchange:
    """Facts of one exchange as returned by GET /_admin/exchanges."""
    result, reason = _result(int(raw["status"]), raw.get("response_body") or "")
    base = {"id": raw["id"], "http_status": int(raw["status"]), "result": result, "fault_reason": reason,
            "findings": raw.get("findings") or []}
    try:
        root = parse_xml(raw.get("request_body") or "")
    except XmlRejected as exc:
        return InsiExchange(operation=None, message_id=None, first_names=[], birth_place=None, lps_context=None,
                            unreadable=exc.reason, **base)
    header = root.find(f"{{{SOAP12}}}Header")
    body = root.find(f"{{{SOAP12}}}Body")
    payload = next((c for c in body if isinstance(c.tag, str)), None) if body is not None else None
    message_id = header.findtext(f"{{{WSA}}}MessageID") if header is not None else None
    first_names: list[str] = []
    birth_place = None
    if payload is not None and payload.tag == f"{{{RECSANS}}}RECSANSVITALE":
        first_names = [(p.text or "").strip() for p in payload.iterfind(f"{{{RECSANS}}}Prenom")]
        birth_place = payload.findtext(f"{{{RECSANS}}}LieuNaissance")
    return InsiExchange(
        operation=OPERATIONS.get(payload.tag) if payload is not None else None,
        message_id=message_id.strip() if message_id else None,
        first_names=first_names,
        birth_place=birth_place.strip() if birth_place else None,
        lps_context=_lps_context(header),
        **base,
    )
