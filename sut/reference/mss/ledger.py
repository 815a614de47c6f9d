"""What the SUT remembers of its MSSanté traffic: messages sent with their acknowledgements, messages received.

A DSN or MDN that arrives later is attached to the sent message it refers to
(by Original-Message-ID, original envelope id or In-Reply-To), so the user
sees per message whether it was delivered and read.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Acknowledgement:
    type: str
    """DSN or MDN."""
    received_at: str
    disposition: str | None
    """MDN: processed, processed/error, displayed, deleted..."""
    status: str | None
    """DSN: the RFC 3463 status of the recipient (2.0.0, 5.1.1...)."""
    code: str | None
    """MDN: the LPS error code 900-906, when the receiving software refused the content."""
    text: str
    recipient: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SentMessage:
    message_id: str
    envelope_id: str
    sender: str
    to: list[str]
    subject: str
    sent_at: str
    status: str
    """sent, refused or error."""
    document_ids: list[str]
    patient_identity_id: str | None
    acknowledgements: list[Acknowledgement] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "from": self.sender, "to": list(self.to), "subject": self.subject,
                "sent_at": self.sent_at, "status": self.status, "document_ids": list(self.document_ids),
                "patient_identity_id": self.patient_identity_id,
                "acknowledgements": [a.to_json() for a in self.acknowledgements]}


@dataclass
class ReceivedMessage:
    key: tuple[str, str, str]
    """(mailbox, UIDVALIDITY, UID): the same mail fetched again (still unseen) updates its entry."""
    message_id: str
    mailbox: str
    sender: str
    subject: str
    received_at: str
    xdm: bool
    outcome: str
    """integrated, duplicate, refused, ignored or acknowledgement."""
    documents: list[str] = field(default_factory=list)
    error_code: str | None = None
    mdn_sent: bool = False
    mdn_message_id: str | None = None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "mailbox": self.mailbox, "from": self.sender, "subject": self.subject,
                "received_at": self.received_at, "xdm": self.xdm, "outcome": self.outcome,
                "documents": list(self.documents), "error_code": self.error_code, "mdn_sent": self.mdn_sent,
                "mdn_message_id": self.mdn_message_id, "detail": self.detail}


class MssLedger:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.sent: list[SentMessage] = []
        self.received: list[ReceivedMessage] = []

    def reset(self) -> None:
        with self.lock:
            self.sent.clear()
            self.received.clear()

    def record_sent(self, message: SentMessage) -> None:
        with self.lock:
            self.sent.append(message)

    def find_sent(self, references: list[str]) -> SentMessage | None:
        """The sent message one of `references` names (Message-ID with its brackets, or envelope id)."""
        with self.lock:
            for ref in references:
                for message in self.sent:
                    if ref in (message.message_id, message.envelope_id):
                        return message
        return None

    def acknowledge(self, references: list[str], acks: list[Acknowledgement]) -> SentMessage | None:
        with self.lock:
            message = self.find_sent(references)
            if message is not None:
                message.acknowledgements.extend(acks)
            return message

    def record_received(self, message: ReceivedMessage) -> None:
        with self.lock:
            for index, known in enumerate(self.received):
                if known.key == message.key:
                    self.received[index] = message
                    return
            self.received.append(message)

    def to_json(self) -> dict[str, Any]:
        with self.lock:
            return {"sent": [m.to_json() for m in self.sent], "received": [m.to_json() for m in self.received]}
