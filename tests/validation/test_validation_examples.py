"""ANS's own examples validate without error against their own volet; broken variants fail on the right rule."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from lxml import etree

from segur_harness.validation import Engine, Layer, LayerStatus
from tests.validation.validation_helpers import NS, error_ids, examples, load, to_bytes

EXAMPLES = examples()
JUDGED_BY_ANS_ROUTE = {"BIO-CR-BIO_2024.01_TSH_1.xml": ("CI-SIS_BIO-CR-BIO_2021.01.sch", "Entete_CR-BIO")}
"""Examples ANS's own route table sends elsewhere than their volet version: the reviewer's verdict, kept.
TSH_1 is a 2024.01 report whose volet templateId has no @extension: ANS routes it to BIO-CR-BIO 2021.01."""


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_pack_example_is_valid_against_its_own_volet(engine: Engine, example: Path) -> None:
    report = engine.validate_path(example)
    [result] = report.files
    errors = [f"{f.rule_id} line {f.line}: {f.message}" for f in result.errors]
    if example.name in JUDGED_BY_ANS_ROUTE:
        schematron, rule = JUDGED_BY_ANS_ROUTE[example.name]
        assert result.document["schematron"] == schematron and result.document["route"] == "ans-table"
        assert errors and all(rule in e for e in errors), errors
        return
    assert errors == []
    schematron = result.layer(Layer.SCHEMATRON)
    assert schematron is not None and schematron.status == LayerStatus.RAN, schematron
    assert result.layer(Layer.XSD).status == LayerStatus.RAN
    if result.document["level"] == "N1":
        assert result.document["schematron"] == "ASIP-STRUCT-MIN-StrucMin.sch"
    else:
        volet = result.document["volet"]
        assert volet and result.document["schematron"].startswith(f"CI-SIS_{volet}_")


def test_examples_are_present(pack_dir: Path) -> None:
    assert len(examples(pack_dir)) >= 10


# --- broken variants of LDL-SES_2022.01 ---------------------------------------------------------


@pytest.fixture(scope="module")
def ldl_ses(pack_dir: Path) -> etree._ElementTree:
    return load(pack_dir / "ExemplesCDA" / "LDL-SES_2022.01.xml")


def _variant(tree: etree._ElementTree) -> etree._Element:
    return copy.deepcopy(tree.getroot())


def _remove(root: etree._Element, path: str) -> None:
    node = root.find(path, NS)
    assert node is not None, path
    node.getparent().remove(node)


def test_ins_birthplace_removed(engine: Engine, ldl_ses: etree._ElementTree) -> None:
    root = _variant(ldl_ses)
    _remove(root, "cda:recordTarget/cda:patientRole/cda:patient/cda:birthplace")
    report = engine.validate_bytes(to_bytes(root), "no-birthplace.xml")
    assert not report.valid
    finding = next(f for f in report.findings if f.rule_id == "CISIS-INS-005")
    assert finding.severity.value == "error" and finding.line is not None
    assert "birthplace/place/addr/county" in finding.message


def test_wrong_document_code(engine: Engine, ldl_ses: etree._ElementTree) -> None:
    root = _variant(ldl_ses)
    root.find("cda:code", NS).set("code", "99999-9")
    report = engine.validate_bytes(to_bytes(root), "wrong-code.xml")
    ids = error_ids(report)
    assert "CISIS-JDV-001" in ids
    schematron = [f for f in report.findings if f.layer == Layer.SCHEMATRON and f.severity.value == "error"]
    assert any("11490-0" in f.message for f in schematron), [f.message for f in schematron]


def test_wrong_template_version(engine: Engine, ldl_ses: etree._ElementTree) -> None:
    root = _variant(ldl_ses)
    template = root.find("cda:templateId[@root='1.2.250.1.213.1.1.1.29']", NS)
    template.set("extension", "2099.01")
    report = engine.validate_bytes(to_bytes(root), "wrong-version.xml")
    [result] = report.files
    [warning] = [f for f in result.findings if f.rule_id == "CISIS-VOL-002"]
    assert warning.severity.value == "warning" and "not the one ANS would give" in warning.message
    assert result.layer(Layer.SCHEMATRON).status == LayerStatus.RAN  # the nearest version still ran
    assert result.document["schematron"] == "CI-SIS_LDL-SES_2022.01.sch"
    assert result.document["route"] == "nearest-version" and "2099.01" in result.document["route_reason"]
    assert report.valid and report.partial  # not ANS's verdict: never a plain pass


def test_header_code_outside_value_set(engine: Engine, ldl_ses: etree._ElementTree) -> None:
    root = _variant(ldl_ses)
    root.find("cda:confidentialityCode", NS).set("code", "X")
    report = engine.validate_bytes(to_bytes(root), "bad-confidentiality.xml")
    finding = next(f for f in report.findings if f.rule_id == "CISIS-JDV-002")
    assert "JDV_HL7_Confidentiality_CISIS.xml" in finding.message and finding.xpath.endswith("confidentialityCode")


def test_body_code_outside_schematron_value_set(engine: Engine, ldl_ses: etree._ElementTree) -> None:
    root = _variant(ldl_ses)
    [value] = root.xpath(".//cda:observation[cda:code/@code='ORG-070']/cda:value", namespaces=NS)
    value.set("code", "NOT-A-CODE")
    report = engine.validate_bytes(to_bytes(root), "bad-modalite.xml")
    errors = [f for f in report.findings if f.layer == Layer.SCHEMATRON and f.severity.value == "error"]
    assert any("JDV_ModaliteEntree_CISIS.xml" in f.message for f in errors), [f.message for f in errors]
    assert all(f.line for f in errors)


def test_legal_authenticator_removed(engine: Engine, ldl_ses: etree._ElementTree) -> None:
    root = _variant(ldl_ses)
    _remove(root, "cda:legalAuthenticator")
    report = engine.validate_bytes(to_bytes(root), "no-legal-authenticator.xml")
    finding = next(f for f in report.findings if f.rule_id == "CISIS-HDR-009")
    assert "legalAuthenticator" in finding.message and "found 0" in finding.message


def test_xsd_structure_broken(engine: Engine, ldl_ses: etree._ElementTree) -> None:
    root = _variant(ldl_ses)
    title = root.find("cda:title", NS)
    root.remove(title)
    root.insert(0, title)  # title before realmCode: sequence violated
    data = to_bytes(root)
    report = engine.validate_bytes(data, "bad-structure.xml")
    xsd = [f for f in report.findings if f.rule_id == "XSD"]
    assert xsd and xsd[0].severity.value == "error"
    assert xsd[0].line == etree.fromstring(data).find("cda:title", NS).sourceline


def test_n1_document_takes_the_n1_path(engine: Engine, pack_dir: Path) -> None:
    report = engine.validate_path(pack_dir / "ExemplesCDA" / "IMG_CR_IMG_2024.01_CDA-R2-Niveau-1.xml")
    [result] = report.files
    assert result.document["level"] == "N1"
    assert not result.document["schematron"].startswith("CI-SIS_")


def test_n1_template_without_non_xml_body(engine: Engine, pack_dir: Path) -> None:
    root = load(pack_dir / "ExemplesCDA" / "DOC_NON_STRUCTURE_CDA-R2-N1.xml").getroot()
    body = root.find("cda:component/cda:nonXMLBody", NS)
    body.getparent().replace(body, etree.Element(f"{{{NS['cda']}}}structuredBody"))
    report = engine.validate_bytes(to_bytes(root), "n1-without-body.xml")
    assert "CISIS-N1-001" in error_ids(report)


def test_embedded_clinical_document_is_unwrapped(engine: Engine, ldl_ses: etree._ElementTree) -> None:
    wrapper = etree.Element("signedEnvelope")
    wrapper.append(_variant(ldl_ses))
    report = engine.validate_bytes(to_bytes(wrapper), "wrapped.xml")
    assert report.valid
    assert any(f.rule_id == "PARSE-002" for f in report.findings)
