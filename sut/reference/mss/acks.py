"""Delivery and read acknowledgements that come back: DSN (RFC 3464) and MDN (RFC 8098), read from a report.

A report is `multipart/report` with report-type `delivery-status` or
`disposition-notification`; what it says becomes `Acknowledgement`s, and the
ids it quotes (original envelope id, Original-Message-ID, the returned
headers, In-Reply-To / References) say which sent message it is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.parser import HeaderParser

from ..model import now_iso
from .ledger import Acknowledgement

DSN, MDN = "DSN", "MDN"
_IDS = re.compile(r"<[^<>\s]+>")
_ERROR_CODE = re.compile(r"\b(9\d\d)\b")


@dataclass(frozen=True)
class Report:
    kind: str
    references: list[str]
    acknowledgements: list[Acknowledgement]


def report_kind(msg: Message) -> str | None:
    """DSN or MDN when `msg` is a delivery or disposition report, else None."""
    if msg.get_content_type() != "multipart/report":
        return None
    kind = str(msg.get_param("report-type", "", header="content-type") or "").lower()
    return {"delivery-status": DSN, "disposition-notification": MDN}.get(kind)


def _field_blocks(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status or message/disposition-notification part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    if isinstance(payload, str):
        return [HeaderParser().parsestr(block + "\n") for block in re.split(r"\r?\n\s*\r?\n", payload) if block.strip()]
    return []


def _value(block: Message, name: str) -> str:
    return " ".join(str(block.get(name, "")).split())


def _after_type(value: str) -> str:
    """`rfc822;addr` -> addr, `smtp; 550 ...` -> 550 ..."""
    return value.split(";", 1)[1].strip() if ";" in value else value.strip()


def _quoted_ids(msg: Message) -> list[str]:
    ids = []
    for part in msg.walk():
        if part.get_content_type() in ("text/rfc822-headers", "message/rfc822", "message/rfc822-headers"):
            payload = part.get_payload()
            if isinstance(payload, list):
                ids += [str(p.get("Message-ID", "")).strip() for p in payload if isinstance(p, Message)]
            elif isinstance(payload, str):
                ids.append(str(HeaderParser().parsestr(payload).get("Message-ID", "")).strip())
    return [i for i in ids if i]


def _threading_ids(msg: Message) -> list[str]:
    return _IDS.findall(f"{msg.get('In-Reply-To', '')} {msg.get('References', '')}")


def _dsn(msg: Message, part: Message) -> Report:
    blocks = _field_blocks(part)
    per_message, recipients = (blocks[0], blocks[1:]) if blocks else (Message(), [])
    envelope = _value(per_message, "Original-Envelope-Id")
    at = now_iso()
    acks = [Acknowledgement(DSN, at, None, _value(b, "Status") or None, None,
                            " ".join(filter(None, [_value(b, "Action"), _after_type(_value(b, "Diagnostic-Code"))])),
                            _after_type(_value(b, "Final-Recipient")) or None)
            for b in recipients]
    return Report(DSN, [envelope, *_quoted_ids(msg), *_threading_ids(msg)], acks)


def _mdn(msg: Message, part: Message) -> Report:
    blocks = _field_blocks(part)
    fields = blocks[0] if blocks else Message()
    disposition = _value(fields, "Disposition")
    kind = disposition.split(";", 1)[1].strip().lower() if ";" in disposition else disposition.lower()
    error = _value(fields, "Error")
    code = _ERROR_CODE.search(error)
    ack = Acknowledgement(MDN, now_iso(), kind or None, None, code.group(1) if code else None, error or disposition,
                          _after_type(_value(fields, "Final-Recipient")) or None)
    original = _value(fields, "Original-Message-ID")
    return Report(MDN, [original, *_quoted_ids(msg), *_threading_ids(msg)], [ack])


def read_report(msg: Message) -> Report | None:
    """What a DSN or MDN says, None when `msg` is neither."""
    kind = report_kind(msg)
    wanted = {DSN: "message/delivery-status", MDN: "message/disposition-notification"}.get(kind or "")
    if wanted is None:
        return None
    part = next((p for p in msg.walk() if p.get_content_type() == wanted), None)
    if part is None:
        return Report(kind or "", _threading_ids(msg), [])
    return _dsn(msg, part) if kind == DSN else _mdn(msg, part)
