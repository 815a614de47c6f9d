"""Documents the SUT receives (MSSanté, DMP, HL7v2): integration with deduplication (CDA/INT.01).

A document is identified by ClinicalDocument/id (root + extension): receiving the
same id again integrates nothing and tells the user. A new version (same setId,
new id) is integrated and marks the older version as replaced.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .model import now_iso

HL7 = "{urn:hl7-org:v3}"
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
INTEGRATED, DUPLICATE, REJECTED = "INTEGRATED", "DUPLICATE", "REJECTED"


@dataclass
class ReceivedDocument:
    """One integrated document: its identifiers and how often it arrived."""

    id: str
    document_id: tuple[str, str | None]
    set_id: tuple[str, str | None] | None
    version: int | None
    title: str
    type_code: str | None
    channel: str
    received_at: str
    user: str
    times_received: int = 1
    replaced_by: str | None = None
    xml: bytes = field(default=b"", repr=False)
    """The exact bytes received (served back by GET /received-documents/{id}/cda)."""

    def to_json(self) -> dict[str, Any]:
        def ii(value: tuple[str, str | None] | None) -> dict[str, str | None] | None:
            return {"root": value[0], "extension": value[1]} if value else None

        return {"id": self.id, "document_id": ii(self.document_id), "set_id": ii(self.set_id),
                "version": self.version, "title": self.title, "type_code": self.type_code, "channel": self.channel,
                "received_at": self.received_at, "user": self.user, "times_received": self.times_received,
                "status": "REPLACED" if self.replaced_by else "CURRENT", "replaced_by": self.replaced_by}


@dataclass
class Reception:
    """What happened to one received document, as the user is told."""

    outcome: str
    message: str
    alert: bool
    document: ReceivedDocument | None

    def to_json(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "message": self.message, "alert": self.alert,
                "document": self.document.to_json() if self.document else None}


class UnreadableDocument(ValueError):
    """The bytes are not a CDA R2 ClinicalDocument the SUT can file."""


def _ii(element: etree._Element | None) -> tuple[str, str | None] | None:
    if element is None or not element.get("root"):
        return None
    return element.get("root", ""), element.get("extension")


def read_header(data: bytes) -> dict[str, Any]:
    """The identifiers the SUT files a document under; hardened parse (no DTD, no entities, no network)."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise UnreadableDocument(f"document trop volumineux ({len(data)} octets)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise UnreadableDocument(f"XML illisible : {exc}") from None
    if root.tag != HL7 + "ClinicalDocument":
        raise UnreadableDocument("ce n'est pas un document CDA R2 (ClinicalDocument attendu)")
    document_id = _ii(root.find(HL7 + "id"))
    if document_id is None:
        raise UnreadableDocument("le document n'a pas d'identifiant unique (ClinicalDocument/id)")
    version = root.find(HL7 + "versionNumber")
    code = root.find(HL7 + "code")
    return {
        "document_id": document_id,
        "set_id": _ii(root.find(HL7 + "setId")),
        "version": int(version.get("value")) if version is not None and (version.get("value") or "").isdigit()
        else None,
        "title": (root.findtext(HL7 + "title") or "").strip(),
        "type_code": code.get("code") if code is not None else None,
    }


class Inbox:
    """Received documents of one SUT process, deduplicated on their unique id."""

    def __init__(self, dedup_on_id: bool = True, dedup_on_set_id: bool = False) -> None:
        self.lock = threading.RLock()
        self.dedup_on_id = dedup_on_id
        self.dedup_on_set_id = dedup_on_set_id
        self._ids = itertools.count(1)
        self.documents: list[ReceivedDocument] = []

    def reset(self) -> None:
        with self.lock:
            self._ids = itertools.count(1)
            self.documents.clear()

    def get(self, received_id: str) -> ReceivedDocument | None:
        with self.lock:
            return next((d for d in self.documents if d.id == received_id), None)

    def _same(self, header: dict[str, Any], dedup: bool) -> ReceivedDocument | None:
        if not dedup:
            return None
        for doc in self.documents:
            if self.dedup_on_id and doc.document_id == header["document_id"]:
                return doc
            if self.dedup_on_set_id and header["set_id"] and doc.set_id == header["set_id"]:
                return doc
        return None

    def receive(self, data: bytes, channel: str, user: str, *, dedup: bool = True) -> Reception:
        """Integrate `data` unless it is already held; `dedup=False` is a channel's defect integrating it again."""
        try:
            header = read_header(data)
        except UnreadableDocument as exc:
            return Reception(REJECTED, f"Document reçu non intégré : {exc}.", True, None)
        with self.lock:
            known = self._same(header, dedup)
            if known is not None:
                known.times_received += 1
                return Reception(DUPLICATE, f"Document déjà intégré ({known.id}, reçu par {known.channel}) : "
                                 "ce doublon n'a pas été intégré à nouveau.", True, known)
            document = ReceivedDocument(id=f"REC-{next(self._ids):05d}", channel=channel, received_at=now_iso(),
                                        user=user, xml=data, **header)
            for older in self.documents:
                if (header["set_id"] and older.set_id == header["set_id"] and older.replaced_by is None
                        and (older.version or 0) < (document.version or 0)):
                    older.replaced_by = document.id
            self.documents.append(document)
            return Reception(INTEGRATED, f"Document « {document.title} » intégré ({document.id}).", False, document)
