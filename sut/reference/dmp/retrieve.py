"""ITI-43 Retrieve Document Set: the request, and the documents of its (MTOM or inline base64) answer."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from . import ns
from .mtom import resolve


def request(repository_unique_id: str, unique_id: str) -> etree._Element:
    """RetrieveDocumentSetRequest for one document of one repository."""
    root = etree.Element(f"{{{ns.XDSB}}}RetrieveDocumentSetRequest", nsmap={"xdsb": ns.XDSB})
    item = etree.SubElement(root, f"{{{ns.XDSB}}}DocumentRequest")
    etree.SubElement(item, f"{{{ns.XDSB}}}RepositoryUniqueId").text = repository_unique_id
    etree.SubElement(item, f"{{{ns.XDSB}}}DocumentUniqueId").text = unique_id
    return root


@dataclass(frozen=True)
class RetrievedDocument:
    unique_id: str
    mime_type: str
    data: bytes | None
    """None when the answer names a document whose content cannot be found (bad cid, bad base64)."""


def read_documents(response: etree._Element, attachments: dict[str, bytes]) -> list[RetrievedDocument]:
    """Every xdsb:DocumentResponse of a RetrieveDocumentSetResponse, its content resolved."""
    found = []
    for item in response.iterfind(f"{{{ns.XDSB}}}DocumentResponse"):
        document = item.find(f"{{{ns.XDSB}}}Document")
        found.append(RetrievedDocument(
            unique_id=(item.findtext(f"{{{ns.XDSB}}}DocumentUniqueId") or "").strip(),
            mime_type=(item.findtext(f"{{{ns.XDSB}}}mimeType") or "").strip(),
            data=resolve(document, attachments) if document is not None else None,
        ))
    return found
