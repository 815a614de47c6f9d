"""Helpers shared by the validation tests (imported by name: tests/validation is on sys.path)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree

from segur_harness import config

CDA = "urn:hl7-org:v3"
NS = {"cda": CDA}

MINIMAL_CDA = """<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <realmCode code="FR"/>
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <templateId root="2.16.840.1.113883.2.8.2.1"/>
  <templateId root="1.2.250.1.213.1.1.1.1"/>
  <templateId root="1.2.250.1.213.1.1.1.29" extension="2022.01"/>
  <id root="1.2.3.4.5" extension="DOC-1"/>
  <code code="11490-0" codeSystem="2.16.840.1.113883.6.1" displayName="Lettre de liaison"/>
  <title>Lettre de liaison</title>
  <effectiveTime value="20240102103000+0100"/>
  <confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/>
  <languageCode code="fr-FR"/>
  <setId root="1.2.3.4.6"/>
  <versionNumber value="1"/>
  <recordTarget><patientRole>
    <id root="1.2.250.1.213.1.4.10" extension="279035121518989"/>
    <patient>
      <name><family qualifier="BR">PAT-TROIS</family><given>DOMINIQUE MARIE</given>
        <given qualifier="BR">DOMINIQUE</given></name>
      <administrativeGenderCode code="F" codeSystem="2.16.840.1.113883.5.1"/>
      <birthTime value="19790328"/>
      <birthplace><place><addr><county>51215</county></addr></place></birthplace>
    </patient>
  </patientRole></recordTarget>
  <custodian/>
  <legalAuthenticator/>
  <componentOf/>
  <component><structuredBody/></component>
</ClinicalDocument>
"""
"""Header-complete CDA for tests of the harness rules and XDM (not XSD-valid: bodies are stubs)."""


def pack_or_skip() -> Path:
    pack = config.cisis_pack_dir()
    if pack is None:
        message = "CI-SIS pack absent: set SEGUR_CISIS_PACK or run `segur-harness pack install`"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (required when CI=true)")
        pytest.skip(message)
    return pack


def examples(pack: Path | None = None) -> list[Path]:
    pack = pack or config.cisis_pack_dir()
    return sorted((pack / "ExemplesCDA").glob("*.xml")) if pack else []


def load(path: Path) -> etree._ElementTree:
    return etree.parse(str(path))


def to_bytes(tree: etree._ElementTree | etree._Element) -> bytes:
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def error_ids(report) -> set[str]:  # noqa: ANN001 - Report, kept loose for brevity
    return {f.rule_id for f in report.findings if f.severity.value == "error"}
