"""TD0.2 "test d'existence": the HL7v3 PRPA_IN201307UV02 query and reading PRPA_IN201308UV02.

The DMPi guide requires it before any feed or consultation: it says whether
the patient has a DMP (OK/NF), whether it is open, whether this structure is
authorised and whether the patient opposed bris de glace access.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from lxml import etree

from .data import dmp_data
from .ns import HL7, XSI

INTERACTION_ROOT = "2.16.840.1.113883.1.6"


@dataclass(frozen=True)
class Td02Answer:
    """What TD0.2 said: acknowledgement, OK/NF, and the attention lines when the DMP exists."""

    ack: str
    response_code: str | None
    ack_detail: str = ""
    patient_status: str | None = None
    authorisation: str | None = None
    dmp_statut: str | None = None
    opposition_bris_de_glace: bool | None = None

    @property
    def exists(self) -> bool:
        return self.ack == "AA" and self.response_code == "OK"


def _el(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{HL7}}}{tag}", attrs)


def _device(parent: etree._Element, tag: str, root: str, extension: str) -> None:
    device = _el(_el(parent, tag, typeCode="RCV" if tag == "receiver" else "SND"), "device",
                 classCode="DEV", determinerCode="INSTANCE")
    _el(device, "id", root=root, extension=extension)


def request(ins: str, ins_oid: str, structure_id: str, now: dt.datetime | None = None) -> etree._Element:
    """PRPA_IN201307UV02 asking whether the patient `ins` (15-char matricule + key, OID `ins_oid`) has a DMP."""
    data = dmp_data()["td02"]
    now = now or dt.datetime.now(dt.UTC)
    root = etree.Element(f"{{{HL7}}}PRPA_IN201307UV02", nsmap={None: HL7, "xsi": XSI}, ITSVersion="XML_1.0")
    _el(root, "id", root=str(uuid.uuid4()))
    _el(root, "creationTime", value=now.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S"))
    _el(root, "interactionId", root=INTERACTION_ROOT, extension="PRPA_IN201307UV02")
    _el(root, "processingCode", code="P")
    _el(root, "processingModeCode", code="T")
    _el(root, "acceptAckCode", code="AL")
    _device(root, "receiver", data["sender_device_root"], data["receiver_device"])
    _device(root, "sender", data["sender_device_root"], structure_id)
    control = _el(root, "controlActProcess", classCode="CACT", moodCode="EVN")
    _el(control, "code", code="PRPA_TE201307UV02", codeSystem=INTERACTION_ROOT)
    _el(control, "reasonCode", code=data["reason_code"], codeSystem=data["reason_system"])
    query = _el(control, "queryByParameter")
    _el(query, "queryId", root=str(uuid.uuid4()))
    _el(query, "statusCode", code="new")
    _el(query, "responseModalityCode", code="R")
    _el(query, "responsePriorityCode", code="I")
    parameter = _el(_el(query, "parameterList"), "patientIdentifier")
    _el(parameter, "value", root=ins_oid, extension=ins)
    _el(parameter, "semanticsText").text = "Patient.id"
    return root


def _attention_lines(control: etree._Element) -> dict[str, str]:
    lines = {}
    for line in control.iterfind(f"{{{HL7}}}attentionLine"):
        key = line.find(f"{{{HL7}}}keyWordText")
        value = line.find(f"{{{HL7}}}value")
        if key is None or value is None:
            continue
        name = (key.get("code") or (key.text or "")).strip()
        lines[name] = (value.get("value") or value.get("code") or (value.text or "")).strip()
    return lines


def read(payload: etree._Element) -> Td02Answer:
    """Td02Answer from a PRPA_IN201308UV02; ValueError when the payload is another message."""
    if payload.tag != f"{{{HL7}}}PRPA_IN201308UV02":
        raise ValueError(f"PRPA_IN201308UV02 attendu, reçu {etree.QName(payload).localname}")
    ack = payload.find(f"{{{HL7}}}acknowledgement")
    type_code = ack.find(f"{{{HL7}}}typeCode") if ack is not None else None
    detail = " ".join(t.strip() for t in ack.xpath(".//*[local-name()='acknowledgementDetail']//text()")
                      if t.strip()) if ack is not None else ""
    control = payload.find(f"{{{HL7}}}controlActProcess")
    if control is None:
        return Td02Answer((type_code.get("code") if type_code is not None else "") or "", None, detail)
    code = control.find(f"{{{HL7}}}queryAck/{{{HL7}}}queryResponseCode")
    status = control.find(f".//{{{HL7}}}registrationEvent/{{{HL7}}}subject1/{{{HL7}}}patient/{{{HL7}}}statusCode")
    lines = _attention_lines(control)
    opposition = lines.get("OPPOSITION_BDG")
    return Td02Answer(
        ack=(type_code.get("code") if type_code is not None else "") or "",
        response_code=code.get("code") if code is not None else None,
        ack_detail=detail,
        patient_status=status.get("code") if status is not None else None,
        authorisation=lines.get("AUTORISATION"),
        dmp_statut=lines.get("DMP_STATUT"),
        opposition_bris_de_glace=None if opposition is None else opposition.lower() == "true",
    )
