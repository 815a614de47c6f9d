"""Harness header/INS/N1 rules and the no-pack verdict (no ANS pack needed)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from segur_harness.validation import Engine, Layer, LayerStatus
from segur_harness.validation.model import LAYER_ORDER
from tests.validation.validation_helpers import MINIMAL_CDA, NS, error_ids


def _doc(edit=None) -> bytes:  # noqa: ANN001 - a callable editing the root
    root = etree.fromstring(MINIMAL_CDA.encode())
    if edit:
        edit(root)
    return etree.tostring(root)


def test_without_pack_only_harness_layers_run(bare_engine: Engine) -> None:
    report = bare_engine.validate_bytes(_doc(), "minimal.xml")
    [result] = report.files
    assert report.valid and report.partial
    for layer in (Layer.XSD, Layer.SCHEMATRON, Layer.TERMINOLOGY):
        lr = result.layer(layer)
        assert lr.status == LayerStatus.NOT_RUN and "no CI-SIS pack" in lr.reason
    assert result.layer(Layer.HEADER).status == LayerStatus.RAN


def test_ins_rules_fire_without_pack(bare_engine: Engine) -> None:
    def strip(root: etree._Element) -> None:
        patient = root.find(".//cda:patient", NS)
        for path in ("cda:birthplace", "cda:birthTime", "cda:administrativeGenderCode"):
            patient.remove(patient.find(path, NS))
        for first_name in patient.findall("cda:name/cda:given", NS):
            first_name.getparent().remove(first_name)

    ids = error_ids(bare_engine.validate_bytes(_doc(strip), "ins.xml"))
    assert {"CISIS-INS-002", "CISIS-INS-003", "CISIS-INS-004", "CISIS-INS-005", "CISIS-INS-006"} <= ids


def test_ins_rules_do_not_apply_to_local_ids(bare_engine: Engine) -> None:
    def local_id(root: etree._Element) -> None:
        root.find(".//cda:patientRole/cda:id", NS).set("root", "1.2.3.4.99")
        patient = root.find(".//cda:patient", NS)
        patient.remove(patient.find("cda:birthplace", NS))

    assert bare_engine.validate_bytes(_doc(local_id), "ipp.xml").valid


def test_ins_matricule_format_and_key(bare_engine: Engine) -> None:
    def bad_key(root: etree._Element) -> None:
        root.find(".//cda:patientRole/cda:id", NS).set("extension", "279035121518900")

    report = bare_engine.validate_bytes(_doc(bad_key), "key.xml")
    assert report.valid  # ANS accepts a wrong key (see header_rules.toml): warning only
    assert any(f.rule_id == "CISIS-INS-008" for f in report.findings)

    def bad_format(root: etree._Element) -> None:
        root.find(".//cda:patientRole/cda:id", NS).set("extension", "27903")

    assert "CISIS-INS-007" in error_ids(bare_engine.validate_bytes(_doc(bad_format), "fmt.xml"))


def test_header_rules(bare_engine: Engine) -> None:
    def damage(root: etree._Element) -> None:
        root.find("cda:realmCode", NS).set("code", "US")
        root.find("cda:languageCode", NS).set("code", "en-US")
        root.find("cda:typeId", NS).set("extension", "X")
        root.remove(root.find("cda:templateId[@root='1.2.250.1.213.1.1.1.1']", NS))
        root.insert(8, etree.fromstring('<id xmlns="urn:hl7-org:v3" root="1.2.3"/>'))
        root.find("cda:setId", NS).set("nullFlavor", "NI")

    report = bare_engine.validate_bytes(_doc(damage), "header.xml")
    ids = error_ids(report)
    assert {"CISIS-HDR-002", "CISIS-HDR-003", "CISIS-HDR-005", "CISIS-HDR-008", "CISIS-HDR-009", "CISIS-HDR-010"} <= ids
    twice = next(f for f in report.findings if f.rule_id == "CISIS-HDR-009")
    assert "exactly one id (found 2)" in twice.message and twice.line is not None


def test_volet_template_required_for_n3(bare_engine: Engine) -> None:
    def drop(root: etree._Element) -> None:
        root.remove(root.find("cda:templateId[@root='1.2.250.1.213.1.1.1.29']", NS))

    assert "CISIS-HDR-006" in error_ids(bare_engine.validate_bytes(_doc(drop), "novolet.xml"))


def test_not_a_cda(bare_engine: Engine) -> None:
    report = bare_engine.validate_bytes(b"<html><body/></html>", "page.xml")
    assert error_ids(report) == {"CISIS-HDR-001"}


def test_malformed_and_hostile_xml(bare_engine: Engine) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]><a>&x;</a>'
    for data in (b"<ClinicalDocument", bomb, b""):
        [result] = bare_engine.validate_bytes(data, "bad.xml").files
        assert [f.rule_id for f in result.errors] == ["PARSE-001"]
        assert result.layer(Layer.HEADER).status == LayerStatus.NOT_RUN


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=200).map(lambda t: f"<ClinicalDocument>{t}".encode()))
def test_any_input_gives_a_report_never_an_exception(data: bytes) -> None:
    [result] = Engine(None).validate_bytes(data, "fuzz.xml").files
    assert {lr.layer for lr in result.layers} == set(LAYER_ORDER)
    assert not [f for f in result.findings if f.rule_id == "ENGINE-001"]
