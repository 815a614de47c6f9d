"""What XDS metadata must say about a CDA, read from the CDA itself (never from the SUT's own records).

Reading the bytes that are sent is what keeps metadata and document
consistent: typeCode is the CDA code, uniqueId its id, creationTime its
effectiveTime (in UTC), serviceStartTime its documentationOf/serviceEvent.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from lxml import etree

from segur_harness.xmlsafe import parse_xml

from .ns import HL7

INS_OIDS = ("1.2.250.1.213.1.4.8", "1.2.250.1.213.1.4.9", "1.2.250.1.213.1.4.10", "1.2.250.1.213.1.4.11")
_TS = re.compile(r"^(\d{4,14})(?:\.\d+)?(?:([+-])(\d{2})(\d{2}))?$")


@dataclass(frozen=True)
class Code:
    code: str
    system: str
    display: str


@dataclass(frozen=True)
class CdaFacts:
    """The header facts XDS metadata is built from."""

    unique_id: str
    type_code: Code
    title: str
    creation_time: str
    service_start: str | None
    service_stop: str | None
    confidentiality: Code
    language: str
    ins: tuple[str, str] | None
    """(INS matricule + key, OID) from recordTarget/patientRole/id, when the CDA carries one."""
    local_patient_id: tuple[str, str] | None
    """(extension, root) of the first non-INS patient id (the IPP)."""
    birth_name: str
    given: str
    birth_time: str
    sex: str


def xds_time(value: str | None) -> str | None:
    """HL7 TS to the XDS DTM form: in UTC (YYYYMMDDhhmmss) when it has an offset, else as precise as given."""
    if not value:
        return None
    match = _TS.match(value.strip())
    if match is None:
        return None
    digits, sign, hours, minutes = match.groups()
    if sign is None or len(digits) < 12:
        return digits
    moment = dt.datetime.strptime(digits.ljust(14, "0"), "%Y%m%d%H%M%S")
    offset = dt.timedelta(hours=int(hours), minutes=int(minutes)) * (1 if sign == "+" else -1)
    return (moment - offset).strftime("%Y%m%d%H%M%S")


def _h(path: str) -> str:
    return "/".join(f"{{{HL7}}}{step}" for step in path.split("/"))


def _code(element: etree._Element | None) -> Code:
    if element is None:
        return Code("", "", "")
    return Code(element.get("code", ""), element.get("codeSystem", ""), element.get("displayName", ""))


def read_facts(cda: bytes) -> CdaFacts:
    """CdaFacts of a ClinicalDocument (hardened parse); ValueError when a mandatory header element is missing."""
    root = parse_xml(cda)
    doc_id = root.find(_h("id"))
    if doc_id is None or not doc_id.get("root"):
        raise ValueError("le document n'a pas d'identifiant (ClinicalDocument/id)")
    unique_id = doc_id.get("root") + (f"^{doc_id.get('extension')}" if doc_id.get("extension") else "")
    times = root.find(_h("documentationOf/serviceEvent/effectiveTime"))
    start = stop = None
    if times is not None:
        low, high = times.find(_h("low")), times.find(_h("high"))
        start = xds_time(low.get("value") if low is not None else times.get("value"))
        stop = xds_time(high.get("value") if high is not None else None)
    ins = local = None
    for pid in root.iterfind(_h("recordTarget/patientRole/id")):
        if pid.get("root") in INS_OIDS and ins is None:
            ins = (pid.get("extension", ""), pid.get("root", ""))
        elif local is None and pid.get("extension"):
            local = (pid.get("extension", ""), pid.get("root", ""))
    patient = root.find(_h("recordTarget/patientRole/patient"))
    family = patient.find(_h("name/family")) if patient is not None else None
    given = patient.find(_h("name/given")) if patient is not None else None
    birth = patient.find(_h("birthTime")) if patient is not None else None
    sex = patient.find(_h("administrativeGenderCode")) if patient is not None else None
    language = root.find(_h("languageCode"))
    effective = root.find(_h("effectiveTime"))
    return CdaFacts(
        unique_id=unique_id,
        type_code=_code(root.find(_h("code"))),
        title=(root.findtext(_h("title")) or "").strip(),
        creation_time=xds_time(effective.get("value") if effective is not None else None) or "",
        service_start=start,
        service_stop=stop,
        confidentiality=_code(root.find(_h("confidentialityCode"))),
        language=language.get("code", "fr-FR") if language is not None else "fr-FR",
        ins=ins,
        local_patient_id=local,
        birth_name=(family.text or "").strip() if family is not None else "",
        given=(given.text or "").strip() if given is not None else "",
        birth_time=birth.get("value", "") if birth is not None else "",
        sex=sex.get("code", "") if sex is not None else "",
    )
