"""The CDA header's INS checks (CISIS-INS-007/008) read the matricule and OIDs through segur_harness.ins."""

from __future__ import annotations

import pytest
from lxml import etree

from segur_harness.validation import header_rules


def _record_target(root_oid: str, extension: str) -> etree._Element:
    return etree.fromstring(
        f"""<ClinicalDocument xmlns="urn:hl7-org:v3"><recordTarget><patientRole>
        <id root="{root_oid}" extension="{extension}"/>
        <patient><name><family qualifier="BR">ADRTROIS</family><given qualifier="BR">DOMINIQUE</given>
        <given>DOMINIQUE</given></name><administrativeGenderCode code="F"/><birthTime value="19970226"/>
        <birthplace><place><addr><county>2A020</county></addr></place></birthplace></patient>
        </patientRole></recordTarget></ClinicalDocument>"""
    )


def _ins_findings(root_oid: str, extension: str) -> list[tuple[str, str]]:
    return [(f.rule_id, f.message) for f in header_rules._ins(_record_target(root_oid, extension))]


@pytest.mark.parametrize("extension", ["297022A02077878", " 297022a02077878 ", "160012B02077713", "109076322088835"])
def test_right_keys_pass(extension: str) -> None:
    assert _ins_findings("1.2.250.1.213.1.4.8", extension) == []


def test_wrong_key_names_the_right_one() -> None:
    [(rule, message)] = _ins_findings("1.2.250.1.213.1.4.10", "181036322045660")
    assert rule == "CISIS-INS-008" and "76" in message and "60" in message


@pytest.mark.parametrize("extension", ["297022C02077878", "2970222A020778", "٢97022A02077878", ""])
def test_malformed_matricule(extension: str) -> None:
    assert [rule for rule, _ in _ins_findings("1.2.250.1.213.1.4.9", extension)] == ["CISIS-INS-007"]


@pytest.mark.parametrize("root_oid", ["1.2.250.1.213.1.4.2", "1.2.250.1.213.1.4.80", "1.2.3"])
def test_ids_that_are_not_ins_are_not_checked(root_oid: str) -> None:
    assert _ins_findings(root_oid, "garbage") == []
