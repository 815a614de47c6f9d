"""The harness's own CDA checks (steps/cda_checks.py) and the received-document version builder can fail."""

from __future__ import annotations

import base64

import pytest
from lxml import etree

from segur_harness.steps import cda_checks as cda
from segur_harness.steps.cda_inbox_steps import next_version
from segur_harness.steps.documents import content_for, received_document
from segur_harness.sut.reference.cda.pdf import text_pdf

H = 'xmlns="urn:hl7-org:v3"'


def _doc(body: str) -> etree._Element:
    return etree.fromstring(f'<ClinicalDocument {H}><component><structuredBody>{body}</structuredBody></component>'
                            f'</ClinicalDocument>')


def test_narrative_checks_find_empty_text_and_dangling_references() -> None:
    good = _doc('<component><section><title>A</title><text><content ID="r1">vu</content></text>'
                '<entry><observation><text><reference value="#r1"/></text></observation></entry></section></component>')
    assert cda.narrative_problems(good) == []
    empty = _doc('<component><section><title>Vide</title><text>  </text></section></component>')
    assert any("Vide" in p for p in cda.narrative_problems(empty))
    dangling = _doc('<component><section><title>A</title><text>vu</text>'
                    '<entry><observation><text><reference value="#nulle-part"/></text></observation></entry>'
                    '</section></component>')
    assert any("nulle-part" in p for p in cda.narrative_problems(dangling))


def _n1(text_attrs: str, payload: str) -> etree._Element:
    return etree.fromstring(f'<ClinicalDocument {H}><component><nonXMLBody><text {text_attrs}>{payload}</text>'
                            f'</nonXMLBody></component></ClinicalDocument>')


def test_embedded_pdf_must_be_base64_pdf() -> None:
    pdf = text_pdf("Titre", ["ligne"])
    ok = _n1('mediaType="application/pdf" representation="B64"', base64.b64encode(pdf).decode())
    assert cda.embedded_pdf(ok) == (pdf, [])
    _pdf, problems = cda.embedded_pdf(_n1('mediaType="application/pdf" representation="TXT"', "%PDF-1.4 brut"))
    assert any("B64" in p for p in problems) and any("base64" in p for p in problems)
    _pdf, problems = cda.embedded_pdf(_n1('mediaType="text/plain" representation="B64"',
                                          base64.b64encode(b"hello").decode()))
    assert any("mediaType" in p for p in problems) and any("%PDF-" in p for p in problems)


def test_result_codes_are_read_from_measured_observations() -> None:
    root = _doc('<component><section><entry><observation><code code="2345-7" codeSystem="2.16.840.1.113883.6.1"/>'
                '<value xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="PQ" value="5" unit="mmol/L"/>'
                '</observation></entry><entry><observation><code code="X" codeSystem="1.2.3"/>'
                '<value xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CD" code="Y"/></observation>'
                '</entry></section></component>')
    assert [(c, s) for c, s, _line in cda.coded_results(root)] == [("2345-7", cda.LOINC)]


def test_next_version_of_a_received_document_is_a_valid_replacement(cisis_pack) -> None:
    from segur_harness.validation import get_engine

    original = received_document("cr-consultation-n1.xml")
    corrected = next_version(original)
    old, new = etree.fromstring(original), etree.fromstring(corrected)
    assert cda.set_id(new) == cda.set_id(old) and cda.document_id(new) != cda.document_id(old)
    assert cda.version_number(new) == cda.version_number(old) + 1
    assert cda.replaced_parent_ids(new) == [cda.document_id(old)]
    result = get_engine(cisis_pack).validate_document(corrected, "v2.xml")
    assert result.valid, [f"{f.rule_id}: {f.message}" for f in result.errors]


@pytest.mark.parametrize("kind", ["LDL-SES", "CR-BIO", "CR-IMG", "VAC-NOTE", "N1-PDF"])
def test_every_kind_has_a_content_fixture(kind: str) -> None:
    assert isinstance(content_for(kind), dict) and content_for(kind)
