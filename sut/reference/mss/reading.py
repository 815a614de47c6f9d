"""Reading the MSSanté mailbox: unseen mail over IMAP, each handled (inbound.py), MDNs sent, handled mail seen.

Mail that could not be handled stays unseen, so the next reading tries again;
what was handled is kept in the ledger even when the session breaks later.
"""

from __future__ import annotations

import ssl
from typing import Any

from ..inbox import Inbox
from ..model import Registry
from ..outcome import ERROR, FAILURE, REFUSED, SUCCESS, ServiceOutcome, unhappy
from ..psc.client import PscClient
from ..settings import SutSettings
from ..workflows import Workflows
from .auth import TokenSource
from .compose import wire_bytes
from .data import mss_data
from .errors import ServerRefusal, TransportError
from .imap import ImapSession
from .inbound import Handled, Inbound
from .ledger import MssLedger
from .smtp import SENT, SmtpSession
from .tls import client_context

READING = "Relève de la messagerie MSSanté"
LABELS = {"integrated": "intégré(s)", "duplicate": "déjà intégré(s)", "refused": "refusé(s)",
          "acknowledgement": "accusé(s) de réception", "ignored": "sans document",
          "deferred": "en attente (INSi indisponible)"}


class Reader:
    def __init__(self, settings: SutSettings, registry: Registry, inbox: Inbox, psc: PscClient,
                 ledger: MssLedger, identities: Workflows) -> None:
        self.settings, self.psc, self.ledger = settings, psc, ledger
        self.inbound = Inbound(settings, registry, inbox, ledger, identities)

    def sync(self, mailbox: str, rpps: str, user: str) -> ServiceOutcome:
        """Fetch the unseen mail of `mailbox`, handle each, send the MDNs asked for, mark handled mail seen."""
        fields: dict[str, Any] = {"fetched": 0, "received": []}
        server = self.settings.mss_imap
        if server is None:
            return unhappy(REFUSED, READING, "la messagerie MSSanté (IMAP) n'est pas configurée", fields)
        tokens = TokenSource(self.psc, rpps)
        access = tokens.current()
        if access.token is None:
            return unhappy(access.outcome, READING, access.detail, fields)
        try:
            context = client_context(self.settings)
        except OSError as exc:
            return unhappy(ERROR, READING, f"autorité de certification MSSanté illisible ({exc})", fields)
        handled: list[Handled] = []
        try:
            with ImapSession(server, context, self.settings.mss_timeout_seconds, mailbox, access.token,
                             tokens) as imap:
                uids = imap.unseen()[: int(mss_data()["inbound"]["max_messages_per_sync"])]
                for uid in uids:
                    handled.append(self.inbound.handle(imap.fetch(uid), (mailbox, imap.uidvalidity, uid), user))
                mdn_problem = self._send_mdns(handled, mailbox, context, tokens)
                for uid, result in zip(uids, handled, strict=True):
                    if result.mark_seen:
                        imap.mark_seen(uid)
        except (TransportError, ServerRefusal) as exc:
            self._keep(handled, fields)
            if isinstance(exc, TransportError):
                return unhappy(ERROR, READING, exc.detail, fields)
            return unhappy(FAILURE, READING, exc.reply, fields)
        self._keep(handled, fields)
        return self._outcome(handled, mdn_problem, fields)

    def _send_mdns(self, handled: list[Handled], mailbox: str, context: ssl.SSLContext,
                   tokens: TokenSource) -> str | None:
        """One MDN per handled message that asked for one, over one SMTP session; the problem met, if any."""
        wanted = [h for h in handled if h.mdn is not None]
        if not wanted:
            return None
        server = self.settings.mss_smtp
        if server is None:
            return "accusés de lecture non envoyés : la messagerie MSSanté (SMTP) n'est pas configurée"
        access = tokens.current()
        if access.token is None:
            return f"accusés de lecture non envoyés : {access.detail}"
        try:
            with SmtpSession(server, context, self.settings.mss_timeout_seconds, mailbox, access.token,
                             tokens) as smtp:
                for item in wanted:
                    assert item.mdn is not None
                    delivery = smtp.send(wire_bytes(item.mdn.message), mailbox, [item.mdn.recipient],
                                         envelope_id=item.mdn.message_id.strip("<>"), request_dsn=False)
                    item.record.mdn_sent = delivery.status == SENT
                    item.record.mdn_message_id = item.mdn.message_id if item.record.mdn_sent else None
                    if not item.record.mdn_sent:
                        return f"accusé de lecture refusé par le serveur : {delivery.reply}"
        except TransportError as exc:
            return f"accusés de lecture non envoyés : {exc.detail}"
        except ServerRefusal as exc:
            return f"accusés de lecture refusés par le serveur : {exc.reply}"
        return None

    def _keep(self, handled: list[Handled], fields: dict[str, Any]) -> None:
        for item in handled:
            self.ledger.record_received(item.record)
        fields.update(fetched=len(handled), received=[h.record.to_json() for h in handled])

    @staticmethod
    def _outcome(handled: list[Handled], mdn_problem: str | None, fields: dict[str, Any]) -> ServiceOutcome:
        records = [h.record for h in handled]
        counts = {kind: sum(1 for r in records if r.outcome == kind) for kind in LABELS}
        summary = ", ".join(f"{n} {LABELS[k]}" for k, n in counts.items() if n) or "aucun nouveau message"
        if mdn_problem:
            return unhappy(FAILURE, READING, f"{mdn_problem} ({summary})", fields)
        problems = [f"{r.subject or r.message_id} : {r.detail}" for r in records
                    if r.outcome in ("refused", "duplicate")]
        message = " ".join([f"{READING} : {len(records)} message(s) lu(s), {summary}.", *problems])
        return ServiceOutcome(SUCCESS, message, bool(problems), fields)
