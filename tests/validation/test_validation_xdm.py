"""IHE_XDM.ZIP: layout, hardening, metadata vs CDA header consistency."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from segur_harness.validation import Engine, zipguard
from tests.validation.validation_helpers import MINIMAL_CDA

METADATA = """<?xml version="1.0" encoding="UTF-8"?>
<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
    xmlns:rim="urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0">
 <rim:RegistryObjectList>
  <rim:ExtrinsicObject id="Document01" mimeType="text/xml" objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1">
   <rim:Slot name="creationTime"><rim:ValueList><rim:Value>{creation}</rim:Value></rim:ValueList></rim:Slot>
   <rim:Slot name="URI"><rim:ValueList><rim:Value>DOC0001.XML</rim:Value></rim:ValueList></rim:Slot>
   <rim:Slot name="size"><rim:ValueList><rim:Value>{size}</rim:Value></rim:ValueList></rim:Slot>
   <rim:Slot name="hash"><rim:ValueList><rim:Value>{sha1}</rim:Value></rim:ValueList></rim:Slot>
   <rim:Classification classificationScheme="urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
       classifiedObject="Document01" nodeRepresentation="{type_code}">
    <rim:Slot name="codingScheme"><rim:ValueList><rim:Value>2.16.840.1.113883.6.1</rim:Value></rim:ValueList></rim:Slot>
   </rim:Classification>
   <rim:ExternalIdentifier identificationScheme="urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
       value="{patient}^^^&amp;1.2.250.1.213.1.4.10&amp;ISO" registryObject="Document01"/>
   <rim:ExternalIdentifier identificationScheme="urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"
       value="{unique}" registryObject="Document01"/>
  </rim:ExtrinsicObject>
 </rim:RegistryObjectList>
</lcm:SubmitObjectsRequest>
"""


def _xdm(
    tmp_path: Path,
    name: str = "IHE_XDM.ZIP",
    skip: tuple[str, ...] = (),
    extra: dict[str, bytes] | None = None,
    **meta: str,
) -> Path:
    cda = MINIMAL_CDA.encode()
    values = {
        "creation": "20240102093000",
        "size": str(len(cda)),
        "sha1": hashlib.sha1(cda).hexdigest(),
        "type_code": "11490-0",
        "patient": "279035121518989",
        "unique": "1.2.3.4.5^DOC-1",
    }
    values.update(meta)
    members = {
        "INDEX.HTM": b"<html/>",
        "README.TXT": b"readme",
        "IHE_XDM/SUBSET01/METADATA.XML": METADATA.format(**values).encode(),
        "IHE_XDM/SUBSET01/DOC0001.XML": cda,
        **(extra or {}),
    }
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            if member not in skip:
                archive.writestr(member, data)
    return path


def _rules(report) -> list[str]:  # noqa: ANN001
    return [f.rule_id for f in report.files[0].findings]


def test_consistent_archive(bare_engine: Engine, tmp_path: Path) -> None:
    report = bare_engine.validate_path(_xdm(tmp_path))
    assert [f.kind for f in report.files] == ["xdm", "cda"]
    assert report.valid, report.to_text()
    assert report.files[1].name.endswith("!IHE_XDM/SUBSET01/DOC0001.XML")


def test_metadata_inconsistent_with_header(bare_engine: Engine, tmp_path: Path) -> None:
    path = _xdm(
        tmp_path, creation="20240102103000", type_code="34133-9", patient="179035121518989", unique="1.2.3.4.5^OTHER"
    )
    report = bare_engine.validate_path(path)
    assert not report.valid
    assert {"XDM-008", "XDM-009", "XDM-010", "XDM-011"} <= set(_rules(report))


def test_size_and_hash_checked(bare_engine: Engine, tmp_path: Path) -> None:
    report = bare_engine.validate_path(_xdm(tmp_path, size="12", sha1="00" * 20))
    assert _rules(report).count("XDM-012") == 2


def test_layout_missing_items(bare_engine: Engine, tmp_path: Path) -> None:
    report = bare_engine.validate_path(_xdm(tmp_path, skip=("INDEX.HTM", "IHE_XDM/SUBSET01/METADATA.XML")))
    messages = [f.message for f in report.files[0].findings if f.rule_id == "XDM-004"]
    assert len(messages) == 2 and any("INDEX.HTM" in m for m in messages)
    assert not report.valid


def test_referenced_document_missing(bare_engine: Engine, tmp_path: Path) -> None:
    report = bare_engine.validate_path(_xdm(tmp_path, skip=("IHE_XDM/SUBSET01/DOC0001.XML",)))
    assert "XDM-007" in _rules(report)


def test_path_traversal_member_refused(bare_engine: Engine, tmp_path: Path) -> None:
    report = bare_engine.validate_path(_xdm(tmp_path, extra={"../../etc/evil.xml": b"<x/>"}))
    finding = next(f for f in report.files[0].findings if f.rule_id == "XDM-003")
    assert "traversal" in finding.message
    assert not (tmp_path.parent.parent / "etc" / "evil.xml").exists()


def test_zip_bomb_member_refused(bare_engine: Engine, tmp_path: Path) -> None:
    report = bare_engine.validate_path(_xdm(tmp_path, extra={"IHE_XDM/SUBSET01/BOMB.XML": b"\0" * (3 * 1024 * 1024)}))
    assert any(f.rule_id == "XDM-003" and "zip bomb" in f.message for f in report.files[0].findings)


def test_corrupt_deflate_member_is_a_finding(bare_engine: Engine, tmp_path: Path) -> None:
    path = _xdm(tmp_path)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("IHE_XDM/SUBSET01/DOC0001.XML")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode())  # local header, then the compressed bytes
    for offset in range(start + 2, start + min(info.compress_size, 40)):
        data[offset] ^= 0x5A
    path.write_bytes(bytes(data))
    report = bare_engine.validate_path(path)
    assert "XDM-003" in _rules(report)


def test_unsupported_zip_version_is_a_finding(bare_engine: Engine, tmp_path: Path) -> None:
    path = _xdm(tmp_path)
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")
    data[central + 6] = 200  # "version needed to extract" 20.0: beyond what zipfile supports
    path.write_bytes(bytes(data))
    report = bare_engine.validate_path(path)
    assert "XDM-001" in _rules(report)


def test_member_count_bounded(tmp_path: Path) -> None:
    path = _xdm(tmp_path)
    limits = zipguard.Limits(
        max_archive_bytes=10**9, max_members=3, max_member_bytes=10**7, max_total_bytes=10**8, max_ratio=100
    )
    archive, safe = zipguard.inspect(path, limits)
    assert archive is None and safe.fatal and safe.problems[0].rule == "XDM-002"


def test_not_a_zip(bare_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "fake.zip"
    path.write_bytes(b"not a zip at all")
    report = bare_engine.validate_path(path)
    assert _rules(report) == ["XDM-001"] and not report.valid
