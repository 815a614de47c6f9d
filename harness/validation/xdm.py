"""IHE_XDM.ZIP archives: layout, ebRS metadata, every CDA inside, metadata vs CDA header.

DMP and MSSanté exchange CDA documents in XDM archives; a document valid on its
own is still rejected when the metadata that indexes it contradicts its header
(another patient, another type, another id). One "xdm" result reports the
archive's own checks; each CDA inside gets its own result.
"""

from __future__ import annotations

import hashlib
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from lxml import etree

from segur_harness.validation import zipguard
from segur_harness.validation.model import FileResult, Finding, Layer, LayerResult, LayerStatus, Severity
from segur_harness.validation.xmlpath import NS
from segur_harness.xmlsafe import DEFAULT_MAX_BYTES, XmlRejected, parse_xml

if TYPE_CHECKING:
    from segur_harness.validation.engine import Engine

RULES_FILE = Path(__file__).with_name("xdm_rules.toml")
RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
UNIQUE_ID = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"
PATIENT_ID = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
TYPE_CODE = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
R = {"rim": RIM}


@cache
def xdm_rules() -> dict[str, Any]:
    with open(RULES_FILE, "rb") as handle:
        return tomllib.load(handle)


def _finding(rule: str, **values: object) -> Finding:
    spec = xdm_rules()["rules"][rule]
    return Finding(Severity(spec["severity"]), Layer.XDM, rule, spec["message"].format(**values))


@dataclass
class DocumentEntry:
    entry_id: str
    uri: str | None
    unique_id: str | None
    patient_id: str | None
    type_code: tuple[str, str | None] | None
    creation_time: str | None
    size: str | None
    hash: str | None


def _slot(node: etree._Element, name: str) -> str | None:
    value = node.find(f"rim:Slot[@name='{name}']/rim:ValueList/rim:Value", R)
    return (value.text or "").strip() if value is not None else None


def parse_entries(root: etree._Element) -> list[DocumentEntry]:
    return [parse_entry(eo) for eo in root.iter(f"{{{RIM}}}ExtrinsicObject")]


def parse_entry(eo: etree._Element) -> DocumentEntry:
    """The attributes of one rim:ExtrinsicObject that the consistency checks compare with the document."""
    ids = {x.get("identificationScheme"): x.get("value") for x in eo.findall("rim:ExternalIdentifier", R)}
    type_code = None
    for cl in eo.findall("rim:Classification", R):
        if cl.get("classificationScheme") == TYPE_CODE:
            type_code = (cl.get("nodeRepresentation") or "", _slot(cl, "codingScheme"))
    return DocumentEntry(
        entry_id=eo.get("id") or "?",
        uri=_slot(eo, "URI"),
        unique_id=ids.get(UNIQUE_ID),
        patient_id=ids.get(PATIENT_ID),
        type_code=type_code,
        creation_time=_slot(eo, "creationTime"),
        size=_slot(eo, "size"),
        hash=_slot(eo, "hash"),
    )


def _to_utc(ts: str) -> tuple[str, int] | None:
    """HL7 TS (YYYYMMDD[hhmm[ss]][+/-zzzz]) as UTC digits and their precision; None if unreadable."""
    ts = ts.strip()
    offset = None
    for sign in ("+", "-"):
        if sign in ts[8:]:
            ts, zone = ts.split(sign, 1)[0], ts.split(sign, 1)[1]
            if len(zone) != 4 or not zone.isdigit():
                return None
            offset = int(zone[:2]) * 60 + int(zone[2:])
            offset = offset if sign == "+" else -offset
    ts = ts.split(".", 1)[0]
    if not ts.isdigit() or len(ts) < 8:
        return None
    precision = len(ts)
    padded = (ts + "000000")[:14]
    try:
        moment = datetime.strptime(padded, "%Y%m%d%H%M%S")
    except ValueError:
        return None
    if offset is not None and precision > 8:
        moment = (moment - timedelta(minutes=offset)).replace(tzinfo=UTC)
    return moment.strftime("%Y%m%d%H%M%S")[:precision], precision


@dataclass(frozen=True)
class Problem:
    """One metadata-vs-document problem: an XDM rule ID and the values its message needs.

    Shared by XDM archives (findings in English, xdm_rules.toml) and the DMP
    mock's ITI-41 (French codeContext): one implementation, two wordings.
    """

    rule: str
    values: dict[str, str]


def consistency_problems(entry: DocumentEntry, cda: etree._Element, document: str) -> Iterator[Problem]:
    """Metadata of `entry` against the CDA header: uniqueId, patientId, typeCode, creationTime."""
    for item, value in (
        ("uniqueId", entry.unique_id),
        ("patientId", entry.patient_id),
        ("typeCode", entry.type_code),
        ("creationTime", entry.creation_time),
    ):
        if not value:
            yield Problem("XDM-013", {"document": document, "item": item})
    doc_id = cda.find("cda:id", NS)
    if entry.unique_id and doc_id is not None:
        expected = cda_unique_id(doc_id)
        if entry.unique_id != expected:
            yield Problem("XDM-008", {"document": document, "meta": entry.unique_id, "cda": expected})
    if entry.patient_id:
        ext, _, rest = entry.patient_id.partition("^^^")
        authority = rest.strip("&").split("&")[0] if rest else ""
        ids = cda.findall("cda:recordTarget/cda:patientRole/cda:id", NS)
        if not any(i.get("extension") == ext and i.get("root") == authority for i in ids):
            shown = ", ".join(f"{i.get('extension')}@{i.get('root')}" for i in ids) or "none"
            yield Problem("XDM-009", {"document": document, "meta": entry.patient_id, "cda": shown})
    code = cda.find("cda:code", NS)
    if entry.type_code and code is not None:
        meta_code, meta_system = entry.type_code
        if (meta_code, meta_system) != (code.get("code"), code.get("codeSystem")):
            yield Problem("XDM-010", {"document": document, "meta": f"{meta_code}@{meta_system}",
                                      "cda": f"{code.get('code')}@{code.get('codeSystem')}"})
    effective = cda.find("cda:effectiveTime", NS)
    if entry.creation_time and effective is not None and effective.get("value"):
        meta, cda_time = _to_utc(entry.creation_time), _to_utc(effective.get("value") or "")
        if (
            meta is None
            or cda_time is None
            or meta[0][: min(meta[1], cda_time[1])] != cda_time[0][: min(meta[1], cda_time[1])]
        ):
            yield Problem("XDM-011", {"document": document, "meta": entry.creation_time,
                                      "cda": effective.get("value") or "",
                                      "cda_utc": cda_time[0] if cda_time else "unreadable"})


def cda_unique_id(doc_id: etree._Element) -> str:
    """XDS uniqueId of a CDA id: `root`, or `root^extension` (IHE ITI TF-3 §4.1.x)."""
    root, ext = doc_id.get("root") or "", doc_id.get("extension")
    return f"{root}^{ext}" if ext else root


def to_utc(ts: str) -> tuple[str, int] | None:
    """Public name of the HL7 TS -> UTC digits conversion (used by the DMP mock too)."""
    return _to_utc(ts)


def file_problems(entry: DocumentEntry, data: bytes, document: str) -> Iterator[Problem]:
    """Metadata size / hash (SHA-1 hex) against the document bytes."""
    if entry.size and entry.size != str(len(data)):
        yield Problem("XDM-012", {"document": document, "slot": "size", "meta": entry.size, "actual": str(len(data))})
    digest = hashlib.sha1(data).hexdigest()
    if entry.hash and entry.hash.lower() != digest:
        yield Problem("XDM-012", {"document": document, "slot": "hash", "meta": entry.hash, "actual": digest})


def _consistency(entry: DocumentEntry, cda: etree._Element, document: str) -> Iterator[Finding]:
    for problem in consistency_problems(entry, cda, document):
        yield _finding(problem.rule, **problem.values)


def _file_checks(entry: DocumentEntry, data: bytes, document: str) -> Iterator[Finding]:
    for problem in file_problems(entry, data, document):
        yield _finding(problem.rule, **problem.values)


def _find(members: dict[str, zipfile.ZipInfo], wanted: str) -> tuple[str | None, bool]:
    """Member named `wanted` (exact, else ignoring case); second value: exact spelling."""
    if wanted in members:
        return wanted, True
    lowered = wanted.lower()
    return next((m for m in members if m.lower() == lowered), None), False


def validate_archive(engine: Engine, path: Path, schematron: Path | None = None) -> list[FileResult]:
    """Results: first the archive's own ("xdm"), then one per CDA document it holds."""
    rules = xdm_rules()
    limits = zipguard.Limits(**rules["limits"])
    own = FileResult(name=str(path), kind="xdm")
    layer = LayerResult(Layer.XDM, LayerStatus.RAN, rules_version={"harness_xdm_rules": rules["version"]})
    own.layers.append(layer)
    results = [own]
    archive, safe = zipguard.inspect(path, limits)
    own.findings.extend(_finding(p.rule, **p.values) for p in safe.problems)
    if archive is None:
        layer.status, layer.reason = LayerStatus.COULD_NOT_RUN, "archive refused"
        return results
    with archive:
        members = safe.members
        for required in ("INDEX.HTM", "README.TXT"):
            found, exact = _find(members, required)
            if found is None:
                own.add(_finding("XDM-004", item=required))
            elif not exact:
                own.add(_finding("XDM-005", member=found, expected=required))
        metadata = sorted(
            m
            for m in members
            if len(PurePosixPath(m).parts) == 3
            and PurePosixPath(m).parts[0].upper() == "IHE_XDM"
            and PurePosixPath(m).name.upper() == "METADATA.XML"
        )
        if not metadata:
            own.add(_finding("XDM-004", item="IHE_XDM/SUBSET01/METADATA.XML"))
        for meta_name in metadata:
            results.extend(_subset(engine, archive, members, meta_name, path, own, limits, schematron))
    return results


def _subset(
    engine: Engine,
    archive: zipfile.ZipFile,
    members: dict[str, zipfile.ZipInfo],
    meta_name: str,
    path: Path,
    own: FileResult,
    limits: zipguard.Limits,
    schematron: Path | None = None,
) -> list[FileResult]:
    if PurePosixPath(meta_name).name != "METADATA.XML" or not meta_name.startswith("IHE_XDM/"):
        own.add(_finding("XDM-005", member=meta_name, expected="IHE_XDM/<SUBSET>/METADATA.XML"))
    try:
        root = parse_xml(zipguard.read_member(archive, members[meta_name], limits.max_member_bytes))
    except XmlRejected as exc:
        own.add(_finding("XDM-006", member=meta_name, detail=exc.reason))
        return []
    except (ValueError, zipfile.BadZipFile, OSError) as exc:
        own.add(_finding("XDM-003", member=meta_name, detail=str(exc)))
        return []
    if root.tag != f"{{{LCM}}}SubmitObjectsRequest":
        own.add(
            _finding(
                "XDM-006", member=meta_name, detail=f"root element is {root.tag}, expected lcm:SubmitObjectsRequest"
            )
        )
        return []
    entries = parse_entries(root)
    if not entries:
        own.add(_finding("XDM-014", member=meta_name))
    subset = PurePosixPath(meta_name).parent
    results = []
    for entry in entries:
        if not entry.uri:
            own.add(_finding("XDM-013", document=entry.entry_id, item="URI"))
            continue
        member, _ = _find(members, str(subset / entry.uri))
        if member is None:
            own.add(_finding("XDM-007", member=meta_name, entry=entry.entry_id, uri=entry.uri))
            continue
        display = f"{path}!{member}"
        try:
            data = zipguard.read_member(archive, members[member], min(limits.max_member_bytes, DEFAULT_MAX_BYTES))
        except (ValueError, zipfile.BadZipFile, OSError) as exc:
            own.add(_finding("XDM-003", member=member, detail=str(exc)))
            continue
        own.findings.extend(_file_checks(entry, data, member))
        results.append(engine.validate_document(data, display, schematron))
        try:
            cda = parse_xml(data)
        except XmlRejected:
            continue  # reported on the document's own result
        own.findings.extend(_consistency(entry, cda, member))
    return results
