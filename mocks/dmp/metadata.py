"""ebRS SubmitObjectsRequest of ITI-41 / ITI-57: parsing into records, and the checks a DMP registry makes.

Required attributes and classification schemes are those of DOMAIN.md §3;
codes are checked against the CI-SIS pack's value sets (valuesets.toml says
which); metadata-vs-CDA consistency reuses harness.validation.xdm so XDM
archives and ITI-41 cannot disagree. Cost is bounded by counting objects
before reading any of them.
"""

from __future__ import annotations

import re
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from segur_harness.validation import xdm
from segur_harness.validation.xmlpath import NS as CDA_NS
from segur_harness.xmlsafe import XmlRejected, parse_xml

from .protocol import (
    DOCUMENT_ENTRY_TYPE,
    HAS_MEMBER,
    IDENTIFIER,
    INS_OIDS,
    INVISIBLE_PATIENT,
    MASQUE_PS,
    NS_LCM,
    NS_RIM,
    SCHEME,
    STATUS_APPROVED,
    SUBMISSION_SET_CLASS,
)
from .records import Association, Classification, DocumentEntry, RegistryObject, SubmissionSet
from .responses import XdsError, xds_error, xds_rules

VALUESETS_FILE = Path(__file__).resolve().parents[2] / "fixtures" / "dmp" / "valuesets.toml"
R = {"rim": NS_RIM}
PATIENT_ID = re.compile(r"^([0-9A-Za-z]{13,15})\^\^\^&([0-9.]+)&ISO\^NH$")
DTM = re.compile(r"^\d{4}(\d{2}(\d{2}(\d{2}(\d{2}(\d{2})?)?)?)?)?$")
ENTRY_CODES = ("classCode", "confidentialityCode", "formatCode", "healthcareFacilityTypeCode", "typeCode",
               "practiceSettingCode")
ENTRY_SLOTS = ("hash", "size", "languageCode", "repositoryUniqueId", "serviceStartTime", "sourcePatientId",
               "sourcePatientInfo", "creationTime")
KNOWN_SCHEMES = frozenset(SCHEME.values())


@dataclass
class Submission:
    """The objects of one SubmitObjectsRequest; `element` and `original_id` keep what the client sent."""

    entries: list[DocumentEntry] = field(default_factory=list)
    sets: list[SubmissionSet] = field(default_factory=list)
    associations: list[Association] = field(default_factory=list)
    element: dict[str, etree._Element] = field(default_factory=dict)  # entry_uuid -> rim element
    original_id: dict[str, str] = field(default_factory=dict)  # entry_uuid -> id in the request
    errors: list[XdsError] = field(default_factory=list)

    @property
    def submission_set(self) -> SubmissionSet | None:
        return self.sets[0] if len(self.sets) == 1 else None


def parse_patient_id(value: str | None) -> tuple[str, str] | None:
    """(matricule INS, OID) of `INS^^^&OID&ISO^NH` when the OID is an INS OID, else None."""
    match = PATIENT_ID.match((value or "").strip())
    if not match or match.group(2) not in INS_OIDS:
        return None
    return match.group(1), match.group(2)


# --- parsing -----------------------------------------------------------------------------------------------


_SLOT, _VALUE_LIST, _VALUE = f"{{{NS_RIM}}}Slot", f"{{{NS_RIM}}}ValueList", f"{{{NS_RIM}}}Value"
_NAME, _LOCALIZED = f"{{{NS_RIM}}}Name", f"{{{NS_RIM}}}LocalizedString"
_CLASSIFICATION, _EXTERNAL_ID = f"{{{NS_RIM}}}Classification", f"{{{NS_RIM}}}ExternalIdentifier"
# Children are walked with iterchildren(tag): what findall("rim:X/rim:Y") finds, in the same order, without
# ElementPath's per-call set-up (a dozen lookups an object, a few dozen objects a feed).


def _slots(element: etree._Element) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for slot in element.iterchildren(_SLOT):
        values = out.setdefault(slot.get("name") or "", [])
        for value_list in slot.iterchildren(_VALUE_LIST):
            values.extend((v.text or "").strip() for v in value_list.iterchildren(_VALUE))
    return out


def _name(element: etree._Element) -> str:
    for name in element.iterchildren(_NAME):
        for loc in name.iterchildren(_LOCALIZED):
            return (loc.get("value") or "").strip()
    return ""


def _fill(obj: RegistryObject, element: etree._Element) -> None:
    obj.slots = _slots(element)
    obj.name = _name(element)
    for cl in element.iterchildren(_CLASSIFICATION):
        if cl.get("classificationNode"):
            continue  # the SubmissionSet marker, not an attribute
        scheme, node = cl.get("classificationScheme") or "", cl.get("nodeRepresentation") or ""
        obj.classifications.append(Classification(scheme, node, _name(cl), _slots(cl)))
    for ext in element.iterchildren(_EXTERNAL_ID):
        obj.identifiers[ext.get("identificationScheme") or ""] = (ext.get("value") or "").strip()


def _new_id(given: str | None) -> str:
    """ebRS: ids not of the urn:uuid: form are symbolic and get a UUID from the registry."""
    if given and given.startswith("urn:uuid:"):
        return given
    return f"urn:uuid:{uuid.uuid4()}"


def parse_submission(sor: etree._Element, limits: dict[str, Any] | None = None) -> Submission:
    """Records of a lcm:SubmitObjectsRequest; refuses at once a request above the configured bounds."""
    limits = {**xds_rules()["limits"], **(limits or {})}
    sub = Submission()
    if sor.tag != f"{{{NS_LCM}}}SubmitObjectsRequest":
        sub.errors.append(xds_error("DMP-XDS-001", detail=f"élément {sor.tag} reçu, lcm:SubmitObjectsRequest attendu"))
        return sub
    listing = sor.find("rim:RegistryObjectList", R)
    if listing is None:
        sub.errors.append(xds_error("DMP-XDS-001", detail="rim:RegistryObjectList absent"))
        return sub
    children = [c for c in listing if isinstance(c.tag, str)]
    entries = [c for c in children if c.tag == f"{{{NS_RIM}}}ExtrinsicObject"]
    if len(entries) > int(limits["max_entries_per_submission"]):
        sub.errors.append(xds_error("DMP-XDS-002", count=len(entries), what="fiches (DocumentEntry)",
                                    max=limits["max_entries_per_submission"]))
        return sub
    if len(children) > int(limits["max_objects_per_submission"]):
        sub.errors.append(xds_error("DMP-XDS-002", count=len(children), what="objets du registre",
                                    max=limits["max_objects_per_submission"]))
        return sub
    ids: dict[str, str] = {}
    ss_marked = {c.get("classifiedObject") for c in children
                 if c.tag == f"{{{NS_RIM}}}Classification" and c.get("classificationNode") == SUBMISSION_SET_CLASS}
    for child in children:
        given = child.get("id") or ""
        if given and given in ids and child.tag in (f"{{{NS_RIM}}}ExtrinsicObject", f"{{{NS_RIM}}}RegistryPackage"):
            sub.errors.append(xds_error("DMP-XDS-035", id=given, location=given))
            return sub
        if child.tag == f"{{{NS_RIM}}}ExtrinsicObject":
            entry_uuid = ids.setdefault(given, _new_id(given))
            entry = DocumentEntry(entry_uuid, STATUS_APPROVED, mime_type=child.get("mimeType") or "",
                                  lid=child.get("lid") or "")
            _fill(entry, child)
            entry.unique_id = entry.identifiers.get(IDENTIFIER["entryUniqueId"], "")
            entry.patient_id = entry.identifiers.get(IDENTIFIER["entryPatientId"], "")
            if child.get("objectType") not in (None, DOCUMENT_ENTRY_TYPE):
                sub.errors.append(xds_error("DMP-XDS-003", attribute=f"objectType={DOCUMENT_ENTRY_TYPE}",
                                            object=f"ExtrinsicObject {given}", location=given))
            sub.entries.append(entry)
        elif child.tag == f"{{{NS_RIM}}}RegistryPackage":
            marked = given in ss_marked or any(
                c.get("classificationNode") == SUBMISSION_SET_CLASS for c in child.findall("rim:Classification", R))
            if not marked:
                continue  # folders are not used by the DMP
            entry_uuid = ids.setdefault(given, _new_id(given))
            sset = SubmissionSet(entry_uuid, STATUS_APPROVED)
            _fill(sset, child)
            sset.unique_id = sset.identifiers.get(IDENTIFIER["setUniqueId"], "")
            sset.patient_id = sset.identifiers.get(IDENTIFIER["setPatientId"], "")
            sset.source_id = sset.identifiers.get(IDENTIFIER["setSourceId"], "")
            sub.sets.append(sset)
        else:
            continue
        sub.element[entry_uuid] = child
        sub.original_id[entry_uuid] = given
    associations = [c for c in children if c.tag == f"{{{NS_RIM}}}Association"]
    for child in associations:  # first their ids: an association may target another one (ITI-57 HasMember)
        given = child.get("id") or ""
        if given:
            ids.setdefault(given, _new_id(given))
    for child in associations:
        given = child.get("id") or ""
        source, target = child.get("sourceObject") or "", child.get("targetObject") or ""
        sub.associations.append(Association(ids.get(given) or _new_id(given), child.get("associationType") or "",
                                            ids.get(source, source), ids.get(target, target), STATUS_APPROVED,
                                            _slots(child)))
    for entry in sub.entries:
        entry.lid = ids.get(entry.lid, entry.lid) or entry.entry_uuid
        if not entry.lid.startswith("urn:uuid:"):
            entry.lid = entry.entry_uuid
    if sub.submission_set is not None:
        for entry in sub.entries:
            entry.submission_set = sub.submission_set.entry_uuid
    return sub


# --- value sets ----------------------------------------------------------------------------------------------


@cache
def valueset_data(path: Path = VALUESETS_FILE) -> dict[str, Any]:
    with open(path, "rb") as handle:
        return tomllib.load(handle)


class ValueSets:
    """Concepts accepted per metadata attribute: the pack's SVS files (loaded once) plus valuesets.toml."""

    def __init__(self, pack_dir: Path | None, data: dict[str, Any] | None = None) -> None:
        self.data = data or valueset_data()
        self.pack_dir = pack_dir
        self._concepts: dict[str, tuple[frozenset[tuple[str, str]] | None, str]] = {}

    def _checker(self) -> Any:
        from segur_harness.validation.pack import PackError, open_pack
        from segur_harness.validation.terminology import TerminologyChecker

        if self.pack_dir is None:
            return None
        try:
            return _checker_for(self.pack_dir, open_pack, TerminologyChecker)
        except (PackError, OSError):
            return None

    def concepts(self, attribute: str) -> tuple[frozenset[tuple[str, str]] | None, str]:
        """(accepted (code, system) pairs or None when the check cannot run, why it cannot)."""
        if attribute not in self._concepts:
            spec = self.data["attributes"].get(attribute, {})
            found: set[tuple[str, str]] = {(c["code"], c["system"]) for c in spec.get("codes", [])}
            missing = []
            checker = self._checker() if spec.get("pack") else None
            systems = set(spec.get("pack_systems", []))
            for name in spec.get("pack", []):
                vs = checker.value_set(name) if checker is not None else None
                if vs is None:
                    missing.append(name)
                    continue
                found |= {c for c in vs.concepts if not systems or c[1] in systems}
            if missing:
                # a code of a missing file cannot be told from a wrong one: the check does not run at all
                reason = "pas de pack CI-SIS" if self.pack_dir is None else \
                    "fichier(s) absent(s) du pack : " + ", ".join(missing)
                self._concepts[attribute] = (None, reason)
            else:
                self._concepts[attribute] = (frozenset(found) if found else None, "" if found else "aucun code connu")
        return self._concepts[attribute]

    def check(self, attribute: str, code: str, system: str, obj: str) -> Iterator[XdsError]:
        concepts, reason = self.concepts(attribute)
        spec = self.data["attributes"].get(attribute, {})
        label = ", ".join(spec.get("pack", [])) or f"valuesets.toml [{attribute}]"
        if concepts is None:
            yield xds_error("DMP-XDS-006", attribute=attribute, value_set=label, reason=reason, location=obj)
            return
        if system in spec.get("open_systems", []):
            return
        if (code, system) not in concepts:
            yield xds_error("DMP-XDS-005", attribute=attribute, code=code, system=system, object=obj,
                            value_set=label, location=obj)


_CHECKERS: dict[Path, Any] = {}


def _checker_for(pack_dir: Path, open_pack: Any, checker_class: Any) -> Any:
    if pack_dir not in _CHECKERS:
        _CHECKERS[pack_dir] = checker_class(open_pack(pack_dir))
    return _CHECKERS[pack_dir]


def specialty_code(value: str) -> tuple[str, str]:
    """(code, system) of an HL7v2 CE authorSpecialty `code^text^system` (system possibly `&OID&ISO`)."""
    parts = value.split("^")
    system = parts[2] if len(parts) > 2 else ""
    if "&" in system:
        system = next((p for p in system.split("&") if p and p != "ISO"), "")
    return parts[0], system


# --- static checks -------------------------------------------------------------------------------------------


def _required(obj: RegistryObject, label: str, slots: tuple[str, ...], codes: tuple[str, ...],
              identifiers: tuple[str, ...], author: str) -> Iterator[XdsError]:
    for name in slots:
        if not (obj.slot(name) or "").strip():
            yield xds_error("DMP-XDS-003", attribute=name, object=label, location=label)
    for attribute in codes:
        found = obj.codes(attribute)
        if not found or not all(code and system for code, system in found):
            yield xds_error("DMP-XDS-003", attribute=f"{attribute} (nodeRepresentation + codingScheme)",
                            object=label, location=label)
    for name in identifiers:
        if not obj.identifiers.get(IDENTIFIER[name]):
            yield xds_error("DMP-XDS-003", attribute=name, object=label, location=label)
    if not obj.authors(author):
        yield xds_error("DMP-XDS-003", attribute="author", object=label, location=label)
    for cl in obj.classifications:
        if cl.scheme not in KNOWN_SCHEMES:
            yield xds_error("DMP-XDS-004", scheme=cl.scheme or "(vide)", object=label, location=label)


def _time(obj: RegistryObject, label: str, name: str) -> Iterator[XdsError]:
    value = obj.slot(name)
    if value and not DTM.match(value):
        yield xds_error("DMP-XDS-019", attribute=name, object=label, value=value, location=label)


def _codes(obj: RegistryObject, label: str, attributes: tuple[str, ...], sets: ValueSets,
           author: str) -> Iterator[XdsError]:
    for attribute in attributes:
        for code, system in obj.codes(attribute):
            if code and system:
                yield from sets.check(attribute, code, system, label)
    for cl in obj.authors(author):
        for value in cl.slots.get("authorSpecialty", []):
            code, system = specialty_code(value)
            yield from sets.check("authorSpecialty", code, system, label)


def forbidden_confidentiality(codes: set[str]) -> bool:
    """INVISIBLE_PATIENT together with MASQUE_PS is refused by the DMP (docs/dmp.md)."""
    return {INVISIBLE_PATIENT, MASQUE_PS} <= codes


def check_entry(entry: DocumentEntry, label: str, sets: ValueSets) -> Iterator[XdsError]:
    """Everything about one DocumentEntry that needs neither the document nor the registry."""
    yield from _required(entry, label, ENTRY_SLOTS, ENTRY_CODES, ("entryPatientId", "entryUniqueId"), "author")
    if not entry.name:
        yield xds_error("DMP-XDS-003", attribute="title (rim:Name)", object=label, location=label)
    if not entry.mime_type:
        yield xds_error("DMP-XDS-003", attribute="mimeType", object=label, location=label)
    elif entry.mime_type != "text/xml":
        yield xds_error("DMP-XDS-025", value=entry.mime_type, object=label, location=label)
    language = entry.slot("languageCode")
    if language and language != "fr-FR":
        yield xds_error("DMP-XDS-029", object=label, value=language, location=label)
    for name in ("creationTime", "serviceStartTime", "serviceStopTime"):
        yield from _time(entry, label, name)
    creation = entry.slot("creationTime")
    if creation and DTM.match(creation) and len(creation) != 14:  # docs/dmp.md: UTC YYYYMMDDhhmmss
        yield xds_error("DMP-XDS-019", attribute="creationTime", object=label, value=creation, location=label)
    start, creation = entry.slot("serviceStartTime"), entry.slot("creationTime")
    if start and creation and DTM.match(start) and DTM.match(creation):
        width = min(len(start), len(creation))
        if start[:width] > creation[:width]:
            yield xds_error("DMP-XDS-018", object=label, start=start, creation=creation, location=label)
    if entry.patient_id and parse_patient_id(entry.patient_id) is None:
        yield xds_error("DMP-XDS-007", value=entry.patient_id, object=label, oids=", ".join(INS_OIDS), location=label)
    if forbidden_confidentiality(entry.dmp_confidentiality):
        yield xds_error("DMP-XDS-020", object=label, location=label)
    yield from _codes(entry, label, ENTRY_CODES, sets, "author")


def check_submission(sub: Submission, sets: ValueSets, *, require_members: bool = True) -> list[XdsError]:
    """Static checks of a whole submission: one SubmissionSet, its attributes, every entry, one patient."""
    errors = list(sub.errors)
    if sub.errors:
        return errors
    if len(sub.sets) != 1:
        errors.append(xds_error("DMP-XDS-027", count=len(sub.sets)))
        return errors
    sset = sub.sets[0]
    label = f"SubmissionSet {sub.original_id.get(sset.entry_uuid, sset.entry_uuid)}"
    errors += _required(sset, label, ("submissionTime",), ("contentTypeCode",),
                        ("setPatientId", "setSourceId", "setUniqueId"), "submissionSetAuthor")
    errors += _time(sset, label, "submissionTime")
    if sset.patient_id and parse_patient_id(sset.patient_id) is None:
        errors.append(xds_error("DMP-XDS-007", value=sset.patient_id, object=label, oids=", ".join(INS_OIDS),
                                location=label))
    errors += _codes(sset, label, ("contentTypeCode",), sets, "submissionSetAuthor")
    members = {a.target for a in sub.associations if a.type == HAS_MEMBER and a.source == sset.entry_uuid}
    for entry in sub.entries:
        entry_label = f"DocumentEntry {sub.original_id.get(entry.entry_uuid, entry.entry_uuid)}"
        errors += check_entry(entry, entry_label, sets)
        if sset.patient_id and entry.patient_id and entry.patient_id != sset.patient_id:
            errors.append(xds_error("DMP-XDS-008", object=entry_label, value=entry.patient_id,
                                    expected=sset.patient_id, location=entry_label))
        if require_members and entry.entry_uuid not in members:
            errors.append(xds_error("DMP-XDS-026", entry=entry_label, location=entry_label))
    return errors


# --- documents -----------------------------------------------------------------------------------------------

XDM_TO_XDS = {"XDM-008": "DMP-XDS-014", "XDM-009": "DMP-XDS-015", "XDM-010": "DMP-XDS-016",
              "XDM-011": "DMP-XDS-017"}


def check_documents(sub: Submission, documents: dict[str, bytes]) -> tuple[list[XdsError], dict[str, Any]]:
    """Entries vs attached documents: presence both ways, hash/size, CDA header consistency (xdm.py rules).

    Returns the errors and, per entry_uuid, the document bytes and parsed CDA root (None if unreadable).
    """
    errors: list[XdsError] = []
    found: dict[str, Any] = {}
    by_original = {sub.original_id.get(e.entry_uuid, e.entry_uuid): e for e in sub.entries}
    for doc_id in documents:
        if doc_id not in by_original:
            errors.append(xds_error("DMP-XDS-011", document=doc_id, location=doc_id))
    for original, entry in by_original.items():
        data = documents.get(original)
        if data is None:
            errors.append(xds_error("DMP-XDS-010", entry=original, location=original))
            continue
        meta = xdm.parse_entry(sub.element[entry.entry_uuid])
        for problem in xdm.file_problems(meta, data, original):
            rule = "DMP-XDS-012" if problem.values["slot"] == "hash" else "DMP-XDS-013"
            errors.append(xds_error(rule, location=original, **problem.values))
        try:
            cda = parse_xml(data)
        except XmlRejected as exc:
            errors.append(xds_error("DMP-XDS-024", document=original, detail=exc.reason, location=original))
            found[entry.entry_uuid] = (data, None)
            continue
        found[entry.entry_uuid] = (data, cda)
        for problem in xdm.consistency_problems(meta, cda, original):
            if problem.rule in XDM_TO_XDS:
                errors.append(xds_error(XDM_TO_XDS[problem.rule], location=original, **problem.values))
    return errors, found


def cda_replaced_ids(cda: etree._Element) -> list[str]:
    """uniqueIds (root or root^extension) of relatedDocument[@typeCode=RPLC]/parentDocument/id."""
    return [xdm.cda_unique_id(i) for i in cda.findall("cda:relatedDocument[@typeCode='RPLC']/cda:parentDocument/cda:id",
                                                      CDA_NS)]


def submission_time(now: datetime) -> str:
    return now.strftime("%Y%m%d%H%M%S")
