"""Who sees which document of a DMP: the patient, a legal representative, a professional.

The patient and their legal representatives read their DMP in Mon Espace
Santé, never through an LPS, so no SOAP request can show what they see. The
harness reads it on the admin API instead (GET /_admin/patients/<ins>/documents
?vue=patient|representant-legal|professionnel), computed from the registry with
the rules of fixtures/dmp/views.toml, the same rules ITI-18 / ITI-43 apply
(queries.visible): the proof of a confidentiality choice is then what the
registry does with it, not only the code sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from .data import load_toml
from .patients import patient_id
from .protocol import INS_OIDS, STATUS_DELETED
from .records import DocumentEntry
from .registry_store import Tx

PATIENT, LEGAL_REPRESENTATIVE, PROFESSIONAL = "patient", "representant-legal", "professionnel"


@dataclass(frozen=True)
class View:
    """One reader of the DMP: the confidentiality codes that hide a document from them, the statuses shown."""

    name: str
    label: str
    hidden_by: frozenset[str]
    statuses: frozenset[str]

    def shows(self, entry: DocumentEntry) -> bool:
        if entry.status == STATUS_DELETED or entry.status.rsplit(":", 1)[-1] not in self.statuses:
            return False
        return not (self.hidden_by & entry.dmp_confidentiality)


@cache
def views() -> dict[str, View]:
    """The views of fixtures/dmp/views.toml (read once per process)."""
    data = load_toml(None, "dmp", "views.toml")
    return {name: View(name, str(raw.get("label", name)), frozenset(raw.get("hidden_by", [])),
                       frozenset(raw.get("statuses", [])))
            for name, raw in data.get("view", {}).items()}


def hidden_by(view: str) -> frozenset[str]:
    """The DMP codes that keep a document out of `view` (what ITI-18 applies to that kind of caller)."""
    return views()[view].hidden_by


def entry_json(entry: DocumentEntry) -> dict[str, Any]:
    """A document as a view lists it (short status, every confidentiality code)."""
    return {"entry_uuid": entry.entry_uuid, "unique_id": entry.unique_id, "title": entry.name,
            "status": entry.status.rsplit(":", 1)[-1], "confidentiality": entry.confidentiality,
            "creation_time": entry.slot("creationTime"), "patient_id": entry.patient_id}


def documents_seen(tx: Tx, ins: str, view: View, oid: str | None = None) -> list[DocumentEntry]:
    """The documents of patient `ins` (under `oid`, else any INS OID) that `view` shows, oldest first."""
    found: list[DocumentEntry] = []
    for candidate in (oid,) if oid else INS_OIDS:
        found.extend(e for e in tx.documents_of_patient(patient_id(ins, candidate)) if view.shows(e))
    return found
