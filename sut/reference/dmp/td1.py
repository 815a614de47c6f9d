"""TD1.1 create a DMP (PRPA_IN201311UV02) and TD1.2 reactivate one (PRPA_IN201314UV02), read from MCCI_IN000002UV01.

The DMPi guide has the LPS open the DMP of a patient who consents to it, and
reopen a closed one, in HL7v3 on /patients; the answer is a bare
acknowledgement (AA, or AE with the DMP's reason). Reason codes are in dmp.toml.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from lxml import etree

from ..traits import Traits
from .data import dmp_data
from .ns import HL7, XSI

INTERACTION_ROOT = "2.16.840.1.113883.1.6"
ACK = "urn:hl7-org:v3:MCCI_IN000002UV01"
CREATE_ACTION = "urn:hl7-org:v3:PRPA_IN201311UV02"
REVISE_ACTION = "urn:hl7-org:v3:PRPA_IN201314UV02"


@dataclass(frozen=True)
class Td1Answer:
    """The acknowledgement: AA (done) or AE with the DMP's text."""

    ack: str
    detail: str = ""


def _el(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{HL7}}}{tag}", attrs)


def _wrapper(interaction: str, structure_id: str, now: dt.datetime | None) -> tuple[etree._Element, etree._Element]:
    """The transmission wrapper and its controlActProcess (as TD0.2 has them)."""
    td02 = dmp_data()["td02"]
    now = now or dt.datetime.now(dt.UTC)
    root = etree.Element(f"{{{HL7}}}{interaction}", nsmap={None: HL7, "xsi": XSI}, ITSVersion="XML_1.0")
    _el(root, "id", root=str(uuid.uuid4()))
    _el(root, "creationTime", value=now.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S"))
    _el(root, "interactionId", root=INTERACTION_ROOT, extension=interaction)
    _el(root, "processingCode", code="P")
    _el(root, "processingModeCode", code="T")
    _el(root, "acceptAckCode", code="AL")
    for tag, type_code, extension in (("receiver", "RCV", td02["receiver_device"]), ("sender", "SND", structure_id)):
        device = _el(_el(root, tag, typeCode=type_code), "device", classCode="DEV", determinerCode="INSTANCE")
        _el(device, "id", root=td02["sender_device_root"], extension=extension)
    control = _el(root, "controlActProcess", classCode="CACT", moodCode="EVN")
    _el(control, "code", code=interaction.replace("_IN", "_TE"), codeSystem=INTERACTION_ROOT)
    return root, control


def _patient(parent: etree._Element, ins: str, oid: str) -> etree._Element:
    patient = _el(_el(parent, "subject1", typeCode="SBJ"), "patient", classCode="PAT")
    _el(patient, "id", root=oid, extension=ins)
    _el(patient, "statusCode", code="active")
    return patient


def create_request(ins: str, oid: str, traits: Traits, structure_id: str,
                   now: dt.datetime | None = None) -> etree._Element:
    """PRPA_IN201311UV02 opening the DMP of patient `ins` (15-char INS, OID `oid`) with their birth traits."""
    data = dmp_data()["td1"]
    root, control = _wrapper("PRPA_IN201311UV02", structure_id, now)
    _el(control, "reasonCode", code=data["create_reason"], codeSystem=data["reason_system"])
    request = _el(_el(control, "subject", typeCode="SUBJ"), "registrationRequest", classCode="REG", moodCode="RQO")
    _el(request, "statusCode", code="active")
    person = _el(_patient(request, ins, oid), "patientPerson", classCode="PSN", determinerCode="INSTANCE")
    name = _el(person, "name")
    _el(name, "family", qualifier="BR").text = traits.birth_name
    for given in traits.birth_first_names:
        _el(name, "given").text = given
    _el(person, "administrativeGenderCode", code=traits.sex, codeSystem="2.16.840.1.113883.5.1")
    _el(person, "birthTime", value=traits.birth_date.replace("-", ""))
    author = _el(_el(request, "author", typeCode="AUT"), "assignedEntity", classCode="ASSIGNED")
    _el(author, "id", root=dmp_data()["td02"]["sender_device_root"], extension=structure_id)
    return root


def revise_request(ins: str, oid: str, reason: str, structure_id: str,
                   now: dt.datetime | None = None) -> etree._Element:
    """PRPA_IN201314UV02 changing the DMP's state: `reason` REAC (reactivate) or FERM (close)."""
    root, control = _wrapper("PRPA_IN201314UV02", structure_id, now)
    _el(control, "reasonCode", code=reason, codeSystem=dmp_data()["td1"]["reason_system"])
    event = _el(_el(control, "subject", typeCode="SUBJ"), "registrationEvent", classCode="REG", moodCode="EVN")
    _el(event, "statusCode", code="active")
    _patient(event, ins, oid)
    return root


def read(payload: etree._Element) -> Td1Answer:
    """Td1Answer of an MCCI_IN000002UV01; ValueError when the payload is another message."""
    if payload.tag != f"{{{HL7}}}MCCI_IN000002UV01":
        raise ValueError(f"MCCI_IN000002UV01 attendu, reçu {etree.QName(payload).localname}")
    type_code = payload.find(f"{{{HL7}}}acknowledgement/{{{HL7}}}typeCode")
    detail = " ".join(t.strip() for t in payload.xpath(".//*[local-name()='acknowledgementDetail']//text()")
                      if t.strip())
    return Td1Answer((type_code.get("code") if type_code is not None else "") or "", detail)
