"""ITI-41 Provide and Register: a conformant submission is registered, each broken attribute gets the real error."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from dmp_xds_support import (
    APPROVED,
    DEPRECATED,
    FAILURE,
    ITI41_ACTION,
    NS,
    OTHER_INS,
    OTHER_PATIENT,
    RPLC,
    SUCCESS,
    Entry,
    association,
    context,
    entry_uuid_of,
    error_codes,
    feed,
    find_documents,
    iti41,
    make_cda,
    make_xds,
    new_entry,
    submission_set,
    unique_ids,
)

from segur_harness.mocks.dmp.xds import Xds
from segur_harness.validation.model import FileResult, Finding, Layer, Severity


@pytest.fixture
def xds(tmp_path: Path) -> Xds:
    return make_xds(tmp_path)


def _rules(ctx: Any) -> list[str]:
    return [f.rule for f in ctx.checks.findings]


def test_conformant_submission_is_registered(xds: Xds) -> None:
    response, ctx = feed(xds, [new_entry(1)])
    assert response.get("status") == SUCCESS, error_codes(response)
    assert response.find("rs:RegistryErrorList", NS) is None
    assert not [f for f in ctx.checks.findings if f.severity == "error"]
    assert "1.2.250.1.213.1.1.9.2.1001" in unique_ids(find_documents(xds))  # the seeded one
    assert "1.2.250.1.999.3.1" in unique_ids(find_documents(xds))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"omit": ("hash",)}, "XDSRegistryMetadataError"),
        ({"omit": ("classCode",)}, "XDSRegistryMetadataError"),
        ({"omit": ("formatCode",)}, "XDSRegistryMetadataError"),
        ({"omit": ("practiceSettingCode",)}, "XDSRegistryMetadataError"),
        ({"omit": ("healthcareFacilityTypeCode",)}, "XDSRegistryMetadataError"),
        ({"omit": ("typeCode",)}, "XDSRegistryMetadataError"),
        ({"omit": ("confidentialityCode",)}, "XDSRegistryMetadataError"),
        ({"omit": ("languageCode",)}, "XDSRegistryMetadataError"),
        ({"omit": ("repositoryUniqueId",)}, "XDSRegistryMetadataError"),
        ({"omit": ("serviceStartTime",)}, "XDSRegistryMetadataError"),
        ({"omit": ("sourcePatientId",)}, "XDSRegistryMetadataError"),
        ({"omit": ("sourcePatientInfo",)}, "XDSRegistryMetadataError"),
        ({"omit": ("title",)}, "XDSRegistryMetadataError"),
        ({"omit": ("creationTime",)}, "XDSRegistryMetadataError"),
        ({"omit": ("uniqueId",)}, "XDSRegistryMetadataError"),
        ({"omit": ("patientId",)}, "XDSRegistryMetadataError"),
        ({"omit": ("mimeType",)}, "XDSRegistryMetadataError"),
        ({"omit": ("author",)}, "XDSRegistryMetadataError"),
        ({"hash": "0" * 40}, "XDSNonIdenticalHash"),
        ({"size": "12"}, "XDSNonIdenticalSize"),
        ({"mime": "application/pdf"}, "XDSRegistryMetadataError"),
        ({"type_code": ("11490-0", "2.16.840.1.113883.6.1")}, "XDSRegistryMetadataError"),
        ({"unique_id": "1.2.250.1.999.3.999"}, "XDSRegistryMetadataError"),
        ({"creation": "20261102113000"}, "XDSRegistryMetadataError"),
        ({"creation": "2026-11-02T09:30:00"}, "XDSRegistryMetadataError"),
        ({"creation": "202611020930"}, "XDSRegistryMetadataError"),
        ({"service_start": "20261103000000"}, "XDSRegistryMetadataError"),
        ({"class_code": ("99", "1.2.250.1.213.1.1.4.1")}, "XDSRegistryMetadataError"),
        ({"format_code": ("urn:inconnu:format", "1.3.6.1.4.1.19376.1.2.3")}, "XDSRegistryMetadataError"),
        ({"patient": OTHER_PATIENT}, "XDSPatientIdDoesNotMatch"),
        ({"patient": "297022A02077878^^^&1.2.3.4&ISO^NH"}, "XDSRegistryMetadataError"),
        ({"confidentiality": [("N", "2.16.840.1.113883.5.25"), ("INVISIBLE_PATIENT", "1.2.250.1.213.1.1.4.13"),
                              ("MASQUE_PS", "1.2.250.1.213.1.1.4.13")]}, "XDSRegistryMetadataError"),
    ],
)
def test_each_broken_attribute_is_refused(xds: Xds, change: dict[str, Any], code: str) -> None:
    response, ctx = feed(xds, [new_entry(2, **change)])
    assert response.get("status") == FAILURE
    assert code in error_codes(response), (error_codes(response), _rules(ctx))
    error = response.find(".//rs:RegistryError", NS)
    assert error.get("severity") == "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"
    assert error.get("codeContext")
    assert "1.2.250.1.999.3.2" not in unique_ids(find_documents(xds)), "nothing is registered on Failure"


def test_codes_outside_the_pack_value_sets_are_refused(tmp_path: Path, cisis_pack: Path) -> None:
    xds = make_xds(tmp_path)
    for number, change in enumerate([{"practice": ("INCONNU", "1.2.250.1.213.1.1.4.9")},
                                     {"facility": ("SA99", "1.2.250.1.71.4.2.4")},
                                     {"type_code": ("00000-0", "2.16.840.1.113883.6.1")},
                                     {"specialty": "XX^Inconnue^1.2.250.1.213.1.1.4.5"},
                                     {"confidentiality": [("Z", "2.16.840.1.113883.5.25")]}]):
        response, ctx = feed(xds, [new_entry(10 + number, **change)])
        assert response.get("status") == FAILURE, change
        assert "DMP-XDS-005" in _rules(ctx), (change, _rules(ctx))


def test_value_set_check_without_pack_is_an_info_never_a_silent_pass(tmp_path: Path) -> None:
    xds = make_xds(tmp_path)
    xds.value_sets.pack_dir = None
    xds.value_sets._concepts.clear()
    response, ctx = feed(xds, [new_entry(3)])
    assert response.get("status") == SUCCESS
    infos = [f for f in ctx.checks.findings if f.rule == "DMP-XDS-006"]
    assert infos and all(f.severity == "info" for f in infos)
    assert any("typeCode" in f.message for f in infos)


def test_submission_set_attributes_are_required(xds: Xds) -> None:
    for omitted in ("submissionTime", "contentTypeCode", "sourceId", "uniqueId", "patientId"):
        response, _ctx = feed(xds, [new_entry(4)], set_xml=submission_set(omit=(omitted,)))
        assert "XDSRegistryMetadataError" in error_codes(response), omitted


def test_one_id_for_two_objects_is_refused(xds: Xds) -> None:
    response, ctx = feed(xds, [new_entry(60), new_entry(61)])
    assert response.get("status") == FAILURE and "DMP-XDS-035" in _rules(ctx)


def test_two_documents_in_one_submission(xds: Xds) -> None:
    entries = [new_entry(62), new_entry(63, doc_id="Document02")]
    response, ctx = feed(xds, entries)
    assert response.get("status") == SUCCESS, (error_codes(response), _rules(ctx))
    assert {"1.2.250.1.999.3.62", "1.2.250.1.999.3.63"} <= set(unique_ids(find_documents(xds)))


def test_entry_without_has_member_is_refused(xds: Xds) -> None:
    response, ctx = feed(xds, [new_entry(5)], members=False)
    assert response.get("status") == FAILURE
    assert "DMP-XDS-026" in _rules(ctx)


def test_missing_document_and_document_without_entry(xds: Xds) -> None:
    entry = new_entry(6)
    response, _ctx = feed(xds, [entry], documents={"Document01": None})
    assert "XDSMissingDocument" in error_codes(response) or response.get("status") == FAILURE
    ctx = context(iti41([entry]), ITI41_ACTION, {})
    assert "XDSMissingDocument" in error_codes(xds.provide_and_register(ctx).body)
    ctx = context(iti41([entry]), ITI41_ACTION, {"Document01": entry.cda, "Document99": b"<x/>"})
    assert "XDSMissingDocumentMetadata" in error_codes(xds.provide_and_register(ctx).body)


def test_patient_without_open_dmp_is_unknown(tmp_path: Path) -> None:
    xds = make_xds(tmp_path)
    xds.patient_status = lambda ins, oid: "FERME" if ins != OTHER_INS else "OUVERT"
    response, _ctx = feed(xds, [new_entry(7)])
    assert error_codes(response) == ["XDSUnknownPatientId"]


def test_duplicate_unique_id_is_refused(xds: Xds) -> None:
    assert feed(xds, [new_entry(8)])[0].get("status") == SUCCESS
    response, _ctx = feed(xds, [new_entry(8)])
    assert error_codes(response) == ["XDSDuplicateUniqueIdInRegistry"]


def test_ten_thousand_entries_fail_fast(xds: Xds) -> None:
    entry = new_entry(9)
    many = "".join(f'<rim:ExtrinsicObject id="Doc{n}" mimeType="text/xml" '
                   f'objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1">'
                   f'<rim:Name><rim:LocalizedString value="doc {n}"/></rim:Name></rim:ExtrinsicObject>'
                   for n in range(10_000))
    body = iti41([entry], extra=many)
    started = time.monotonic()
    ctx = context(body, ITI41_ACTION, {"Document01": entry.cda})
    response = xds.provide_and_register(ctx).body
    assert time.monotonic() - started < 10
    assert response.get("status") == FAILURE
    assert "DMP-XDS-002" in _rules(ctx)
    assert "10001" in response.find(".//rs:RegistryError", NS).get("codeContext")


def test_rplc_deprecates_the_replaced_entry(xds: Xds) -> None:
    assert feed(xds, [new_entry(20)])[0].get("status") == SUCCESS
    old_uuid = entry_uuid_of(find_documents(xds), "1.2.250.1.999.3.20")
    replacement = new_entry(21, parent="1.2.250.1.999.3.20")
    response, ctx = feed(xds, [replacement], extra=association("rplc", RPLC, "Document01", old_uuid))
    assert response.get("status") == SUCCESS, (error_codes(response), _rules(ctx))
    assert unique_ids(find_documents(xds)).count("1.2.250.1.999.3.20") == 0
    deprecated = find_documents(xds, statuses=(DEPRECATED,))
    assert unique_ids(deprecated) == ["1.2.250.1.999.3.20"]
    both = find_documents(xds, statuses=(APPROVED, DEPRECATED))
    assert {"1.2.250.1.999.3.20", "1.2.250.1.999.3.21"} <= set(unique_ids(both))


def test_rplc_errors(xds: Xds) -> None:
    assert feed(xds, [new_entry(30)])[0].get("status") == SUCCESS
    old_uuid = entry_uuid_of(find_documents(xds), "1.2.250.1.999.3.30")
    unknown = association("rplc", RPLC, "Document01", "urn:uuid:00000000-0000-0000-0000-000000000000")
    response, _ = feed(xds, [new_entry(31, parent="1.2.250.1.999.3.30")], extra=unknown)
    assert error_codes(response) == ["XDSRegistryMetadataError"]
    wrong_parent = new_entry(32, parent="1.2.250.1.999.3.29")
    response, ctx = feed(xds, [wrong_parent], extra=association("rplc", RPLC, "Document01", old_uuid))
    assert "DMP-XDS-023" in _rules(ctx)
    other = Entry(cda=make_cda("1.2.250.1.999.3.33", ins=OTHER_INS, parent="1.2.250.1.999.3.30"),
                  unique_id="1.2.250.1.999.3.33", patient=OTHER_PATIENT)
    response, _ = feed(xds, [other], set_xml=submission_set(patient=OTHER_PATIENT),
                       extra=association("rplc", RPLC, "Document01", old_uuid))
    assert error_codes(response) == ["XDSPatientIdDoesNotMatch"]
    assert "1.2.250.1.999.3.30" in unique_ids(find_documents(xds)), "the target stays Approved"


def test_rplc_of_a_deprecated_entry_is_refused(xds: Xds) -> None:
    assert feed(xds, [new_entry(40)])[0].get("status") == SUCCESS
    old_uuid = entry_uuid_of(find_documents(xds), "1.2.250.1.999.3.40")
    rplc = association("rplc", RPLC, "Document01", old_uuid)
    assert feed(xds, [new_entry(41, parent="1.2.250.1.999.3.40")], extra=rplc)[0].get("status") == SUCCESS
    response, ctx = feed(xds, [new_entry(42, parent="1.2.250.1.999.3.40")], extra=rplc)
    assert response.get("status") == FAILURE and "DMP-XDS-022" in _rules(ctx)


class _FakeEngine:
    def __init__(self, errors: int) -> None:
        self.errors = errors
        self.seen: list[str] = []

    def validate_document(self, data: bytes, name: str) -> FileResult:
        self.seen.append(name)
        result = FileResult(name=name, kind="cda")
        for n in range(self.errors):
            result.add(Finding(Severity.ERROR, Layer.HEADER, f"CISIS-HDR-00{n + 1}", f"erreur {n}"))
        return result


def test_invalid_cda_is_refused_with_its_errors_as_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGUR_VALIDATOR_URL", "http://127.0.0.1:9")
    xds = make_xds(tmp_path, cda_validation="service")
    xds._engine = _FakeEngine(errors=2)
    response, ctx = feed(xds, [new_entry(50)])
    assert error_codes(response) == ["XDSRegistryMetadataError"]
    assert "CISIS-HDR-001" in response.find(".//rs:RegistryError", NS).get("codeContext")
    assert {"DMP-CDA-CISIS-HDR-001", "DMP-CDA-CISIS-HDR-002", "DMP-CDA-001"} <= set(_rules(ctx))
    lenient = make_xds(tmp_path / "b", cda_validation="service", reject_invalid_cda=False)
    lenient._engine = _FakeEngine(errors=1)
    response, ctx = feed(lenient, [new_entry(51)])
    assert response.get("status") == SUCCESS and "DMP-CDA-CISIS-HDR-001" in _rules(ctx)


def test_unreachable_validation_service_never_rejects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGUR_VALIDATOR_URL", "http://127.0.0.1:9")  # discard port: connection refused
    xds = make_xds(tmp_path, cda_validation="service", cda_validation_timeout=2)
    response, ctx = feed(xds, [new_entry(52)])
    assert response.get("status") == SUCCESS
    assert [f.severity for f in ctx.checks.findings if f.rule == "DMP-CDA-002"] == ["warning"]
    monkeypatch.delenv("SEGUR_VALIDATOR_URL")
    response, ctx = feed(make_xds(tmp_path / "c", cda_validation="service"), [new_entry(53)])
    assert response.get("status") == SUCCESS and "DMP-CDA-003" in _rules(ctx)


def test_xdm_and_iti41_share_the_consistency_rules() -> None:
    from segur_harness.mocks.dmp import metadata
    from segur_harness.validation import xdm

    assert set(metadata.XDM_TO_XDS) <= set(xdm.xdm_rules()["rules"])
    assert metadata.xdm.consistency_problems is xdm.consistency_problems


def test_pack_example_is_validated_by_the_cda_engine(tmp_path: Path, cisis_pack: Path) -> None:
    """A real CI-SIS LDL-SES example, validated in-process; the same document broken is refused."""
    data = (cisis_pack / "ExemplesCDA" / "LDL-SES_2022.01.xml").read_bytes()
    patient = "279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH"

    def entry(cda: bytes) -> Entry:
        return Entry(cda=cda, unique_id="1.2.250.1.213.1.1.1.29.2022.1.1", patient=patient,
                     creation="20191203123000", service_start="20191201080000", title="Lettre de liaison",
                     type_code=("11490-0", "2.16.840.1.113883.6.1"),
                     format_code=("urn:asip:ci-sis:ldl-ses:2017", "1.2.250.1.213.1.1.4.2.282"))

    xds = make_xds(tmp_path, cda_validation="in-process")
    response, ctx = feed(xds, [entry(data)], set_xml=submission_set(patient=patient))
    assert response.get("status") == SUCCESS, (error_codes(response), _rules(ctx))
    assert not [f for f in ctx.checks.findings if f.rule.startswith("DMP-CDA-") and f.severity == "error"]
    broken = data.replace(b'<realmCode code="FR"/>', b"", 1)
    assert broken != data
    response, ctx = feed(make_xds(tmp_path / "b", cda_validation="in-process"), [entry(broken)],
                         set_xml=submission_set(patient=patient))
    assert error_codes(response) == ["XDSRegistryMetadataError"]
    assert any(f.rule.startswith("DMP-CDA-CISIS-HDR") for f in ctx.checks.findings), _rules(ctx)


@pytest.mark.parametrize(
    ("example", "unique_id", "type_code", "format_code", "creation"),
    [
        ("LDL-SES_2022.01.xml", "1.2.250.1.213.1.1.1.29.2022.1.1", "11490-0",
         ("urn:asip:ci-sis:ldl-ses:2017", "1.2.250.1.213.1.1.4.2.282"), "20191203123000"),
        ("VAC-NOTE_2023.01.xml", "1.2.250.1.213.1.1.1.46.2023.1.1", "87273-9",
         ("urn:asip:ci-sis:vac-note:2021", "1.2.250.1.213.1.1.4.2.282"), "20210409143500"),
        ("IMG_CR_IMG_2024.01.xml", "1.2.250.1.213.1.1.1.45.2024.1.1", "18748-4",
         ("urn:ihe:rad:CDA:ImagingReportStructuredHeadings:2013", "1.3.6.1.4.1.19376.1.2.3"), "20210108101700"),
        ("BIO-CR-BIO_2024.01_TSH_1.xml", "1.2.250.1.213.1.1.1.55.2024.9.1", "11502-2",
         ("urn:ihe:lab:xd-lab:2008", "1.3.6.1.4.1.19376.1.2.3"), "20210401161000"),
    ],
)
def test_pack_examples_of_each_volet_are_accepted(tmp_path: Path, cisis_pack: Path, example: str, unique_id: str,
                                                  type_code: str, format_code: tuple[str, str],
                                                  creation: str) -> None:
    """The volets the reference SUT writes, with the formatCodes of valuesets.toml (value sets from the pack)."""
    patient = "279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH"
    entry = Entry(cda=(cisis_pack / "ExemplesCDA" / example).read_bytes(), unique_id=unique_id, patient=patient,
                  creation=creation, service_start=creation[:8], type_code=(type_code, "2.16.840.1.113883.6.1"),
                  format_code=format_code)
    response, ctx = feed(make_xds(tmp_path), [entry], set_xml=submission_set(patient=patient))
    assert response.get("status") == SUCCESS, (error_codes(response), _rules(ctx))
    assert "DMP-XDS-006" not in _rules(ctx), "every value set check ran"
