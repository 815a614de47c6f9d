"""Reads the DMP exchanges the mock recorded: what the SUT really sent, and what the DMP answered.

Bodies are parsed with the mock's own MTOM reader and the hardened XML parser;
the steps compare these facts with what the SUT claims and with the state of
the mock's registry.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from segur_harness.config import store_path
from segur_harness.ins.patient_id import xds_patient_id
from segur_harness.mocks.dmp import mtom
from segur_harness.mocks.dmp.protocol import IDENTIFIER, NS_RIM, NS_RS, NS_SAML, NS_WSSE, NS_XDSB, NS_XOP
from segur_harness.mocks.dmp.records import DocumentEntry
from segur_harness.mocks.dmp.registry_store import RegistryStore
from segur_harness.mocks.framework.soap import SOAP12_NS, WSA_NS
from segur_harness.xmlsafe import XmlRejected, parse_xml

from .evidence import attach_json
from .mock_admin import MockAdmin

READ_MAX_PARTS = 1000
RESOURCE_ID = "urn:oasis:names:tc:xacml:2.0:resource:resource-id"
PURPOSE_OF_USE = "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse"


@dataclass
class DmpExchange:
    """One recorded DMP call, reduced to what the scenarios check."""

    id: int
    operation: str
    status: int
    message_id: str | None
    request: etree._Element | None
    response: etree._Element | None
    request_parts: dict[str, bytes] = field(default_factory=dict)
    response_parts: dict[str, bytes] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [f"{f.get('rule')}: {f.get('message')}" for f in self.findings if f.get("severity") == "error"]

    def _body_child(self, root: etree._Element | None) -> etree._Element | None:
        if root is None:
            return None
        body = root.find(f"{{{SOAP12_NS}}}Body")
        return next((c for c in body if isinstance(c.tag, str)), None) if body is not None else None

    @property
    def request_body(self) -> etree._Element | None:
        return self._body_child(self.request)

    @property
    def response_body(self) -> etree._Element | None:
        return self._body_child(self.response)

    @property
    def assertion(self) -> etree._Element | None:
        if self.request is None:
            return None
        return self.request.find(f"{{{SOAP12_NS}}}Header/{{{NS_WSSE}}}Security/{{{NS_SAML}}}Assertion")

    def vihf_attribute(self, name: str) -> list[etree._Element]:
        """The AttributeValue elements of VIHF attribute `name` (empty when absent)."""
        assertion = self.assertion
        if assertion is None:
            return []
        return assertion.findall(f".//{{{NS_SAML}}}Attribute[@Name='{name}']/{{{NS_SAML}}}AttributeValue")

    def vihf_text(self, name: str) -> str | None:
        values = self.vihf_attribute(name)
        return (values[0].text or "").strip() if values else None

    def vihf_code(self, name: str) -> str | None:
        """The @code of a CE-valued attribute (role, purposeofuse)."""
        for value in self.vihf_attribute(name):
            for child in value:
                if child.get("code"):
                    return child.get("code")
        return None

    @property
    def registry_status(self) -> str | None:
        """The RegistryResponse / AdhocQueryResponse status (Success / Failure), short form."""
        body = self.response_body
        if body is None:
            return None
        response = body if body.tag.endswith("Response") and body.get("status") else body.find(f".//{{{NS_RS}}}"
                                                                                              "RegistryResponse")
        status = response.get("status") if response is not None else None
        return status.rsplit(":", 1)[-1] if status else None

    def documents_sent(self) -> dict[str, bytes]:
        """ITI-41: the xdsb:Document contents by their id (MTOM resolved or inline base64)."""
        body = self.request_body
        return _documents(body, self.request_parts) if body is not None else {}

    def documents_returned(self) -> dict[str, bytes]:
        """ITI-43: the returned documents by DocumentUniqueId."""
        body = self.response_body
        out: dict[str, bytes] = {}
        if body is None:
            return out
        for response in body.iter(f"{{{NS_XDSB}}}DocumentResponse"):
            unique = response.findtext(f"{{{NS_XDSB}}}DocumentUniqueId") or ""
            document = response.find(f"{{{NS_XDSB}}}Document")
            if document is not None:
                out[unique.strip()] = _content(document, self.response_parts)
        return out

    def unique_ids_returned(self) -> list[str]:
        """ITI-18 LeafClass answer: the uniqueId of every DocumentEntry returned."""
        body = self.response_body
        if body is None:
            return []
        return [x.get("value") or "" for x in body.iter(f"{{{NS_RIM}}}ExternalIdentifier")
                if x.get("identificationScheme") == IDENTIFIER["entryUniqueId"]]


def _content(document: etree._Element, parts: dict[str, bytes]) -> bytes:
    include = document.find(f"{{{NS_XOP}}}Include")
    if include is not None:
        return parts.get(mtom.cid_of(include.get("href")) or "", b"")
    try:
        return base64.b64decode("".join((document.text or "").split()), validate=True)
    except ValueError:
        return b""


def _documents(body: etree._Element, parts: dict[str, bytes]) -> dict[str, bytes]:
    return {d.get("id") or "": _content(d, parts) for d in body.iter(f"{{{NS_XDSB}}}Document")}


def _parse(headers: dict[str, str], raw: str | bytes) -> tuple[etree._Element | None, dict[str, bytes]]:
    """The SOAP envelope of a recorded body and its MTOM attachments (by Content-ID); (None, {}) if unreadable."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    content_type = next((v for k, v in (headers or {}).items() if k.lower() == "content-type"), "")
    try:
        if mtom.is_multipart(content_type):
            message = mtom.parse(content_type, data, max_parts=READ_MAX_PARTS, max_part_bytes=len(data))
            return parse_xml(message.root), {cid: part.data for cid, part in message.parts.items()}
        return parse_xml(data), {}
    except (XmlRejected, mtom.MtomError, ValueError):
        return None, {}


def read_exchange(raw: dict[str, Any]) -> DmpExchange:
    request, request_parts = _parse(raw.get("request_headers") or {}, raw.get("request_body") or "")
    response, response_parts = _parse(raw.get("response_headers") or {}, raw.get("response_body") or "")
    message_id = None
    if request is not None:
        element = request.find(f"{{{SOAP12_NS}}}Header/{{{WSA_NS}}}MessageID")
        message_id = (element.text or "").strip() if element is not None else None
    return DmpExchange(
        id=int(raw.get("id") or 0), operation=str(raw.get("operation") or ""), status=int(raw.get("status") or 0),
        message_id=message_id or raw.get("message_id"), request=request, response=response,
        request_parts=request_parts, response_parts=response_parts, findings=list(raw.get("findings") or []),
    )


def patient_id(identity: dict[str, Any]) -> str:
    """The XDS / VIHF patient id of the SUT's identity: <matricule+key>^^^&<OID>&ISO^NH."""
    ins = identity.get("ins") or {}
    matricule = f"{ins.get('matricule', '')}{ins.get('key', '')}"
    return xds_patient_id(matricule, str(ins.get("oid", "")))


def _entry_json(entry: DocumentEntry) -> dict[str, Any]:
    return {"entry_uuid": entry.entry_uuid, "unique_id": entry.unique_id, "status": entry.status.rsplit(":", 1)[-1],
            "confidentiality": entry.confidentiality, "patient_id": entry.patient_id}


def registry_entries(patient: str) -> list[dict[str, Any]]:
    """The DMP mock's registry entries of one patient, as the DMP holds them (status short form)."""
    with RegistryStore(store_path()).transaction() as tx:
        return [_entry_json(e) for e in tx.documents_of_patient(patient)]


def registry_entry(unique_id: str) -> dict[str, Any] | None:
    """The newest registry entry version for a document uniqueId (after ITI-57 updates), or None."""
    with RegistryStore(store_path()).transaction() as tx:
        found = tx.documents_by_unique_id(unique_id)
    if not found:
        return None
    return _entry_json(max(found, key=lambda e: e.version))


def patient_state(dmp: MockAdmin, ins: str, oid: str) -> dict[str, Any]:
    """The patient's DMP as the mock holds it (dmp_status OUVERT / FERME / ABSENT), from its admin API."""
    found = dmp._call("GET", f"/patients/{ins}", params={"oid": oid})  # the mock's own admin call (mocks/dmp/admin.py)
    attach_json(f"DMP : état du DMP du patient {ins}", found)
    return found


def patient_view(dmp: MockAdmin, ins: str, oid: str, vue: str) -> dict[str, Any]:
    """What one reader of the DMP sees (vue patient / representant-legal / professionnel), from the admin API."""
    found = dmp._call("GET", f"/patients/{ins}/documents", params={"vue": vue, "oid": oid})
    attach_json(f"DMP : documents présentés ({vue}) pour le patient {ins}", found)
    return found
