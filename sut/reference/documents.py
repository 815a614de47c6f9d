"""The reference SUT's clinical documents: producing, replacing (new version) and storing them.

Conformant behaviour (each defect in `defects.DEFECTS` bends one rule):
- every document gets a new globally unique id; a replacement keeps the
  setId, increments versionNumber and points at its parent (relatedDocument RPLC);
- the patient carries the INS only when the identity is QUAL (the same rule as
  the identity export), with the birth traits INS requires;
- every section has a readable narrative block.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from dataclasses import dataclass
from typing import Any

from lxml import etree

from .cda.context import DocContext, new_oid
from .cda.kinds import kind_names, kind_spec
from .cda.producer import produce
from .ins_rules import shares_ins
from .model import Identity, now_iso
from .problems import Problem
from .profile import profile
from .settings import SutSettings

PARIS = dt.timezone(dt.timedelta(hours=1))


@dataclass
class ProducedDocument:
    """A document the SUT wrote, with what identifies it across versions."""

    id: str
    kind: str
    identity_id: str
    document_oid: str
    set_oid: str
    version: int
    created_at: str
    user: str
    includes_ins: bool
    content: dict[str, Any]
    xml: bytes
    replaces: str | None = None
    replaced_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "identity_id": self.identity_id,
            "document_id": {"root": self.document_oid}, "set_id": {"root": self.set_oid},
            "version": self.version, "created_at": self.created_at, "user": self.user,
            "includes_ins": self.includes_ins, "replaces": self.replaces, "replaced_by": self.replaced_by,
            "status": "REPLACED" if self.replaced_by else "CURRENT",
            "media_type": "text/xml", "size": len(self.xml),
        }


class DocumentShelf:
    """Documents produced since the last reset (one SUT process)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._ids = itertools.count(1)
        self.documents: dict[str, ProducedDocument] = {}

    def reset(self) -> None:
        with self.lock:
            self._ids = itertools.count(1)
            self.documents.clear()

    def next_id(self) -> str:
        return f"DOC-{next(self._ids):05d}"

    def get(self, document_id: str) -> ProducedDocument:
        with self.lock:
            document = self.documents.get(document_id)
        if document is None:
            raise Problem(404, "document-not-found", "Document inconnu", f"aucun document {document_id!r}")
        return document


class DocumentWorkflows:
    """Producing and replacing documents for the SUT's identities."""

    def __init__(self, shelf: DocumentShelf, settings: SutSettings) -> None:
        self.shelf = shelf
        self.settings = settings

    def _document_oid(self, identity: Identity, kind: str) -> str:
        if self.settings.has("reuses-document-id"):
            # The bug: an id derived from patient and kind, so a second document of the same kind collides.
            patient = identity.id.split("-")[-1].lstrip("0") or "0"
            return f"{profile().organisation.ipp_oid}.{patient}.{kind_names().index(kind) + 1}"
        return new_oid()

    def _build(self, kind: str, identity: Identity, content: dict[str, Any], user: str, *, set_oid: str,
               version: int, replaces: ProducedDocument | None) -> ProducedDocument:
        spec = kind_spec(kind)
        if spec is None:
            raise Problem(422, "invalid-request", "La requête est invalide", f"type de document inconnu : {kind}",
                          [{"field": "kind", "message": "kind doit être l'un de " + ", ".join(kind_names())}])
        org = profile()
        ctx = DocContext(
            kind=kind, identity=identity, author=org.professional(user), organisation=org.organisation,
            content=content, document_oid=self._document_oid(identity, kind), set_oid=set_oid, version=version,
            created=dt.datetime.now(PARIS).replace(microsecond=0), share_ins=shares_ins(identity, self.settings),
            replaces_oid=replaces.document_oid if replaces else None, has=self.settings.has,
        )
        xml = produce(spec, ctx)
        if self.settings.has("empty-narrative"):
            xml = _without_narrative(xml)
        return ProducedDocument(
            id=self.shelf.next_id(), kind=kind, identity_id=identity.id, document_oid=ctx.document_oid,
            set_oid=set_oid, version=version, created_at=now_iso(), user=user, includes_ins=ctx.share_ins,
            content=content, xml=xml, replaces=replaces.id if replaces else None,
        )

    def produce(self, identity: Identity, kind: str, content: dict[str, Any], user: str) -> ProducedDocument:
        with self.shelf.lock:
            document = self._build(kind, identity, content, user, set_oid=new_oid(), version=1, replaces=None)
            self.shelf.documents[document.id] = document
            identity.log("DOCUMENT_PRODUIT", user, f"{kind} {document.id}")
            return document

    def replace(self, previous: ProducedDocument, identity: Identity, content: dict[str, Any] | None,
                user: str) -> ProducedDocument:
        """A corrected version of `previous`: same setId, next versionNumber, relatedDocument RPLC."""
        with self.shelf.lock:
            if previous.replaced_by:
                raise Problem(409, "document-replaced", "Document déjà remplacé",
                              f"{previous.id} a déjà été remplacé par {previous.replaced_by}")
            if self.settings.has("replacement-new-set-id"):
                set_oid, version, parent = new_oid(), 1, None
            else:
                set_oid, version, parent = previous.set_oid, previous.version + 1, previous
            document = self._build(previous.kind, identity, content if content is not None else previous.content,
                                   user, set_oid=set_oid, version=version, replaces=parent)
            document.replaces = previous.id
            previous.replaced_by = document.id
            self.shelf.documents[document.id] = document
            identity.log("DOCUMENT_REMPLACE", user, f"{previous.id} -> {document.id}")
            return document


def _without_narrative(xml: bytes) -> bytes:
    """Defect 'empty-narrative': every section's text block emptied (what a viewer shows is blank)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(xml, parser)
    for text in root.iterfind(".//{urn:hl7-org:v3}section/{urn:hl7-org:v3}text"):
        for child in list(text):
            text.remove(child)
        text.text = None
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
