"""What the SUT remembers of its DMP exchanges: the entries it fed and the last search answers.

A feed records the entry (entryUUID, lid, version, status, confidentiality) so
a replacement can point RPLC at it and ITI-57 can target it; the search cache
holds each document's repositoryUniqueId for ITI-43.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from .registry import FoundEntry


@dataclass
class FedEntry:
    """One DocumentEntry the SUT fed (current version)."""

    document_id: str
    identity_id: str
    entry_uuid: str
    logical_id: str
    unique_id: str
    patient_id: str
    type_code: str
    title: str
    creation_time: str
    status: str = "approved"
    version: str = "1"
    confidentiality: list[str] = field(default_factory=list)

    def as_found(self) -> FoundEntry:
        return FoundEntry(self.entry_uuid, self.unique_id, self.type_code, self.title, self.status,
                          tuple(["N", *self.confidentiality]), self.creation_time, self.patient_id, None)


class DmpLedger:
    """Fed entries by SUT document id, and found entries by uniqueId (last search of each patient)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.fed: dict[str, FedEntry] = {}
        self.found: dict[str, FoundEntry] = {}

    def reset(self) -> None:
        with self.lock:
            self.fed.clear()
            self.found.clear()

    def fed_entry(self, document_id: str | None) -> FedEntry | None:
        with self.lock:
            return self.fed.get(document_id) if document_id else None

    def record(self, entry: FedEntry) -> None:
        with self.lock:
            self.fed[entry.document_id] = entry

    def remember(self, entries: list[FoundEntry]) -> None:
        with self.lock:
            for entry in entries:
                self.found[entry.unique_id] = entry

    def deleted_of(self, identity_id: str) -> list[FedEntry]:
        with self.lock:
            return [e for e in self.fed.values() if e.identity_id == identity_id and e.status == "deleted"]
