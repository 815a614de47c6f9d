"""The MDN (accusé de lecture, RFC 8098) the SUT sends for a received MSSanté message that asked for one.

multipart/report; report-type=disposition-notification: a French text for
the reader, then the machine part (Reporting-UA, Final-Recipient,
Original-Message-ID, Disposition `automatic-action/MDN-sent-automatically;
processed` or `processed/error` with `Error: <code>^<label>` for an LPS
error 900-906).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from ..settings import SutSettings
from .compose import new_message_id
from .data import error_label

DISPOSITION = "automatic-action/MDN-sent-automatically"


def ascii_text(text: str) -> str:
    """`text` without diacritics (MDN fields are US-ASCII)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).encode(
        "ascii", "replace").decode("ascii")


@dataclass(frozen=True)
class Mdn:
    message: EmailMessage
    message_id: str
    recipient: str


def build_mdn(original: EmailMessage, mailbox: str, recipient: str, error_code: str | None, summary: str,
              settings: SutSettings) -> Mdn:
    """The MDN from `mailbox` to `recipient` about `original`; `error_code` None: processed without error."""
    original_id = str(original.get("Message-ID", "")).strip()
    subject = " ".join(str(original.get("Subject", "")).split())
    message_id, _ = new_message_id(mailbox)
    report = EmailMessage()
    report["From"] = mailbox
    report["To"] = recipient
    report["Subject"] = f"Accusé de lecture : {subject}"
    report["Date"] = formatdate(localtime=True)
    report["Message-ID"] = message_id
    if original_id:
        report["In-Reply-To"] = original_id
        report["References"] = original_id
    state = "processed/error" if error_code else "processed"
    report.set_content(f"Votre message « {subject} » a été reçu par {mailbox} et traité : {summary}\n",
                       cte="quoted-printable")
    report.make_mixed()
    report.set_type("multipart/report")
    report.set_param("report-type", "disposition-notification")
    fields = [f"Reporting-UA: {settings.instance}; {settings.lps_name} {settings.lps_version}",
              f"Final-Recipient: rfc822;{mailbox}"]
    if original_id:
        fields.append(f"Original-Message-ID: {original_id}")
    fields.append(f"Disposition: {DISPOSITION}; {state}")
    if error_code:
        fields.append(f"Error: {error_code}^{ascii_text(error_label(error_code))}")
    machine = EmailMessage()
    machine["Content-Type"] = "message/disposition-notification"
    machine.set_payload("\r\n".join(fields) + "\r\n")
    report.attach(machine)
    return Mdn(report, message_id, recipient)
