"""The reference SUT's patient identities and INSi call traces, in memory.

State is per process and wiped by the adapter's reset between scenarios; a
lock keeps the threaded server consistent.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from .traits import Traits

HIGH_TRUST_DOCUMENTS = frozenset({"CNI", "PASSEPORT", "TITRE_SEJOUR"})
"""RNIV high-trust identity documents for adults."""
MINOR_HIGH_TRUST_DOCUMENTS = frozenset({"LIVRET_FAMILLE", "EXTRAIT_ACTE_NAISSANCE"})
"""Documents RNIV accepts as high trust for a minor only."""
DOCUMENT_TYPES = HIGH_TRUST_DOCUMENTS | MINOR_HIGH_TRUST_DOCUMENTS | {"PERMIS_CONDUIRE", "CARTE_VITALE", "AUTRE"}

STATUS_LABELS = {
    "PROV": "Identité provisoire",
    "RECUP": "Identité récupérée",
    "VALI": "Identité validée",
    "QUAL": "Identité qualifiée",
}


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class InsRecord:
    """The INS the SUT holds for an identity (matricule, key, OID and what the OID says it is)."""

    number: str
    key: str
    oid: str
    kind: str
    obtained_at: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"matricule": self.number, "key": self.key, "oid": self.oid, "type": self.kind,
                "obtained_at": self.obtained_at, "source": self.source}


@dataclass
class Document:
    """An identity document the user saw."""

    type: str
    high_trust: bool
    recorded_at: str
    recorded_by: str
    number: str | None = None


@dataclass
class Identity:
    """A local patient identity with its RNIV status."""

    id: str
    traits: Traits
    status: str = "PROV"
    insi_verified: bool = False
    ins: InsRecord | None = None
    historic_ins: list[InsRecord] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def has_high_trust_document(self) -> bool:
        return any(d.high_trust for d in self.documents)

    def log(self, event: str, user: str, detail: str = "") -> None:
        self.history.append({"at": now_iso(), "event": event, "status": self.status, "user": user, "detail": detail})

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "status_label": STATUS_LABELS[self.status],
            "traits": self.traits.to_json(),
            "ins": self.ins.to_json() if self.ins else None,
            "historic_ins": [h.to_json() for h in self.historic_ins],
            "documents": [vars(d) for d in self.documents],
            "history": list(self.history),
        }


@dataclass
class TraceEntry:
    """One traced INSi call (INS/va1.49): when, what, which message, result, who."""

    at: str
    operation: str
    message_id: str
    result: str
    detail: str
    user: str
    identity_id: str | None
    duration_ms: int

    def to_json(self) -> dict[str, Any]:
        return vars(self).copy()


class Registry:
    """Identities and traces of one SUT process."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._ids = itertools.count(1)
        self.identities: dict[str, Identity] = {}
        self.traces: list[TraceEntry] = []

    def reset(self) -> None:
        with self.lock:
            self._ids = itertools.count(1)
            self.identities.clear()
            self.traces.clear()

    def add(self, traits: Traits, user: str) -> Identity:
        with self.lock:
            identity = Identity(id=f"PAT-{next(self._ids):05d}", traits=traits)
            identity.log("CREATION", user, "identité créée à partir des traits saisis")
            self.identities[identity.id] = identity
            return identity

    def get(self, identity_id: str) -> Identity | None:
        with self.lock:
            return self.identities.get(identity_id)

    def trace(self, entry: TraceEntry) -> None:
        with self.lock:
            self.traces.append(entry)
