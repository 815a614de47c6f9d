"""Sending produced documents by MSSanté: plan, compose, one SMTP session, what the user is told.

Nothing goes out without a PSC session (REFUSED, no connection); a message
that would only go to a patient whose INS is not qualified is not sent; every
server refusal (`550`, `535`) and transport error reaches the user with the
server's words and an alert. The defect `mss-swallows-refusal` is switched here.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Any

from ..documents import ProducedDocument
from ..model import Identity, now_iso
from ..outcome import ERROR, FAILURE, REFUSED, SUCCESS, ServiceOutcome, unhappy, worst
from ..psc.client import PscClient
from ..settings import MailServer, SutSettings
from .auth import TokenSource
from .compose import Composed, compose, wire_bytes
from .errors import ServerRefusal, TransportError
from .ledger import MssLedger, SentMessage
from .plan import PlannedMessage, plan
from .smtp import REFUSED as SMTP_REFUSED
from .smtp import SENT, Delivery, SmtpSession
from .tls import client_context

SENDING = "Envoi MSSanté"


@dataclass(frozen=True)
class SendRequest:
    documents: list[ProducedDocument]
    identities: dict[str, Identity]
    sender: str
    rpps: str
    to: list[str]
    to_patient: bool
    request_dsn: bool
    request_mdn: bool
    user: str


@dataclass
class _Report:
    """What happened to each planned message, as it is recorded and shown."""

    sender: str
    ledger: MssLedger
    entries: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def note(self, outcome: str, text: str) -> None:
        self.outcomes.append(outcome)
        if text:
            self.notes.append(text)

    def add(self, message: PlannedMessage, status: str, mail: Composed | None = None, *, reply: str | None = None,
            refused: dict[str, str] | None = None, detail: str = "") -> None:
        if mail is not None:
            self.ledger.record_sent(SentMessage(mail.message_id, mail.envelope_id, self.sender,
                                                list(message.recipients), mail.subject, now_iso(), status,
                                                [d.id for d in message.documents], message.identity.id))
        self.entries.append({
            "message_id": mail.message_id if mail else None, "patient_identity_id": message.identity.id,
            "to": list(message.recipients), "subject": mail.subject if mail else "", "status": status,
            "smtp_reply": reply, "refused_recipients": dict(refused or {}),
            "document_ids": [d.id for d in message.documents], "detail": detail})

    def delivered(self, message: PlannedMessage, mail: Composed, delivery: Delivery, dsn_asked: bool) -> None:
        self.add(message, delivery.status, mail, reply=delivery.reply, refused=delivery.refused_recipients)
        if delivery.status == SMTP_REFUSED:
            self.note(FAILURE, delivery.reply)
        elif delivery.refused_recipients:
            self.note(FAILURE, "; ".join(delivery.refused_recipients.values()))
        else:
            self.note(SUCCESS, "")
        if dsn_asked and not delivery.dsn_requested:
            self.notes.append("le serveur ne propose pas les accusés de remise (DSN)")


class Sender:
    def __init__(self, settings: SutSettings, psc: PscClient, ledger: MssLedger) -> None:
        self.settings, self.psc, self.ledger = settings, psc, ledger

    def send(self, req: SendRequest) -> ServiceOutcome:
        fields: dict[str, Any] = {"messages": []}
        server = self.settings.mss_smtp
        if server is None:
            return unhappy(REFUSED, SENDING, "la messagerie MSSanté (SMTP) n'est pas configurée", fields)
        tokens = TokenSource(self.psc, req.rpps)
        access = tokens.current()
        if access.token is None:
            return unhappy(access.outcome, SENDING, access.detail, fields)
        report = _Report(req.sender, self.ledger)
        sendable = []
        for message in plan(req.documents, req.identities, req.to, req.to_patient, self.settings):
            if message.patient_refused:
                report.note(REFUSED, message.patient_refused)
            if message.recipients:
                sendable.append(message)
            else:
                report.add(message, "refused", detail=message.patient_refused or "aucun destinataire")
        if sendable:
            try:
                context = client_context(self.settings)
            except OSError as exc:
                return unhappy(ERROR, SENDING, f"autorité de certification MSSanté illisible ({exc})", fields)
            self._transmit(sendable, req, server, context, access.token, tokens, report)
        fields["messages"] = report.entries
        return self._outcome(report, fields)

    def _transmit(self, sendable: list[PlannedMessage], req: SendRequest, server: MailServer,
                  context: ssl.SSLContext, token: str, tokens: TokenSource, report: _Report) -> None:
        mails = [compose(m, req.sender, req.request_mdn, self.settings, req.user) for m in sendable]
        pending = list(zip(sendable, mails, strict=True))
        try:
            with SmtpSession(server, context, self.settings.mss_timeout_seconds, req.sender, token, tokens,
                             plaintext=self.settings.has("mss-no-starttls")) as smtp:
                while pending:
                    message, mail = pending[0]
                    delivery = smtp.send(wire_bytes(mail.message), req.sender, message.recipients,
                                         envelope_id=mail.envelope_id, request_dsn=req.request_dsn)
                    pending.pop(0)
                    report.delivered(message, mail, delivery, req.request_dsn)
        except TransportError as exc:
            for message, mail in pending:
                report.add(message, "error", mail, detail=exc.detail)
            report.note(ERROR, exc.detail)
        except ServerRefusal as exc:
            for message, mail in pending:
                report.add(message, "refused", mail, reply=exc.reply, detail=exc.reply)
            report.note(FAILURE, exc.reply)

    def _outcome(self, report: _Report, fields: dict[str, Any]) -> ServiceOutcome:
        sent = sum(1 for e in report.entries if e["status"] == SENT)
        outcome = worst(report.outcomes)
        if outcome == FAILURE and self.settings.has("mss-swallows-refusal"):
            return ServiceOutcome(SUCCESS, f"{SENDING} : {len(report.entries)} message(s) transmis.", False, fields)
        if outcome == SUCCESS:
            extra = f" ({'; '.join(report.notes)})" if report.notes else ""
            return ServiceOutcome(SUCCESS, f"{SENDING} : {sent} message(s) envoyé(s){extra}.", False, fields)
        detail = "; ".join(dict.fromkeys(report.notes)) + (f" ({sent} message(s) envoyé(s) malgré tout)" if sent
                                                           else "")
        return unhappy(outcome, SENDING, detail, fields)
