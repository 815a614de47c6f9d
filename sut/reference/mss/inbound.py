"""What the SUT does with one mail read from its MSSanté mailbox.

- a DSN or an MDN: attached to the sent message it is about (acknowledgement);
- a mail carrying an IHE_XDM.ZIP (MSS/UX.01): each CDA that METADATA.XML lists
  is matched to a QUAL identity by its INS and its traits, then integrated
  through the inbox (which refuses a duplicate); a document that cannot be
  matched is not integrated and gets an LPS error code (902 unknown patient,
  903 no INS, 904 INS and traits differ, 905 incomplete INS, 906 other; 900 for
  another XDM version); the sender gets ONE MDN when the mail asked for one;
- any other mail: left unseen for the user, listed as ignored.
The defects `mss-ignores-xdm-mail`, `mss-integrates-duplicates`, `mss-no-mdn`
and `mss-wrong-mdn` are switched here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses

from ..dmp.cda_facts import read_facts
from ..inbox import DUPLICATE, INTEGRATED, Inbox
from ..model import Identity, Registry, now_iso
from ..settings import SutSettings
from ..traits import normalize
from ..workflows import FOUND, NOT_CONFIGURED, SERVICE_ERROR, Workflows
from .acks import read_report
from .data import error_label, mss_data
from .ledger import MssLedger, ReceivedMessage
from .mdn import Mdn, build_mdn
from .xdm_in import UnreadableArchive, read_documents

CHANNEL = "MSSANTE"
_INS = re.compile(r"[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{8}")
_XDM_VERSION = re.compile(r"^XDM/(\d+(?:\.\d+)*)/")


@dataclass
class Handled:
    record: ReceivedMessage
    mark_seen: bool
    mdn: Mdn | None = None


def _header(msg: EmailMessage, name: str) -> str:
    try:
        return " ".join(str(msg.get(name, "") or "").split())
    except (ValueError, TypeError, IndexError):  # a header the parser cannot read is treated as absent
        return ""


def _xdm_part(msg: EmailMessage) -> EmailMessage | None:
    wanted = mss_data()["message"]["xdm_attachment"].upper()
    return next((p for p in msg.walk() if (p.get_filename() or "").upper() == wanted), None)


class InsiUnavailable(Exception):
    """INSi could not confirm a received document's INS now: keep the message unread and try at the next reading."""


class Inbound:
    """Handles fetched mail for the SUT's registry, inbox and ledger; received INS are checked with INSi."""

    def __init__(self, settings: SutSettings, registry: Registry, inbox: Inbox, ledger: MssLedger,
                 identities: Workflows) -> None:
        self.settings, self.registry, self.inbox, self.ledger = settings, registry, inbox, ledger
        self.identities = identities

    def handle(self, raw: bytes, key: tuple[str, str, str], user: str) -> Handled:
        msg: EmailMessage = message_from_bytes(raw, policy=policy.default)  # type: ignore[assignment]
        record = ReceivedMessage(key=key, message_id=_header(msg, "Message-ID"), mailbox=key[0],
                                 sender=_header(msg, "From"), subject=_header(msg, "Subject"),
                                 received_at=now_iso(), xdm=False, outcome="ignored")
        report = read_report(msg)
        if report is not None and not self.settings.has("mss-ignores-acknowledgements"):
            sent = self.ledger.acknowledge([r for r in report.references if r], report.acknowledgements)
            record.outcome = "acknowledgement"
            record.detail = (f"accusé {report.kind} du message {sent.message_id}" if sent
                             else f"accusé {report.kind} d'un message inconnu")
            return Handled(record, mark_seen=True)
        part = _xdm_part(msg)
        if part is None or self.settings.has("mss-ignores-xdm-mail"):
            record.detail = "message sans archive IHE_XDM.ZIP : laissé non lu"
            return Handled(record, mark_seen=False)
        record.xdm = True
        try:
            codes = self._integrate(msg, part, record, user)
        except InsiUnavailable as exc:
            record.outcome = "deferred"
            record.detail = f"INS non vérifiable maintenant ({exc}) : message laissé non lu, nouvel essai à la " \
                            "prochaine relève"
            record.documents.clear()
            return Handled(record, mark_seen=False)
        record.error_code = codes[0] if codes else None
        if codes:
            record.outcome = "refused"
        return Handled(record, mark_seen=True, mdn=self._mdn(msg, record))

    # -- documents -----------------------------------------------------------
    def _integrate(self, msg: EmailMessage, part: EmailMessage, record: ReceivedMessage, user: str) -> list[str]:
        """Integrate what can be; the LPS error codes of what could not (empty: every document integrated)."""
        version = _XDM_VERSION.match(record.subject)
        if version and version.group(1) != "1.0":
            record.detail = f"version XDM {version.group(1)} non supportée"
            return ["900"]
        try:
            documents = read_documents(part.get_payload(decode=True) or b"")
        except UnreadableArchive as exc:
            record.detail = str(exc)
            return ["906"]
        codes: list[str] = []
        notes: list[str] = []
        new = duplicates = 0
        for document in documents:
            code = self._patient_code(document.data, user)
            if code is not None:
                codes.append(code)
                notes.append(f"{document.member} non intégré : {error_label(code)} ({code})")
                continue
            reception = self.inbox.receive(document.data, CHANNEL, user,
                                           dedup=not self.settings.has("mss-integrates-duplicates"))
            if reception.document is None:
                codes.append("906")
                notes.append(f"{document.member} : {reception.message}")
                continue
            record.documents.append(reception.document.id)
            new += reception.outcome == INTEGRATED
            duplicates += reception.outcome == DUPLICATE
            notes.append(reception.message)
        record.outcome = "duplicate" if duplicates and not new else "integrated"
        record.detail = " ".join(notes)
        return codes

    def _patient_code(self, cda: bytes, user: str) -> str | None:
        """None when the CDA's patient is a QUAL identity of the registry with the same INS and traits, confirmed
        by INSi now (MSS/UX.03: a received INS is checked with the téléservice before the document is filed)."""
        try:
            facts = read_facts(cda)
        except ValueError:
            return "906"
        if facts.ins is None:
            return "903"
        ins = facts.ins[0].upper()
        if not _INS.fullmatch(ins):
            return "905"
        with self.registry.lock:
            known = [i for i in self.registry.identities.values()
                     if i.status == "QUAL" and i.ins is not None and (i.ins.number + i.ins.key).upper() == ins]
        if not known:
            return "902"
        for identity in known:
            if (normalize(identity.traits.birth_name) == normalize(facts.birth_name)
                    and identity.traits.birth_date.replace("-", "") == facts.birth_time[:8]):
                return self._confirmed_by_insi(identity, ins, user)
        return "904"

    def _confirmed_by_insi(self, identity: Identity, ins: str, user: str) -> str | None:
        """None when INSi, asked with the identity's traits, still gives this INS; "904" when it does not."""
        if self.settings.has("mss-no-insi-check"):
            return None
        with self.registry.lock:
            outcome = self.identities.search_by_traits(identity, user)
        if outcome.outcome in (SERVICE_ERROR, NOT_CONFIGURED):
            raise InsiUnavailable(outcome.message.rstrip("."))
        current = identity.ins
        if outcome.outcome == FOUND and current is not None and (current.number + current.key).upper() == ins:
            return None
        return "904"

    # -- read acknowledgement ------------------------------------------------
    def _mdn(self, msg: EmailMessage, record: ReceivedMessage) -> Mdn | None:
        asked = getaddresses([_header(msg, "Disposition-Notification-To")])
        recipient = next((address for _, address in asked if "@" in address), None)
        if recipient is None or self.settings.has("mss-no-mdn"):
            return None
        code = None if self.settings.has("mss-wrong-mdn") else record.error_code
        if code:
            summary = f"document(s) non intégré(s), {error_label(code)} (erreur {code})."
        elif record.outcome == "duplicate":
            summary = "document(s) déjà intégré(s) auparavant."
        else:
            summary = "document(s) intégré(s) au dossier du patient."
        return build_mdn(msg, record.mailbox, recipient, code, summary, self.settings)
