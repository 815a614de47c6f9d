"""The DMP functions of the reference SUT: test existence, feed, replace, delete/archive, visibility, search, retrieve.

Conformant behaviour (each `dmp-*` defect in `defects.DEFECTS` bends one rule):
- TD0.2 before any feed and any consultation; no feed or consultation when the
  patient has no DMP, the DMP is closed or the structure is refused (dmp.toml);
- feeds only for a QUAL identity whose CDA carries its INS (else REFUSED, no call);
- metadata read from the CDA; a replacement carries RPLC to the entry it replaces;
- every DMP call traced; every DMP error shown to the user with its code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from segur_harness.xmlsafe import parse_xml

from ..documents import ProducedDocument
from ..inbox import Inbox, ReceivedDocument
from ..model import Identity
from ..profile import profile
from ..settings import SutSettings
from . import ns, registry, retrieve
from .cda_facts import CdaFacts, Code, read_facts
from .channel import Action, DmpChannel, ins_of
from .client import SUCCESS, DmpAnswer, DmpRequest
from .data import dmp_data
from .dossier import DmpDossier
from .existence import ExistenceCheck, why_not
from .ledger import DmpLedger, FedEntry
from .metadata import EntryRequest, patient_id, provide_and_register, submit_objects
from .mtom import Attachment, new_content_id
from .outcome import ERROR, DmpOutcome, failed, refused, with_detail
from .outcome import SUCCESS as OK_OUTCOME

STATUS_LABELS = {"deleted": "supprimé du DMP", "archived": "archivé dans le DMP", "approved": "rétabli dans le DMP"}


class DmpWorkflows:
    """The SUT's DMP functions, bound to its inbox (retrieved documents), settings, DMP channel and ledger."""

    def __init__(self, inbox: Inbox, settings: SutSettings, channel: DmpChannel, ledger: DmpLedger) -> None:
        self.inbox = inbox
        self.settings = settings
        self.channel = channel
        self.ledger = ledger
        self.existence = ExistenceCheck(settings, channel)
        self.dossier = DmpDossier(settings, channel, self.existence)

    # -- plumbing ------------------------------------------------------------
    def _facts(self, document: ProducedDocument, action: Action, **fields: Any) -> CdaFacts | DmpOutcome:
        try:
            return read_facts(document.xml)
        except ValueError as exc:
            return refused(action, f"le document {document.id} est illisible ({exc})", **fields)

    def _failed(self, action: Action, answer: DmpAnswer, what: str, **fields: Any) -> DmpOutcome:
        return failed(action, answer, what, swallow=self.settings.has("dmp-swallows-errors"), **fields)

    def _patient_id(self, identity: Identity) -> str:
        ins, oid = ins_of(identity) or ("", "")
        return ins if self.settings.has("dmp-patient-id-format") else patient_id(ins, oid)

    def test_existence(self, identity: Identity, user: str, mode: str) -> DmpOutcome:
        return self.existence.test_existence(identity, user, mode)

    # -- feed ----------------------------------------------------------------
    def _confidentiality(self, masque_ps: bool, invisible_patient: bool, invisible_legal: bool) -> list[str]:
        codes = []
        if masque_ps or (invisible_patient and self.settings.has("dmp-invisible-patient-with-masque-ps")):
            codes.append("MASQUE_PS")
        legal_as_patient = invisible_legal and self.settings.has("dmp-invisible-legal-as-invisible-patient")
        if invisible_patient or legal_as_patient:
            codes.append("INVISIBLE_PATIENT")
        if invisible_legal and not legal_as_patient:
            codes.append("INVISIBLE_REPRESENTANTS_LEGAUX")
        return codes

    def _entry_request(self, document: ProducedDocument, identity: Identity, user: str, facts: CdaFacts,
                       codes: list[str], **extra: Any) -> EntryRequest:
        org = profile()
        type_code = None
        if self.settings.has("dmp-typecode-not-cda-code"):
            other = dmp_data()["defects"]
            pick = other["other_type_code"] if other["other_type_code"]["code"] != facts.type_code.code \
                else other["other_type_code_alt"]
            type_code = Code(pick["code"], facts.type_code.system, pick["display"])
        hashed = _reserialized(document.xml) if self.settings.has("dmp-wrong-hash") else None
        return EntryRequest(kind=document.kind, facts=facts, document=document.xml,
                            patient_id=self._patient_id(identity), professional=org.professional(user),
                            organisation=org.organisation, structure_id=self.settings.dmp_structure_id,
                            confidentiality=tuple(codes), type_code=type_code, hashed_bytes=hashed, **extra)

    def feed(self, document: ProducedDocument | ToFeed, identity: Identity, user: str, masque_ps: bool = False,
             invisible_patient: bool = False, invisible_legal: bool = False) -> DmpOutcome:
        """TD0.2 then ITI-41 of a produced CDA (RPLC to the fed entry it replaces)."""
        action = Action(identity, user, "normal", document.id)
        fields: dict[str, Any] = {"entry_uuid": None, "unique_id": None, "replaces_entry_uuid": None}
        why = why_not(self.settings, action, feed=True)
        if why:
            return refused(action, why, **fields)
        facts = self._facts(document, action, **fields)
        if isinstance(facts, DmpOutcome):
            return facts
        if facts.ins is None and not self.settings.has("dmp-ins-of-unqualified"):
            return refused(action, "le document a été rédigé sans l'INS du patient : produisez-en une nouvelle "
                                 "version maintenant que l'identité est qualifiée", **fields)
        if facts.ins is not None and facts.ins != ins_of(identity):
            return refused(action, "l'INS du document diffère de celui de l'identité", **fields)
        if masque_ps and invisible_patient:
            return refused(action, "un document ne peut pas être à la fois masqué aux professionnels et "
                                 "invisible au patient", **fields)
        what = f"Envoi au DMP du document « {facts.title} »"
        if not self.settings.has("dmp-feeds-without-td02"):
            stop = self.existence.gate(action, what, **fields)
            if stop is not None:
                return stop
        previous = self.ledger.fed_entry(document.replaces)
        replaces = None
        if previous is not None and previous.status != "deleted" and not self.settings.has("dmp-replace-without-rplc"):
            replaces = previous.entry_uuid
        codes = self._confidentiality(masque_ps, invisible_patient, invisible_legal)
        entry = self._entry_request(document, identity, user, facts, codes)
        submission = submit_objects(entry, replaces)
        content_id = new_content_id("document")
        request = DmpRequest("ITI-41", ns.REPOSITORY, ns.ITI41_ACTION, ns.ITI41_ACTION + "Response",
                             provide_and_register(submission, content_id),
                             (Attachment(content_id, document.xml, "text/xml"),))
        answer = self.channel.send(action, request)
        if answer.kind != SUCCESS:
            return self._failed(action, answer, what, **fields)
        self.ledger.record(FedEntry(document.id, identity.id, submission.entry_uuid, submission.entry_uuid,
                                    facts.unique_id, entry.patient_id, entry.type_code.code if entry.type_code
                                    else facts.type_code.code, facts.title, facts.creation_time,
                                    confidentiality=codes))
        if replaces and previous is not None:
            previous.status = "deprecated"
        fields.update(entry_uuid=submission.entry_uuid, unique_id=facts.unique_id, replaces_entry_uuid=replaces)
        identity.log("DMP_ALIMENTATION", user, f"{document.id} {facts.unique_id}")
        suffix = " (remplace la version précédente)" if replaces else ""
        return DmpOutcome(OK_OUTCOME, f"Document « {facts.title} » envoyé au DMP{suffix}.", False,
                          call_ids=action.call_ids, fields=fields)

    def feed_received(self, received: ReceivedDocument, identity: Identity, user: str, masque_ps: bool = False,
                      invisible_patient: bool = False, invisible_legal: bool = False) -> DmpOutcome:
        """A received document sent to the patient's DMP, never one that came from the DMP (CDA/DD.04)."""
        if self.came_from_dmp(received) and not self.settings.has("refeeds-dmp-documents"):
            action = Action(identity, user, "normal", received.id)
            return refused(action, f"le document « {received.title} » provient du DMP du patient : il n'y est pas "
                                 "envoyé à nouveau", entry_uuid=None, unique_id=None, replaces_entry_uuid=None)
        return self.feed(to_feed(received), identity, user, masque_ps, invisible_patient, invisible_legal)

    def came_from_dmp(self, received: ReceivedDocument) -> bool:
        """Received through the DMP channel, or listed by a DMP search of this SUT."""
        root, extension = received.document_id
        return received.channel == "DMP" or (f"{root}^{extension}" if extension else root) in self.ledger.found

    # -- ITI-57 --------------------------------------------------------------
    def _fed(self, document: ProducedDocument, action: Action, **fields: Any) -> FedEntry | DmpOutcome:
        if not self.settings.dmp_url:
            return refused(action, "le DMP n'est pas configuré", **fields)
        entry = self.ledger.fed_entry(document.id)
        if entry is None:
            return refused(action, "ce document n'a pas été envoyé au DMP", **fields)
        if ins_of(action.identity) is None:
            return refused(action, "l'identité n'a pas d'INS", **fields)
        return entry

    def set_status(self, document: ProducedDocument, identity: Identity, user: str, status: str) -> DmpOutcome:
        """ITI-57 UpdateAvailabilityStatus: delete, archive, or back to approved."""
        action = Action(identity, user, "normal", document.id)
        entry = self._fed(document, action, status=None)
        if isinstance(entry, DmpOutcome):
            return entry
        facts = self._facts(document, action, status=None)
        if isinstance(facts, DmpOutcome):
            return facts
        request = DmpRequest("ITI-57", ns.REGISTRY, ns.ITI57_ACTION, ns.ITI57_ACTION + "Response",
                             registry.availability_update(self._entry_request(document, identity, user, facts, []),
                                                          entry.entry_uuid, ns.STATUS_URNS[entry.status],
                                                          ns.STATUS_URNS[status]))
        answer = self.channel.send(action, request)
        what = f"Document « {facts.title} » {STATUS_LABELS[status]}"
        if answer.kind != SUCCESS:
            return self._failed(action, answer, what, status=entry.status)
        entry.status = status
        identity.log("DMP_STATUT", user, f"{document.id} {status}")
        return DmpOutcome(OK_OUTCOME, f"{what}.", False, call_ids=action.call_ids, fields={"status": status})

    def set_visibility(self, document: ProducedDocument, identity: Identity, user: str, masque_ps: bool,
                       invisible_patient: bool, invisible_legal: bool) -> DmpOutcome:
        """ITI-57 new version of the entry with the DMP confidentiality codes asked for."""
        action = Action(identity, user, "normal", document.id)
        entry = self._fed(document, action, confidentiality=None)
        if isinstance(entry, DmpOutcome):
            return entry
        if masque_ps and invisible_patient:
            return refused(action, "un document ne peut pas être à la fois masqué aux professionnels et "
                                 "invisible au patient", confidentiality=None)
        codes = self._confidentiality(masque_ps, invisible_patient, invisible_legal)
        facts = self._facts(document, action, confidentiality=None)
        if isinstance(facts, DmpOutcome):
            return facts
        new = self._entry_request(document, identity, user, facts, codes, logical_id=entry.logical_id)
        request = DmpRequest("ITI-57", ns.REGISTRY, ns.ITI57_ACTION, ns.ITI57_ACTION + "Response",
                             registry.confidentiality_update(new, entry.version))
        answer = self.channel.send(action, request)
        sent = [facts.confidentiality.code or "N", *codes]
        what = f"Visibilité du document « {facts.title} »"
        if answer.kind != SUCCESS:
            return self._failed(action, answer, what, confidentiality=sent)
        entry.entry_uuid, entry.confidentiality = new.entry_uuid, codes
        entry.version = str(int(entry.version) + 1) if entry.version.isdigit() else entry.version
        identity.log("DMP_VISIBILITE", user, f"{document.id} {' '.join(sent)}")
        return DmpOutcome(OK_OUTCOME, f"{what} modifiée ({', '.join(sent)}).", False, call_ids=action.call_ids,
                          fields={"confidentiality": sent})

    # -- consultation --------------------------------------------------------
    def search(self, identity: Identity, user: str, mode: str, include_archived: bool = False) -> DmpOutcome:
        """TD0.2 then ITI-18 FindDocuments of the patient."""
        action = Action(identity, user, mode)
        fields: dict[str, Any] = {"documents": []}
        why = why_not(self.settings, action)
        if why:
            return refused(action, why, **fields)
        what = "Consultation du DMP"
        if not self.settings.has("dmp-no-td02-before-search"):
            stop = self.existence.gate(action, what, **fields)
            if stop is not None:
                return stop
        request = DmpRequest("ITI-18", ns.REGISTRY, ns.ITI18_ACTION, ns.ITI18_ACTION + "Response",
                             registry.find_documents(self._patient_id(identity), include_archived))
        answer = self.channel.send(action, request)
        if answer.kind != SUCCESS:
            return self._failed(action, answer, what, **fields)
        entries = registry.read_entries(answer.payload)
        self.ledger.remember(entries)
        if self.settings.has("dmp-deleted-still-listed"):
            listed = {e.entry_uuid for e in entries} | {e.unique_id for e in entries}
            stale = [e.as_found() for e in self.ledger.deleted_of(identity.id)
                     if e.entry_uuid not in listed and e.unique_id not in listed]
            entries += [registry.FoundEntry(**{**vars(s), "status": "approved"}) for s in stale]
        fields["documents"] = [e.to_json() for e in entries]
        return DmpOutcome(OK_OUTCOME, f"{len(entries)} document(s) trouvé(s) dans le DMP.", False,
                          call_ids=action.call_ids, fields=fields)

    def retrieve(self, identity: Identity, user: str, unique_id: str, mode: str) -> DmpOutcome:
        """TD0.2 then ITI-43; the document goes to the SUT's received documents (channel DMP)."""
        action = Action(identity, user, mode)
        fields: dict[str, Any] = {"received": None, "size": None}
        why = why_not(self.settings, action)
        if why:
            return refused(action, why, **fields)
        what = "Récupération du document depuis le DMP"
        if not self.settings.has("dmp-no-td02-before-search"):
            stop = self.existence.gate(action, what, **fields)
            if stop is not None:
                return stop
        known = self.ledger.found.get(unique_id)
        repository = (known.repository_unique_id if known else None) or dmp_data()["metadata"]["repository_unique_id"]
        request = DmpRequest("ITI-43", ns.REPOSITORY, ns.ITI43_ACTION, ns.ITI43_ACTION + "Response",
                             retrieve.request(repository, unique_id))
        answer = self.channel.send(action, request)
        if answer.kind != SUCCESS:
            return self._failed(action, answer, what, **fields)
        documents = [d for d in retrieve.read_documents(answer.payload, answer.attachments) if d.data is not None]
        chosen = next((d for d in documents if d.unique_id == unique_id), documents[0] if documents else None)
        if chosen is None or chosen.data is None:
            return self._failed(action, with_detail(answer, "la réponse du DMP ne contient pas le document", ERROR),
                                what, **fields)
        reception = self.inbox.receive(chosen.data, "DMP", user)
        identity.log("DMP_CONSULTATION", user, f"{unique_id} {reception.outcome}")
        fields.update(received=reception.to_json(), size=len(chosen.data))
        return DmpOutcome(OK_OUTCOME, f"Document récupéré depuis le DMP. {reception.message}", reception.alert,
                          call_ids=action.call_ids, fields=fields)


@dataclass(frozen=True)
class ToFeed:
    """What a feed needs of a document the SUT did not write itself (a received one)."""

    id: str
    kind: str
    xml: bytes
    replaces: str | None = None


def to_feed(received: ReceivedDocument) -> ToFeed:
    """A received document as a feed sees it; its kind (class and format codes) from its CDA code (dmp.toml)."""
    data = dmp_data()["received"]
    structured = parse_xml(received.xml).find(f"{{{ns.HL7}}}component/{{{ns.HL7}}}structuredBody") is not None
    kind = data["kinds"].get(received.type_code or "", data["default_kind"]) if structured else data["default_kind"]
    return ToFeed(received.id, kind, received.xml)


def _reserialized(xml: bytes) -> bytes:
    """Defect 'dmp-wrong-hash': hash and size taken over the DOM re-serialised as text (no XML declaration)."""
    return etree.tostring(parse_xml(xml), encoding="unicode").encode("utf-8")
