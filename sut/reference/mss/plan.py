"""Which messages one send makes: one per patient, and who receives each.

Rules (DOMAIN.md §4): one patient per message, however many documents were
chosen; the patient's own mailbox `<matricule INS>@patient.mssante.fr` only
when the identity is QUAL (qualified INS), never otherwise. The defects
`mss-several-patients` and `mss-ins-of-unqualified` are switched here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..documents import ProducedDocument
from ..model import Identity
from ..settings import SutSettings
from .data import mss_data


@dataclass
class PlannedMessage:
    identities: list[Identity]
    """The patient first (more than one only under the defect `mss-several-patients`)."""
    documents: list[ProducedDocument]
    recipients: list[str]
    patient_refused: str | None = None
    """Why the patient's mailbox was left out although asked for (French), else None."""

    @property
    def identity(self) -> Identity:
        return self.identities[0]


def qualified(identity: Identity, documents: list[ProducedDocument], settings: SutSettings) -> bool:
    """Is the INS usable in messaging (X-MSS-INS: O, patient mailbox)? Only for a QUAL identity whose
    documents carry it (a document written before qualification does not)."""
    if identity.ins is None:
        return False
    if settings.has("mss-ins-of-unqualified"):
        return True
    return identity.status == "QUAL" and all(d.includes_ins for d in documents if d.identity_id == identity.id)


def patient_mailbox(identity: Identity) -> str | None:
    if identity.ins is None:
        return None
    return f"{identity.ins.number}{identity.ins.key}@{mss_data()['message']['patient_domain']}"


def _groups(documents: list[ProducedDocument], settings: SutSettings) -> list[list[ProducedDocument]]:
    if settings.has("mss-several-patients"):
        return [documents]
    by_patient: dict[str, list[ProducedDocument]] = {}
    for document in documents:
        by_patient.setdefault(document.identity_id, []).append(document)
    return list(by_patient.values())


def plan(documents: list[ProducedDocument], identities: dict[str, Identity], to: list[str], to_patient: bool,
         settings: SutSettings) -> list[PlannedMessage]:
    """The messages to send, in the order of the documents chosen."""
    planned = []
    for group in _groups(documents, settings):
        people = list({d.identity_id: identities[d.identity_id] for d in group}.values())
        message = PlannedMessage(people, group, list(dict.fromkeys(to)))
        if to_patient:
            for identity in people:
                box = patient_mailbox(identity)
                if box and qualified(identity, group, settings):
                    message.recipients.append(box)
                elif box and identity.status == "QUAL":
                    message.patient_refused = (f"document(s) de {identity.traits.birth_name} rédigé(s) sans l'INS "
                                               "qualifiée : produisez-en une nouvelle version avant de l'adresser à "
                                               "la messagerie du patient")
                else:
                    message.patient_refused = (f"INS non qualifié pour {identity.traits.birth_name} "
                                               f"(identité {identity.id}, statut {identity.status}) : la messagerie "
                                               "du patient n'est utilisable qu'avec une INS qualifiée")
        planned.append(message)
    return planned
