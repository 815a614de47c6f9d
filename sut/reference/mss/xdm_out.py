"""The IHE_XDM.ZIP of one message (IHE ITI TF-1 §16, TF-3 §4.2.3.3): INDEX.HTM, README.TXT, SUBSET01.

METADATA.XML is the ebRS SubmitObjectsRequest the DMP client builds
(dmp/metadata.py: the same DocumentEntry read from the CDA bytes), plus the
XDM `URI` slot naming each document's file, and without the DMP's
repositoryUniqueId: on a medium there is no repository.
"""

from __future__ import annotations

import html
import io
import zipfile
from dataclasses import dataclass

from lxml import etree

from ..dmp import ns
from ..dmp.cda_facts import CdaFacts
from ..dmp.ebrs import rim, slot
from ..dmp.metadata import EntryRequest, association, document_entry, patient_id, submission_set
from ..profile import Organisation, Professional
from .data import mss_data


@dataclass(frozen=True)
class XdmDocument:
    kind: str
    xml: bytes
    facts: CdaFacts


def xds_patient_id(facts: CdaFacts) -> str:
    """The INS as XDS patient id when the CDA carries it, else the local id (IPP) the CDA names the patient by."""
    if facts.ins is not None:
        return patient_id(*facts.ins)
    if facts.local_patient_id is not None:
        extension, root = facts.local_patient_id
        return f"{extension}^^^&{root}&ISO^PI"
    return ""


def file_name(index: int) -> str:
    return f"DOC{index:04d}.XML"


def _xdm_entry(req: EntryRequest, uri: str) -> etree._Element:
    entry = document_entry(req)
    slots = [child for child in entry if child.tag == f"{{{ns.RIM}}}Slot"]
    for node in slots:
        if node.get("name") == "repositoryUniqueId":
            entry.remove(node)
    uri_slot = slot(entry, "URI", uri)
    entry.remove(uri_slot)
    entry.insert(len([c for c in entry if c.tag == f"{{{ns.RIM}}}Slot"]), uri_slot)  # ebRIM: Slots before Name
    return entry


def metadata(requests: list[EntryRequest]) -> bytes:
    """SubmitObjectsRequest: one DocumentEntry per document (URI DOC000n.XML), one SubmissionSet, HasMember."""
    root = etree.Element(f"{{{ns.LCM}}}SubmitObjectsRequest", nsmap={"lcm": ns.LCM, "rim": ns.RIM})
    objects = rim(root, "RegistryObjectList")
    for index, req in enumerate(requests, start=1):
        objects.append(_xdm_entry(req, file_name(index)))
    ss_id = submission_set(objects, requests[0])
    for req in requests:
        association(objects, ns.HAS_MEMBER, ss_id, req.entry_uuid, SubmissionSetStatus="Original")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _index(documents: list[XdmDocument], subset: str, author: str) -> bytes:
    items = "".join(f'<li><a href="{subset}/{file_name(i)}">{html.escape(d.facts.title or d.kind)}</a></li>'
                    for i, d in enumerate(documents, start=1))
    page = (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Documents IHE XDM</title></head>'
            f"<body><h1>Documents de santé</h1><p>Émis par {html.escape(author)}.</p><ul>{items}</ul></body></html>")
    return page.encode("utf-8")


def _readme(documents: list[XdmDocument], organisation: Organisation, product: str) -> bytes:
    lines = [f"Archive IHE XDM créée par {product}.", f"Émetteur : {organisation.name} (FINESS {organisation.finess}).",
             f"Contact : {organisation.telecom}.", "", "Contenu :"]
    lines += [f"- {file_name(i)} : {d.facts.title or d.kind}" for i, d in enumerate(documents, start=1)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def archive(documents: list[XdmDocument], professional: Professional, organisation: Organisation,
            structure_id: str, product: str) -> bytes:
    """The IHE_XDM.ZIP bytes holding `documents` in this order (DOC0001.XML, DOC0002.XML...)."""
    subset = mss_data()["message"]["subset"]
    requests = [EntryRequest(kind=d.kind, facts=d.facts, document=d.xml, patient_id=xds_patient_id(d.facts),
                             professional=professional, organisation=organisation, structure_id=structure_id)
                for d in documents]
    author = f"{professional.prefix} {professional.given} {professional.family}".strip()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("INDEX.HTM", _index(documents, subset, author))
        out.writestr("README.TXT", _readme(documents, organisation, product))
        out.writestr(f"{subset}/METADATA.XML", metadata(requests))
        for index, document in enumerate(documents, start=1):
            out.writestr(f"{subset}/{file_name(index)}", document.xml)
    return buffer.getvalue()
