"""The messages a colleague's LPS sends to the SUT's MSSanté mailbox: one patient, an IHE_XDM.ZIP, a PDF.

Built by the harness itself (never by the SUT's code): XDM layout of IHE ITI
TF-1 §16 / DOMAIN.md §4 (INDEX.HTM, README.TXT, IHE_XDM/SUBSET01/METADATA.XML,
DOC0001.XML), the metadata derived from the CDA header (ebRS 3.0
SubmitObjectsRequest with the document entry, the submission set and their
association), the MSSanté headers (subject XDM/1.0/DDM+…, X-MSS-*), and
Disposition-Notification-To when an acknowledgement is asked for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import uuid
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime, localtime

from lxml import etree

from segur_harness.errors import HarnessError
from segur_harness.ins.oids import in_ins_arc
from segur_harness.ins.patient_id import xds_patient_id
from segur_harness.xmlsafe import parse_xml

HL7 = "{urn:hl7-org:v3}"
RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
DOC_ENTRY = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
SUBMISSION_SET = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
TYPE_CODE = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
CONFIDENTIALITY = "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f"
PATIENT_ID = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
UNIQUE_ID = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"
SET_PATIENT_ID = "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"
SET_UNIQUE_ID = "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8"
SET_SOURCE_ID = "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832"
HARNESS_OID = "1.2.250.1.213.1.1.9.99"
"""Source id of the harness's submission sets (a test OID, not a real organisation's)."""
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def with_new_id(cda: bytes) -> bytes:
    """The same CDA under a fresh ClinicalDocument/id: a document that another professional issued."""
    root = parse_xml(cda)
    ident = root.find(HL7 + "id")
    if ident is None:
        raise HarnessError("problème du banc de test : le CDA n'a pas de ClinicalDocument/id")
    ident.attrib.clear()
    ident.set("root", f"2.25.{uuid.uuid4().int}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _slot(parent: etree._Element, name: str, *values: str) -> None:
    slot = etree.SubElement(parent, f"{{{RIM}}}Slot", name=name)
    value_list = etree.SubElement(slot, f"{{{RIM}}}ValueList")
    for value in values:
        etree.SubElement(value_list, f"{{{RIM}}}Value").text = value


def _name(parent: etree._Element, text: str) -> None:
    name = etree.SubElement(parent, f"{{{RIM}}}Name")
    etree.SubElement(name, f"{{{RIM}}}LocalizedString", value=text)


def _classification(parent: etree._Element, scheme: str, code: str, system: str, label: str) -> None:
    node = etree.SubElement(parent, f"{{{RIM}}}Classification", classificationScheme=scheme,
                            classifiedObject=parent.get("id", ""), nodeRepresentation=code,
                            id=f"urn:uuid:{uuid.uuid4()}")
    _slot(node, "codingScheme", system)
    _name(node, label)


def _identifier(parent: etree._Element, scheme: str, value: str, label: str) -> None:
    node = etree.SubElement(parent, f"{{{RIM}}}ExternalIdentifier", identificationScheme=scheme, value=value,
                            registryObject=parent.get("id", ""), id=f"urn:uuid:{uuid.uuid4()}")
    _name(node, label)


def _patient_id(root: etree._Element) -> str:
    for ident in root.iterfind(f"{HL7}recordTarget/{HL7}patientRole/{HL7}id"):
        if in_ins_arc(ident.get("root")):
            return xds_patient_id(str(ident.get("extension")), str(ident.get("root")))
    return ""


def metadata(cda: bytes, uri: str) -> bytes:
    """METADATA.XML for one document: its entry, a submission set and the HasMember association."""
    root = parse_xml(cda)
    code = root.find(HL7 + "code")
    ident = root.find(HL7 + "id")
    confidentiality = root.find(HL7 + "confidentialityCode")
    effective = root.find(HL7 + "effectiveTime")
    patient = _patient_id(root)
    request = etree.Element(f"{{{LCM}}}SubmitObjectsRequest", nsmap={"lcm": LCM, "rim": RIM})
    objects = etree.SubElement(request, f"{{{RIM}}}RegistryObjectList")
    entry = etree.SubElement(objects, f"{{{RIM}}}ExtrinsicObject", id="Document01", mimeType="text/xml",
                             objectType=DOC_ENTRY)
    _slot(entry, "creationTime", (effective.get("value") if effective is not None else "")[:14])
    _slot(entry, "hash", hashlib.sha1(cda).hexdigest())  # noqa: S324 - XDS metadata hash is SHA-1
    _slot(entry, "size", str(len(cda)))
    _slot(entry, "languageCode", "fr-FR")
    _slot(entry, "URI", uri)
    if patient:
        _slot(entry, "sourcePatientId", patient)
    title = root.find(HL7 + "title")
    _name(entry, title.text if title is not None and title.text else "Document")
    if code is not None:
        _classification(entry, TYPE_CODE, code.get("code", ""), code.get("codeSystem", ""),
                        code.get("displayName", ""))
    if confidentiality is not None:
        _classification(entry, CONFIDENTIALITY, confidentiality.get("code", ""),
                        confidentiality.get("codeSystem", ""), confidentiality.get("displayName", ""))
    _identifier(entry, PATIENT_ID, patient, "XDSDocumentEntry.patientId")
    unique = f"{ident.get('root')}^{ident.get('extension')}" if ident is not None and ident.get("extension") \
        else (ident.get("root") if ident is not None else "")
    _identifier(entry, UNIQUE_ID, unique or "", "XDSDocumentEntry.uniqueId")
    package = etree.SubElement(objects, f"{{{RIM}}}RegistryPackage", id="SubmissionSet01")
    _slot(package, "submissionTime", dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S"))
    _name(package, "Envoi MSSanté")
    _identifier(package, SET_PATIENT_ID, patient, "XDSSubmissionSet.patientId")
    _identifier(package, SET_SOURCE_ID, HARNESS_OID, "XDSSubmissionSet.sourceId")
    _identifier(package, SET_UNIQUE_ID, f"2.25.{uuid.uuid4().int}", "XDSSubmissionSet.uniqueId")
    etree.SubElement(objects, f"{{{RIM}}}Classification", classifiedObject="SubmissionSet01",
                     classificationNode=SUBMISSION_SET, id=f"urn:uuid:{uuid.uuid4()}")
    association = etree.SubElement(objects, f"{{{RIM}}}Association", id=f"urn:uuid:{uuid.uuid4()}",
                                   associationType="urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember",
                                   sourceObject="SubmissionSet01", targetObject="Document01")
    _slot(association, "SubmissionSetStatus", "Original")
    return etree.tostring(request, xml_declaration=True, encoding="UTF-8")


def xdm_zip(cda: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("INDEX.HTM", "<html><body><p>Envoi MSSanté : IHE_XDM/SUBSET01</p></body></html>")
        archive.writestr("README.TXT", "Archive IHE XDM produite par le harnais Ségur (LPS d'un confrère).\r\n")
        archive.writestr("IHE_XDM/SUBSET01/METADATA.XML", metadata(cda, "DOC0001.XML"))
        archive.writestr("IHE_XDM/SUBSET01/DOC0001.XML", cda)
    return buffer.getvalue()


def _subject(cda: bytes) -> str:
    root = parse_xml(cda)
    title = root.find(HL7 + "title")
    patient = root.find(f"{HL7}recordTarget/{HL7}patientRole/{HL7}patient")
    family = given = birth = ""
    if patient is not None:
        family = (patient.findtext(f"{HL7}name/{HL7}family") or "").upper()
        given = patient.findtext(f"{HL7}name/{HL7}given") or ""
        value = (patient.find(HL7 + "birthTime").get("value", "") if patient.find(HL7 + "birthTime") is not None
                 else "")
        birth = f"{value[6:8]}/{value[4:6]}/{value[:4]}" if len(value) >= 8 else ""
    label = title.text if title is not None and title.text else "Document"
    return f"XDM/1.0/DDM+{label} {family} {given} {birth}".strip()


def colleague_message(cda: bytes, sender: str, to: str, *, ask_mdn: bool) -> EmailMessage:
    """The MSSanté message `sender` sends to `to` with `cda` in an IHE_XDM.ZIP and a PDF rendition."""
    root = parse_xml(cda)
    code = root.find(HL7 + "code")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, _subject(cda)
    msg["Date"] = format_datetime(localtime())
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@confrere.harnais.test>"
    msg["X-MSS-CODECDA"] = code.get("code", "") if code is not None else ""
    msg["X-MSS-INS"] = "O" if _patient_id(root) else "N"
    msg["X-MSS-NIL"] = "HARNAIS-SEGUR-LPS-CONFRERE"
    if ask_mdn:
        msg["Disposition-Notification-To"] = sender
    msg.set_content("Bonjour,\n\nVeuillez trouver ci-joint un document concernant notre patient commun.\n")
    msg.add_attachment(xdm_zip(cda), maintype="application", subtype="zip", filename="IHE_XDM.ZIP")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="document.pdf")
    return msg
