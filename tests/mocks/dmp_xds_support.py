"""Hand-written ITI-41 / ITI-18 / ITI-43 / ITI-57 requests (IHE ITI TF-2b/3 examples), CDA documents, contexts.

The ebRS XML is written here from the IHE Technical Framework, never produced
by SUT code; the CDA is the received-document fixture (a real CI-SIS N1
document) with its patient, id and dates substituted.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

from segur_harness.config import load_config
from segur_harness.mocks.dmp.context import DmpContext, Vihf
from segur_harness.mocks.dmp.xds import Xds
from segur_harness.mocks.framework.checks import Checks
from segur_harness.mocks.framework.soap import parse_soap12

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "fixtures" / "documents" / "received" / "cr-consultation-n1.xml"
HL7 = "{urn:hl7-org:v3}"
NS = {"rim": "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0", "rs": "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0",
      "query": "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0", "xdsb": "urn:ihe:iti:xds-b:2007",
      "xop": "http://www.w3.org/2004/08/xop/include"}
INS, OID = "297022A02077878", "1.2.250.1.213.1.4.8"
PATIENT = f"{INS}^^^&{OID}&ISO^NH"
OTHER_INS = "180032B02040123"
OTHER_PATIENT = f"{OTHER_INS}^^^&{OID}&ISO^NH"
REPOSITORY = "1.2.250.1.213.1.1.9.1"
SUCCESS = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"
FAILURE = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure"
APPROVED = "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved"
DEPRECATED = "urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated"
ARCHIVED = "urn:asip:ci-sis:2010:StatusType:Archived"
DELETED = "urn:asip:ci-sis:2010:StatusType:Deleted"
FIND_DOCUMENTS = "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"
SOAP_NS = "http://www.w3.org/2003/05/soap-envelope"
AUTHOR = "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d"
SET_AUTHOR = "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d"
ENTRY_PATIENT = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"


def make_cda(unique_root: str, *, ins: str = INS, oid: str = OID, effective: str = "20261102103000+0100",
             parent: str | None = None) -> bytes:
    """The fixture CDA for patient `ins`, id `unique_root`; `parent` adds a RPLC relatedDocument."""
    root = etree.fromstring(TEMPLATE.read_bytes())
    root.find(f"{HL7}id").set("root", unique_root)
    root.find(f"{HL7}effectiveTime").set("value", effective)
    patient_id = root.find(f"{HL7}recordTarget/{HL7}patientRole/{HL7}id")
    patient_id.attrib.update({"root": oid, "extension": ins})
    if parent:
        related = etree.Element(f"{HL7}relatedDocument", typeCode="RPLC")
        parent_doc = etree.SubElement(related, f"{HL7}parentDocument")
        etree.SubElement(parent_doc, f"{HL7}id", root=parent)
        etree.SubElement(parent_doc, f"{HL7}setId", root=root.find(f"{HL7}setId").get("root"))
        etree.SubElement(parent_doc, f"{HL7}versionNumber", value="1")
        root.find(f"{HL7}componentOf").addprevious(related)
        root.find(f"{HL7}versionNumber").set("value", "2")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def x(text: str) -> str:
    """XML-escaped text or attribute value."""
    return escape(text, {'"': "&quot;"})


def _slot(name: str, *values: str) -> str:
    inner = "".join(f"<rim:Value>{x(v)}</rim:Value>" for v in values)
    return f'<rim:Slot name="{name}"><rim:ValueList>{inner}</rim:ValueList></rim:Slot>'


def _code(scheme: str, obj: str, code: str, system: str, display: str, number: int) -> str:
    return (f'<rim:Classification id="cl{obj}{number}" classificationScheme="{scheme}" classifiedObject="{obj}" '
            f'nodeRepresentation="{code}">{_slot("codingScheme", system)}'
            f'<rim:Name><rim:LocalizedString value="{display}"/></rim:Name></rim:Classification>')


@dataclass
class Entry:
    """One DocumentEntry to write; every attribute can be broken by a test."""

    doc_id: str = "Document01"
    cda: bytes = b""
    unique_id: str = ""
    patient: str = PATIENT
    mime: str = "text/xml"
    creation: str = "20261102093000"
    service_start: str = "20261102093000"
    title: str = "Compte rendu de consultation de suivi"
    type_code: tuple[str, str] = ("11488-4", "2.16.840.1.113883.6.1")
    class_code: tuple[str, str] = ("10", "1.2.250.1.213.1.1.4.1")
    format_code: tuple[str, str] = ("urn:ihe:iti:xds-sd:pdf:2008", "1.3.6.1.4.1.19376.1.2.3")
    facility: tuple[str, str] = ("SA07", "1.2.250.1.71.4.2.4")
    practice: tuple[str, str] = ("AMBULATOIRE", "1.2.250.1.213.1.1.4.9")
    confidentiality: list[tuple[str, str]] = field(default_factory=lambda: [("N", "2.16.840.1.113883.5.25")])
    specialty: str = "G15_10/SM54^Médecin - Médecine Générale (SM)^1.2.250.1.213.1.1.4.5"
    hash: str | None = None
    size: str | None = None
    omit: tuple[str, ...] = ()
    entry_uuid: str | None = None
    lid: str | None = None
    structure: str = "11750000016"

    def xml(self) -> str:
        cda = self.cda
        digest = self.hash if self.hash is not None else hashlib.sha1(cda).hexdigest()
        size = self.size if self.size is not None else str(len(cda))
        obj = self.entry_uuid or self.doc_id
        slots = {
            "creationTime": self.creation, "hash": digest, "languageCode": "fr-FR",
            "repositoryUniqueId": REPOSITORY, "serviceStartTime": self.service_start,
            "serviceStopTime": self.service_start, "size": size, "sourcePatientId": self.patient,
        }
        parts = [_slot(k, v) for k, v in slots.items() if k not in self.omit]
        if "sourcePatientInfo" not in self.omit:
            parts.append(_slot("sourcePatientInfo", "PID-5|ADRTROIS^DOMINIQUE^^^^^L", "PID-7|19970226", "PID-8|F"))
        if "title" not in self.omit:
            parts.append(f'<rim:Name><rim:LocalizedString value="{self.title}"/></rim:Name>')
        if "author" not in self.omit:
            parts.append(
                f'<rim:Classification id="auth{obj}" classificationScheme="{AUTHOR}" '
                f'classifiedObject="{obj}" nodeRepresentation="">'
                + _slot("authorPerson", "810000000028^EXPEDITEUR^Alix^^^DR^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS")
                + _slot("authorInstitution",
                        f"Centre hospitalier de test^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^{self.structure}")
                + _slot("authorSpecialty", self.specialty) + "</rim:Classification>")
        codes = [("classCode", "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a", [self.class_code]),
                 ("confidentialityCode", "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f", self.confidentiality),
                 ("formatCode", "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d", [self.format_code]),
                 ("healthcareFacilityTypeCode", "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1", [self.facility]),
                 ("practiceSettingCode", "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead", [self.practice]),
                 ("typeCode", "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983", [self.type_code])]
        number = 0
        for name, scheme, values in codes:
            if name in self.omit:
                continue
            for code, system in values:
                number += 1
                parts.append(_code(scheme, obj, code, system, code, number))
        if "patientId" not in self.omit:
            parts.append(f'<rim:ExternalIdentifier id="ei{obj}1" registryObject="{obj}" '
                         f'identificationScheme="{ENTRY_PATIENT}" value="{x(self.patient)}">'
                         '<rim:Name><rim:LocalizedString value="XDSDocumentEntry.patientId"/></rim:Name>'
                         '</rim:ExternalIdentifier>')
        if "uniqueId" not in self.omit:
            parts.append(f'<rim:ExternalIdentifier id="ei{obj}2" registryObject="{obj}" '
                         f'identificationScheme="urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab" '
                         f'value="{self.unique_id}"><rim:Name><rim:LocalizedString '
                         'value="XDSDocumentEntry.uniqueId"/></rim:Name></rim:ExternalIdentifier>')
        lid = f' lid="{self.lid}"' if self.lid else ""
        mime = f' mimeType="{self.mime}"' if "mimeType" not in self.omit else ""
        return (f'<rim:ExtrinsicObject id="{obj}"{lid}{mime} '
                f'objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1">{"".join(parts)}</rim:ExtrinsicObject>')


def submission_set(patient: str = PATIENT, unique_id: str = "1.2.250.1.999.1.1", omit: tuple[str, ...] = (),
                   set_id: str = "SubmissionSet01") -> str:
    parts = []
    if "submissionTime" not in omit:
        parts.append(_slot("submissionTime", "20261102094500"))
    parts.append('<rim:Name><rim:LocalizedString value="Lot de soumission"/></rim:Name>')
    parts.append(f'<rim:Classification id="ssauth" classificationScheme="{SET_AUTHOR}" '
                 f'classifiedObject="{set_id}" nodeRepresentation="">'
                 + _slot("authorInstitution", "Centre hospitalier^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^11750000016")
                 + "</rim:Classification>")
    if "contentTypeCode" not in omit:
        parts.append(_code("urn:uuid:aa543740-bdda-424e-8c96-df4873be8500", set_id, "SA07", "1.2.250.1.71.4.2.4",
                           "Cabinet individuel", 1))
    identifiers = [("urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446", patient, "patientId"),
                   ("urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832", "1.2.250.1.999.2", "sourceId"),
                   ("urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8", unique_id, "uniqueId")]
    for number, (scheme, value, name) in enumerate(identifiers):
        if name in omit:
            continue
        parts.append(f'<rim:ExternalIdentifier id="ss{number}" registryObject="{set_id}" '
                     f'identificationScheme="{scheme}" '
                     f'value="{x(value)}"><rim:Name><rim:LocalizedString value="XDSSubmissionSet.{name}"/></rim:Name>'
                     '</rim:ExternalIdentifier>')
    return (f'<rim:RegistryPackage id="{set_id}">{"".join(parts)}</rim:RegistryPackage>'
            f'<rim:Classification id="ssclass" classifiedObject="{set_id}" '
            'classificationNode="urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"/>')


def association(assoc_id: str, kind: str, source: str, target: str, **slots: str) -> str:
    inner = "".join(_slot(k, v) for k, v in slots.items())
    return (f'<rim:Association id="{assoc_id}" associationType="{kind}" sourceObject="{source}" '
            f'targetObject="{target}">{inner}</rim:Association>')


HAS_MEMBER = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
RPLC = "urn:ihe:iti:2007:AssociationType:RPLC"
UPDATE = "urn:ihe:iti:2010:AssociationType:UpdateAvailabilityStatus"


def sor(objects: str) -> str:
    return ('<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" '
            'xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">'
            f'<rim:RegistryObjectList>{objects}</rim:RegistryObjectList></lcm:SubmitObjectsRequest>')


def iti41(entries: list[Entry], *, set_xml: str | None = None, extra: str = "", members: bool = True) -> str:
    objects = "".join(e.xml() for e in entries) + (set_xml if set_xml is not None else submission_set())
    if members:
        objects += "".join(association(f"as{n}", HAS_MEMBER, "SubmissionSet01", e.entry_uuid or e.doc_id,
                                       SubmissionSetStatus="Original") for n, e in enumerate(entries))
    objects += extra
    return f'<xdsb:ProvideAndRegisterDocumentSetRequest xmlns:xdsb="urn:ihe:iti:xds-b:2007">{sor(objects)}' \
           '</xdsb:ProvideAndRegisterDocumentSetRequest>'


def envelope(body: str, action: str) -> bytes:
    return (f'<soap:Envelope xmlns:soap="{SOAP_NS}" xmlns:wsa="http://www.w3.org/2005/08/addressing">'
            f'<soap:Header><wsa:Action>{action}</wsa:Action><wsa:MessageID>urn:uuid:1</wsa:MessageID></soap:Header>'
            f'<soap:Body>{body}</soap:Body></soap:Envelope>').encode()


def vihf(*, professional: bool = True, purpose: str = "normal", structure: str = "11750000016",
         resource: str = PATIENT) -> Vihf:
    roles = [("10", "1.2.250.1.71.1.2.7"), ("SM54", "1.2.250.1.71.4.2.5")] if professional else \
        [("PATIENT", "1.2.250.1.213.1.1.4.xx")]
    return Vihf("_a1", "810000000010", "DOCTEUR Test", structure, ("SA01", "1.2.250.1.71.4.2.4"), roles, "DIRECTE",
                purpose, resource, resource.split("^")[0], OID, "SEGUR-HARNESS-SUT", "1.0", "TEST-DMP-HOMOL-0001",
                "CN=DMP-CACHET")


def context(body: str, action: str, documents: dict[str, bytes] | None = None, who: Vihf | None = None) -> DmpContext:
    soap = parse_soap12(envelope(body, action), 20 * 1024 * 1024)
    return DmpContext(soap, Checks(), who or vihf(), "urn:uuid:1", datetime.now(UTC), {}, documents or {})


def make_xds(tmp_path: Path, **dmp: Any) -> Xds:
    cfg = copy.deepcopy(load_config({}))
    cfg["mocks"].setdefault("dmp", {})
    cfg["mocks"]["dmp"].update({"cda_validation": "off", **dmp})
    return Xds(cfg, tmp_path / "exchanges.sqlite")


ITI41_ACTION = "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"
ITI18_ACTION = "urn:ihe:iti:2007:RegistryStoredQuery"
ITI43_ACTION = "urn:ihe:iti:2007:RetrieveDocumentSet"
ITI57_ACTION = "urn:ihe:iti:2010:UpdateDocumentSet"


def feed(xds: Xds, entries: list[Entry], **kwargs: Any) -> tuple[etree._Element, DmpContext]:
    documents = {e.doc_id: e.cda for e in entries}
    documents.update(kwargs.pop("documents", {}))
    ctx = context(iti41(entries, **kwargs), ITI41_ACTION, documents)
    return xds.provide_and_register(ctx).body, ctx


def new_entry(number: int, **kwargs: Any) -> Entry:
    """A consistent entry for a new document `1.2.250.1.999.3.<number>`."""
    unique = f"1.2.250.1.999.3.{number}"
    cda = kwargs.pop("cda", None) or make_cda(unique, parent=kwargs.pop("parent", None))
    kwargs.setdefault("unique_id", unique)
    return Entry(cda=cda, **kwargs)


def error_codes(response: etree._Element) -> list[str]:
    return [e.get("errorCode") for e in response.iterfind(".//rs:RegistryError", NS)]


def find_documents(xds: Xds, *, statuses: tuple[str, ...] = (APPROVED,), patient: str = PATIENT,
                   who: Vihf | None = None, return_type: str = "LeafClass", extra: str = "") -> etree._Element:
    status_list = ",".join(f"'{s}'" for s in statuses)
    body = ('<query:AdhocQueryRequest xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" '
            'xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">'
            f'<query:ResponseOption returnComposedObjects="true" returnType="{return_type}"/>'
            f'<rim:AdhocQuery id="{FIND_DOCUMENTS}">'
            f"{_slot('$XDSDocumentEntryPatientId', repr(patient))}"
            f"{_slot('$XDSDocumentEntryStatus', f'({status_list})')}{extra}"
            '</rim:AdhocQuery></query:AdhocQueryRequest>')
    return xds.stored_query(context(body, ITI18_ACTION, who=who)).body


def unique_ids(response: etree._Element) -> list[str]:
    return [e.get("value") for e in response.iterfind(
        ".//rim:ExtrinsicObject/rim:ExternalIdentifier[@identificationScheme="
        "'urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab']", NS)]


def entry_uuid_of(response: etree._Element, unique_id: str) -> str:
    for eo in response.iterfind(".//rim:ExtrinsicObject", NS):
        if any(x.get("value") == unique_id for x in eo.iterfind("rim:ExternalIdentifier", NS)):
            return eo.get("id")
    raise AssertionError(f"{unique_id} not returned")


def adhoc(query_id: str, return_type: str = "LeafClass", **params: str) -> str:
    """An AdhocQueryRequest; parameter names without their `$` (python keywords), values already ITI-18 encoded."""
    slots = "".join(_slot("$" + name, value) for name, value in params.items())
    return ('<query:AdhocQueryRequest xmlns:query="urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" '
            'xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">'
            f'<query:ResponseOption returnComposedObjects="true" returnType="{return_type}"/>'
            f'<rim:AdhocQuery id="{query_id}">{slots}</rim:AdhocQuery></query:AdhocQueryRequest>')


def retrieve_body(*unique_ids: str, repository: str = REPOSITORY) -> str:
    requests = "".join(f"<xdsb:DocumentRequest><xdsb:RepositoryUniqueId>{repository}</xdsb:RepositoryUniqueId>"
                       f"<xdsb:DocumentUniqueId>{u}</xdsb:DocumentUniqueId></xdsb:DocumentRequest>"
                       for u in unique_ids)
    return f'<xdsb:RetrieveDocumentSetRequest xmlns:xdsb="urn:ihe:iti:xds-b:2007">{requests}' \
           '</xdsb:RetrieveDocumentSetRequest>'


SEEDED = {"normal": "1.2.250.1.213.1.1.9.2.1001", "masque_ps": "1.2.250.1.213.1.1.9.2.1002",
          "archived": "1.2.250.1.213.1.1.9.2.1003", "deleted": "1.2.250.1.213.1.1.9.2.1004"}
SEEDED_UUID = {"normal": "urn:uuid:6f1c0a52-5d0e-4b6e-9a3c-0d1e2f300001",
               "masque_ps": "urn:uuid:6f1c0a52-5d0e-4b6e-9a3c-0d1e2f300002",
               "archived": "urn:uuid:6f1c0a52-5d0e-4b6e-9a3c-0d1e2f300003",
               "deleted": "urn:uuid:6f1c0a52-5d0e-4b6e-9a3c-0d1e2f300004"}
