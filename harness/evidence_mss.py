"""A recorded MSSanté message run again through the MSSanté mock's own content checks, for `evidence verify --rerun`.

The SMTP-MESSAGE exchange keeps the raw message the SUT sent and its RCPT TO
list: mocks/mss/content.py `check_message` judges them again (MIME,
Message-ID, headers, the patient mailbox, the IHE_XDM.ZIP through the
harness's XDM walk, an MDN or DSN through acks.py), exactly as the mock did
before 250. The CDAs of the archive are not validated here: they are bundle
documents, revalidated as such. What only existed on the wire (TLS version
and cipher, STARTTLS, the client certificate, the XOAUTH2 token then active)
is in the SMTP sessions: their recorded findings are kept as they are.
"""

from __future__ import annotations

from typing import Any

from segur_harness.store import Finding
from segur_harness.validation.model import FileResult

MESSAGE = "SMTP-MESSAGE"
WIRE_ONLY = "faits du réseau (TLS, STARTTLS, certificat client, jeton XOAUTH2) absents du bundle : constats conservés"
NOT_COMPARED = ("MSS-MSG-XDM-INDISPONIBLE", "MSS-MSG-VALIDATION", "MOCK-")
"""The validation service missing or slow at the time, a crash: not about the message."""
SESSION_RULES = ("MSS-TLS", "MSS-AUTH", "MSS-MESSAGE", "MSS-ACCUSE", "MSS-DEPOT", "MSS-EXPEDITEUR",
                 "MSS-DESTINATAIRE")
"""Findings about the SMTP session or the delivery, not the message's content."""
XDM_OWN = "MSS-XDM-XDM-"
"""Findings of the archive's own XDM checks; the other MSS-XDM-* are its CDAs' validation (bundle documents)."""


class DocumentsElsewhere:
    """The validation engine `check_message` asks about each CDA of the archive: none here (bundle documents)."""

    def validate_document(self, data: bytes, name: str, schematron: Any = None) -> FileResult:
        return FileResult(name=name)


def recipients(record: dict[str, Any]) -> list[str]:
    """The RCPT TO of the message, as the mock recorded them (`rcpt_to`, comma separated)."""
    value = str((record.get("request_headers") or {}).get("rcpt_to") or "")
    return [address.strip() for address in value.split(",") if address.strip()]


def judge_message(record: dict[str, Any], body: bytes) -> list[Finding]:
    """The MSSanté mock's content findings on this recorded message, now."""
    from segur_harness.mocks.mss.content import check_message

    return check_message(body, recipients(record), DocumentsElsewhere())


def in_scope(rule: str) -> bool:
    """True for the content checks a replay redoes (module docstring): MSS-MSG-*, the archive's own XDM checks,
    MDN / DSN checks; not its CDAs' validation nor the session's facts."""
    if rule.startswith(NOT_COMPARED) or not rule.startswith("MSS-"):
        return False
    if rule.startswith("MSS-XDM-"):
        return rule.startswith(XDM_OWN)
    return not rule.startswith(SESSION_RULES)
