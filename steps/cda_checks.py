"""What the harness checks in a CDA document beyond the schematrons (pure functions over lxml trees).

The ANS schematrons judge one document at a time; these checks compare a
document with the identity it is about, with its previous version, and with
what a reader sees (narrative blocks, the embedded PDF).
"""

from __future__ import annotations

import base64
import binascii
import re

from lxml import etree

from segur_harness.ins.oids import is_ins_oid

HL7 = "urn:hl7-org:v3"
NS = {"hl7": HL7}
LOINC = "2.16.840.1.113883.6.1"
OID = re.compile(r"[0-2](\.(0|[1-9][0-9]*))+")

InstanceId = tuple[str, str | None]


def _ii(element: etree._Element | None) -> InstanceId | None:
    if element is None or not element.get("root"):
        return None
    return element.get("root", ""), element.get("extension")


def describe(ii: InstanceId | None) -> str:
    if ii is None:
        return "(absent)"
    return ii[0] + (f"^{ii[1]}" if ii[1] else "")


def document_id(root: etree._Element) -> InstanceId | None:
    return _ii(root.find("hl7:id", NS))


def set_id(root: etree._Element) -> InstanceId | None:
    return _ii(root.find("hl7:setId", NS))


def version_number(root: etree._Element) -> int | None:
    element = root.find("hl7:versionNumber", NS)
    value = element.get("value") if element is not None else None
    return int(value) if value and value.isdigit() else None


def replaced_parent_ids(root: etree._Element) -> list[InstanceId]:
    """ids of the parents this document replaces (relatedDocument typeCode RPLC)."""
    found = root.findall("hl7:relatedDocument[@typeCode='RPLC']/hl7:parentDocument/hl7:id", NS)
    return [ii for ii in (_ii(e) for e in found) if ii]


def patient_ids(root: etree._Element) -> list[InstanceId]:
    found = root.findall("hl7:recordTarget/hl7:patientRole/hl7:id", NS)
    return [ii for ii in (_ii(e) for e in found) if ii]


def ins_ids(root: etree._Element) -> list[InstanceId]:
    """Patient identifiers whose root is an INS OID."""
    return [ii for ii in patient_ids(root) if is_ins_oid(ii[0])]


def birthplace_county(root: etree._Element) -> str | None:
    county = root.findtext("hl7:recordTarget/hl7:patientRole/hl7:patient/hl7:birthplace/hl7:place/hl7:addr/hl7:county",
                           namespaces=NS)
    return county.strip() if county else None


def is_oid(value: str) -> bool:
    return bool(OID.fullmatch(value)) and len(value) <= 128


def narrative_problems(root: etree._Element) -> list[str]:
    """Why a reader would not see the content: empty section text, dangling narrative references."""
    problems: list[str] = []
    ids = {e.get("ID") for e in root.iter() if e.get("ID")}
    sections = root.findall(".//hl7:section", NS)
    for index, section in enumerate(sections, start=1):
        title = (section.findtext("hl7:title", namespaces=NS) or "").strip() or f"section {index}"
        text = section.find("hl7:text", NS)
        if text is None or not "".join(text.itertext()).strip():
            problems.append(f"« {title} » : bloc narratif (section/text) absent ou vide")
    for reference in root.iterfind(".//hl7:reference", NS):
        value = reference.get("value") or ""
        if value.startswith("#") and value[1:] not in ids:
            problems.append(f"référence narrative {value!r} sans élément ID correspondant "
                            f"(ligne {reference.sourceline})")
    if not sections and root.find("hl7:component/hl7:nonXMLBody", NS) is None:
        problems.append("ni section structurée ni nonXMLBody : aucun contenu lisible")
    return problems


def embedded_pdf(root: etree._Element) -> tuple[bytes | None, list[str]]:
    """The N1 body's PDF and the problems met reading it (DOC.01: base64 PDF in nonXMLBody/text)."""
    text = root.find("hl7:component/hl7:nonXMLBody/hl7:text", NS)
    if text is None:
        return None, ["pas de nonXMLBody/text : ce n'est pas un document N1"]
    problems = []
    if text.get("mediaType") != "application/pdf":
        problems.append(f"mediaType {text.get('mediaType')!r} au lieu de 'application/pdf'")
    if text.get("representation") != "B64":
        problems.append(f"representation {text.get('representation')!r} au lieu de 'B64'")
    try:
        pdf = base64.b64decode("".join((text.text or "").split()), validate=True)
    except (binascii.Error, ValueError):
        return None, [*problems, "le contenu n'est pas du base64 valide"]
    if not pdf.startswith(b"%PDF-"):
        problems.append("le contenu décodé ne commence pas par l'en-tête %PDF-")
    if b"%%EOF" not in pdf[-1024:]:
        problems.append("le contenu décodé ne se termine pas par %%EOF (PDF tronqué)")
    return pdf, problems


def coded_results(root: etree._Element) -> list[tuple[str | None, str | None, int | None]]:
    """(code, codeSystem, line) of every observation carrying a measured value (PQ): the lab results."""
    xsi_type = "{http://www.w3.org/2001/XMLSchema-instance}type"
    out = []
    for observation in root.iterfind(".//hl7:observation", NS):
        value = observation.find("hl7:value", NS)
        if value is None or not (value.get(xsi_type) or "").endswith("PQ"):
            continue
        code = observation.find("hl7:code", NS)
        out.append((code.get("code") if code is not None else None,
                    code.get("codeSystem") if code is not None else None, observation.sourceline))
    return out
