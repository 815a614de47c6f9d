"""The ebRS SubmitObjectsRequest for one produced CDA: DocumentEntry, SubmissionSet, HasMember (+ RPLC).

Every DocumentEntry attribute of DOMAIN.md §3 comes from the CDA bytes
(`cda_facts`), the organisation profile and the per-kind codes of dmp.toml, so
the registry sees metadata that agrees with the document it stores.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from lxml import etree

from ..profile import FINESS_ROOT, RPPS_ROOT, Organisation, Professional
from . import ns
from .cda_facts import CdaFacts, Code
from .data import dmp_data, kind_codes
from .ebrs import classification, external_id, name, new_uuid, rim, slot
from .mtom import include


def patient_id(ins: str, oid: str) -> str:
    """The XDS patient id of an INS: `<matricule+key>^^^&<OID>&ISO^NH`."""
    return f"{ins}^^^&{oid}&ISO^NH"


@dataclass(frozen=True)
class EntryRequest:
    """What the SUT decided about one DocumentEntry; the rest is read from the CDA."""

    kind: str
    facts: CdaFacts
    document: bytes
    patient_id: str
    professional: Professional
    organisation: Organisation
    structure_id: str
    confidentiality: tuple[str, ...] = ()
    """DMP codes added to the CDA's confidentialityCode (MASQUE_PS, INVISIBLE_PATIENT, ...)."""
    type_code: Code | None = None
    """None: the CDA code (anything else is a defect)."""
    hashed_bytes: bytes | None = None
    """None: hash and size of `document` (anything else is a defect)."""
    entry_uuid: str = field(default_factory=new_uuid)
    logical_id: str | None = None


def _author(parent: etree._Element, scheme: str, req: EntryRequest) -> None:
    pro, org = req.professional, req.organisation
    node = rim(parent, "Classification", id=new_uuid(), classificationScheme=scheme,
               classifiedObject=parent.get("id"), nodeRepresentation="",
               objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification")
    slot(node, "authorPerson",
         f"{pro.national_id}^{pro.family}^{pro.given}^^^{pro.suffix}^^^&{RPPS_ROOT}&ISO^D^^^IDNPS")
    slot(node, "authorInstitution", f"{org.name}^^^^^&{FINESS_ROOT}&ISO^IDNST^^^{req.structure_id}")
    slot(node, "authorSpecialty",
         f"{pro.profession_code}^{pro.profession_display}^{dmp_data()['metadata']['specialty_system']}")


def _patient_info(facts: CdaFacts) -> list[str]:
    return [f"PID-5|{facts.birth_name}^{facts.given}^^^^^L", f"PID-7|{facts.birth_time[:8]}", f"PID-8|{facts.sex}"]


def document_entry(req: EntryRequest) -> etree._Element:
    """The rim:ExtrinsicObject of the document (stable DocumentEntry, status set by the registry)."""
    data, codes = dmp_data()["metadata"], kind_codes(req.kind)
    facts, org = req.facts, req.organisation
    hashed = req.document if req.hashed_bytes is None else req.hashed_bytes
    entry = rim(None, "ExtrinsicObject", id=req.entry_uuid, lid=req.logical_id or req.entry_uuid,
                mimeType=data["mime_type"], objectType=ns.DOCUMENT_ENTRY_TYPE)
    slot(entry, "creationTime", facts.creation_time)
    slot(entry, "hash", hashlib.sha1(hashed).hexdigest())  # noqa: S324 - XDS mandates SHA-1
    slot(entry, "languageCode", facts.language or data["language"])
    slot(entry, "repositoryUniqueId", data["repository_unique_id"])
    if facts.service_start:
        slot(entry, "serviceStartTime", facts.service_start)
    if facts.service_stop:
        slot(entry, "serviceStopTime", facts.service_stop)
    slot(entry, "size", str(len(hashed)))
    if facts.local_patient_id:
        slot(entry, "sourcePatientId", f"{facts.local_patient_id[0]}^^^&{facts.local_patient_id[1]}&ISO^PI")
    slot(entry, "sourcePatientInfo", *_patient_info(facts))
    name(entry, facts.title)
    _author(entry, ns.DOC_AUTHOR, req)
    classification(entry, ns.CLASS_CODE, codes["class"]["code"], codes["class"]["system"], codes["class"]["display"])
    base = facts.confidentiality.code or "N"
    confidentiality = [(base, facts.confidentiality.system or data["confidentiality_system"],
                        data["confidentiality_display"].get(base, "Normal"))]
    confidentiality += [(c, data["dmp_confidentiality_system"], data["confidentiality_display"].get(c, c))
                        for c in req.confidentiality]
    for code, system, display in confidentiality:
        classification(entry, ns.CONFIDENTIALITY_CODE, code, system, display)
    classification(entry, ns.FORMAT_CODE, codes["format"]["code"], codes["format"]["system"],
                   codes["format"]["display"])
    classification(entry, ns.FACILITY_CODE, org.facility_code, data["facility_system"], org.facility_display)
    classification(entry, ns.PRACTICE_CODE, org.practice_setting_code, data["practice_system"],
                   org.practice_setting_display)
    type_code = req.type_code or facts.type_code
    classification(entry, ns.TYPE_CODE, type_code.code, type_code.system or data["loinc_system"], type_code.display)
    external_id(entry, ns.DOC_PATIENT_ID, req.patient_id, "XDSDocumentEntry.patientId")
    external_id(entry, ns.DOC_UNIQUE_ID, facts.unique_id, "XDSDocumentEntry.uniqueId")
    return entry


@dataclass(frozen=True)
class Submission:
    """A SubmitObjectsRequest and the ids the SUT keeps to act on the entry later."""

    request: etree._Element
    entry_uuid: str
    submission_set_uuid: str


def submission_set(parent: etree._Element, req: EntryRequest, now: dt.datetime | None = None) -> str:
    """Append the SubmissionSet RegistryPackage (and its classification) to `parent`; returns its id."""
    data = dmp_data()["metadata"]
    now = now or dt.datetime.now(dt.UTC)
    ss_id = new_uuid()
    package = rim(parent, "RegistryPackage", id=ss_id, objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:"
                  "RegistryObject:RegistryPackage")
    slot(package, "submissionTime", now.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S"))
    name(package, req.facts.title)
    _author(package, ns.SS_AUTHOR, req)
    org = req.organisation
    classification(package, ns.CONTENT_TYPE_CODE, org.facility_code, data["content_type_system"],
                   org.facility_display)
    external_id(package, ns.SS_UNIQUE_ID, f"2.25.{int(new_uuid()[9:].replace('-', ''), 16)}",
                "XDSSubmissionSet.uniqueId")
    external_id(package, ns.SS_SOURCE_ID, data["source_id"], "XDSSubmissionSet.sourceId")
    external_id(package, ns.SS_PATIENT_ID, req.patient_id, "XDSSubmissionSet.patientId")
    rim(parent, "Classification", id=new_uuid(), classifiedObject=ss_id, classificationNode=ns.SUBMISSION_SET_CLASS,
        objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification")
    return ss_id


def association(parent: etree._Element, kind: str, source: str, target: str, **slots: str) -> etree._Element:
    node = rim(parent, "Association", id=new_uuid(), associationType=kind, sourceObject=source, targetObject=target,
               objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Association")
    for slot_name, value in slots.items():
        slot(node, slot_name, value)
    return node


def submit_objects(req: EntryRequest, replaces_entry_uuid: str | None = None) -> Submission:
    """The ITI-41 SubmitObjectsRequest; `replaces_entry_uuid` adds the RPLC association to that entry."""
    request = etree.Element(f"{{{ns.LCM}}}SubmitObjectsRequest", nsmap={"lcm": ns.LCM, "rim": ns.RIM})
    objects = rim(request, "RegistryObjectList")
    objects.append(document_entry(req))
    ss_id = submission_set(objects, req)
    association(objects, ns.HAS_MEMBER, ss_id, req.entry_uuid, SubmissionSetStatus="Original")
    if replaces_entry_uuid:
        association(objects, ns.RPLC, req.entry_uuid, replaces_entry_uuid)
    return Submission(request, req.entry_uuid, ss_id)


def provide_and_register(submission: Submission, content_id: str) -> etree._Element:
    """xdsb:ProvideAndRegisterDocumentSetRequest: the metadata and the document as an xop:Include."""
    root = etree.Element(f"{{{ns.XDSB}}}ProvideAndRegisterDocumentSetRequest", nsmap={"xdsb": ns.XDSB})
    root.append(submission.request)
    document = etree.SubElement(root, f"{{{ns.XDSB}}}Document", id=submission.entry_uuid)
    include(document, content_id)
    return root
