"""Acknowledgements of the MSSanté mock (fixtures/mss/acks.toml): the DSN and MDN it sends, the MDN it checks.

Sent: a DSN (RFC 3464 multipart/report; report-type=delivery-status) for each
delivered recipient whose RCPT TO asked NOTIFY=SUCCESS, and, acting as the
receiving LPS of a professional, an MDN (RFC 8098) when the message carries
Disposition-Notification-To: "processed", or "processed/error" with the LPS
error code its content findings call for (900-906, DOMAIN.md §4).
Checked: an MDN the SUT sends (its disposition, error code, Original-Message-ID).
"""

from __future__ import annotations

import re
import tomllib
import uuid
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, localtime
from functools import cache
from pathlib import Path
from typing import Any

from segur_harness.mocks.framework.data import rule_finding
from segur_harness.store import Finding

from .settings import FIXTURES

DISPOSITION = re.compile(r"^\s*automatic-action/MDN-sent-automatically\s*;\s*(processed(?:/error)?)\s*$", re.I)
MSG_ID = re.compile(r"^<[^<>@\s]+@[^<>@\s]+>$")
MDN_TYPE, DSN_TYPE = "disposition-notification", "delivery-status"


@cache
def acks(path: Path = FIXTURES / "acks.toml") -> dict[str, Any]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def _finding(rule: str, location: str = "", **values: object) -> Finding:
    return rule_finding(acks()["rules"], rule, location, **values)


def report_type(msg: Message) -> str | None:
    """"disposition-notification" (MDN), "delivery-status" (DSN) or None for any other message."""
    if msg.get_content_type() != "multipart/report":
        return None
    return str(msg.get_param("report-type") or "").lower() or None


def _fields(msg: Message, content_type: str) -> Message | None:
    """The header-like fields of the machine-readable part (message/disposition-notification, …)."""
    for part in msg.walk():
        if part.get_content_type() == content_type:
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                return payload[0]
            if isinstance(payload, str):
                return message_from_bytes(payload.encode("utf-8", "replace"))
    return None


# -- checking an MDN the SUT sends --------------------------------------------------------------------------
def check_mdn(msg: Message) -> list[Finding]:
    """Findings about MDN `msg` (RFC 8098 §3 fields and the LPS error code of a processed/error)."""
    fields = _fields(msg, "message/disposition-notification")
    if fields is None:
        return [_finding("MSS-MDN-STRUCTURE", detail="pas de partie message/disposition-notification")]
    out = []
    for name in ("Reporting-UA", "Final-Recipient"):
        if not fields.get(name):
            out.append(_finding("MSS-MDN-STRUCTURE", name, detail=f"champ {name} absent"))
    original = str(fields.get("Original-Message-ID") or "").strip()
    if not MSG_ID.match(original):
        out.append(_finding("MSS-MDN-ORIGINAL", "Original-Message-ID", value=original))
    disposition = str(fields.get("Disposition") or "")
    matched = DISPOSITION.match(disposition)
    if matched is None:
        out.append(_finding("MSS-MDN-DISPOSITION", "Disposition", value=disposition))
        return out
    kind = matched.group(1).lower()
    code = ""
    if kind == "processed/error":
        error = str(fields.get("Error") or "")
        code = error.split("^", 1)[0].strip()
        if code not in acks()["codes"]:
            out.append(_finding("MSS-MDN-CODE", "Error", value=error))
    out.append(_finding("MSS-MDN-RECU", disposition=kind, code=f" {code}" if code else "", original=original))
    return out


def check_report(msg: Message) -> list[Finding] | None:
    """Findings of an acknowledgement the SUT sends (MDN checked, DSN noted); None when `msg` is not one."""
    kind = report_type(msg)
    if kind == MDN_TYPE:
        return check_mdn(msg)
    if kind == DSN_TYPE:
        fields = _fields(msg, "message/delivery-status")
        original = str((fields or {}).get("Original-Envelope-Id") or msg.get("In-Reply-To") or "")
        return [_finding("MSS-DSN-RECU", original=original)]
    return None


# -- acknowledgements the mock sends --------------------------------------------------------------------------
@dataclass(frozen=True)
class Ack:
    """One acknowledgement to deliver into `mailbox` (the original sender's)."""

    kind: str  # MDN | DSN
    mailbox: str
    raw: bytes
    disposition: str = ""
    code: str = ""


def error_code(findings: list[Finding]) -> str:
    """The LPS error code the content findings call for, or "" (processed)."""
    errors = [f.rule for f in findings if f.severity == "error"]
    for entry in acks()["error_code"]:
        rule = entry["rule"]
        if any(r == rule or (rule.endswith("*") and r.startswith(rule[:-1])) for r in errors):
            return str(entry["code"])
    return "906" if errors else ""


def _report(kind: str, sender: str, to: str, subject: str, original: Message, text: str, blocks: list[Message],
            machine_type: str) -> bytes:
    outer = MIMEMultipart("report", report_type=kind, policy=policy.SMTP)
    outer["From"], outer["To"], outer["Subject"] = sender, to, subject
    outer["Date"] = format_datetime(localtime())
    outer["Message-ID"] = f"<{uuid.uuid4().hex}@mock.mssante.test>"
    original_id = str(original.get("Message-ID") or "").strip()
    if original_id:
        outer["In-Reply-To"] = outer["References"] = original_id
    outer["Auto-Submitted"] = "auto-replied"
    outer.attach(MIMEText(text, "plain", "utf-8", policy=policy.SMTP))
    machine = Message(policy=policy.SMTP)
    machine["Content-Type"] = machine_type
    machine.set_payload(blocks)
    outer.attach(machine)
    head = "".join(f"{k}: {v}\n" for k, v in original.items()).encode("ascii", "replace").decode("ascii")
    outer.attach(MIMEText(head, "rfc822-headers", "us-ascii", policy=policy.SMTP))  # RFC 6522 §4: 7bit
    return outer.as_bytes()


def mdn_for(raw: bytes, recipient: str, findings: list[Finding]) -> Ack | None:
    """The MDN that recipient `recipient`'s LPS sends for message `raw`, when it asked for one."""
    original: EmailMessage = message_from_bytes(raw, policy=policy.default)  # type: ignore[assignment]
    if report_type(original) is not None:
        return None  # never acknowledge an acknowledgement (RFC 8098 §2.1)
    try:
        notify = str(original.get("Disposition-Notification-To") or "").strip()
    except Exception:  # noqa: BLE001 - an unreadable header: no MDN, the MIME finding says why
        return None
    address = re.search(r"[^\s<>,]+@[^\s<>,]+", notify)
    if address is None:
        return None
    spec = acks()
    code = error_code(findings)
    kind = "processed/error" if code else "processed"
    fields = Message(policy=policy.SMTP)
    fields["Reporting-UA"] = spec["mdn"]["reporting_ua"]
    fields["Original-Recipient"] = f"rfc822;{recipient}"
    fields["Final-Recipient"] = f"rfc822;{recipient}"
    fields["Original-Message-ID"] = str(original.get("Message-ID") or "")
    fields["Disposition"] = f"automatic-action/MDN-sent-automatically; {kind}"
    text = spec["mdn"]["text_processed"]
    if code:
        label = spec["codes"][code]
        fields["Error"] = f"{code}^{label}"
        text = spec["mdn"]["text_error"].format(code=code, label=label)
    subject = spec["mdn"]["subject_prefix"] + str(original.get("Subject") or "")
    data = _report(MDN_TYPE, recipient, address.group(0), subject, original, text, [fields],
                   "message/disposition-notification")
    return Ack("MDN", address.group(0), data, kind, code)


def dsn_for(raw: bytes, sender: str, recipient: str, envid: str | None) -> Ack:
    """The DSN "delivered" (2.0.0) for `recipient`, sent to envelope sender `sender` (RFC 3464)."""
    original: EmailMessage = message_from_bytes(raw, policy=policy.default)  # type: ignore[assignment]
    spec = acks()["dsn"]
    fields = Message(policy=policy.SMTP)
    fields["Reporting-MTA"] = spec["reporting_mta"]
    if envid:
        fields["Original-Envelope-Id"] = envid
    fields["Arrival-Date"] = format_datetime(localtime())
    per_recipient = Message(policy=policy.SMTP)  # RFC 3464 §2.3, a block of its own after the per-message one
    per_recipient["Final-Recipient"] = f"rfc822;{recipient}"
    per_recipient["Action"] = "delivered"
    per_recipient["Status"] = "2.0.0"
    per_recipient["Last-Attempt-Date"] = format_datetime(localtime())
    data = _report(DSN_TYPE, "MAILER-DAEMON@mock.mssante.test", sender,
                   spec["subject"].format(subject=str(original.get("Subject") or "")), original,
                   spec["text"].format(recipient=recipient), [fields, per_recipient], "message/delivery-status")
    return Ack("DSN", sender, data, "delivered", "2.0.0")
