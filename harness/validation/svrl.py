"""SVRL (schematron output) to findings.

failed-assert and successful-report become findings; role (else flag) gives
the severity through schematron.toml; the location is kept as ANS prints it and
mapped back to a source line. Pack-defect stand-ins (see sch_defects) become
one warning per distinct rule plus an "incomplete" note on the layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from segur_harness.validation.model import Finding, Layer, Severity
from segur_harness.validation.sch_defects import PACK_DEFECT_ROLE
from segur_harness.validation.volets import schematron_data
from segur_harness.validation.xmlpath import line_of

SVRL_NS = "http://purl.oclc.org/dsdl/svrl"
_ASSERT = f"{{{SVRL_NS}}}failed-assert"
_REPORT = f"{{{SVRL_NS}}}successful-report"
_PATTERN = f"{{{SVRL_NS}}}active-pattern"
_TEXT = f"{{{SVRL_NS}}}text"


@dataclass
class SvrlOutcome:
    findings: list[Finding] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)


def _severity(kind: str, role: str | None, flag: str | None) -> Severity:
    data = schematron_data()
    for value in (role, flag):
        if value and value.lower() in data["severity_by_role"]:
            return Severity(data["severity_by_role"][value.lower()])
    return Severity(data["severity_default"][kind])


def parse_svrl(svrl: str, document_root: etree._Element, schematron_name: str) -> SvrlOutcome:
    """Findings of one SVRL report; `document_root` is the validated ClinicalDocument (for lines)."""
    outcome = SvrlOutcome()
    tree = etree.fromstring(svrl.encode("utf-8"), parser=etree.XMLParser(resolve_entities=False, huge_tree=True))
    pattern = schematron_name
    seen_defects: set[str] = set()
    for node in tree:
        if node.tag == _PATTERN:
            pattern = node.get("id") or node.get("name") or schematron_name
            continue
        if node.tag not in (_ASSERT, _REPORT):
            continue
        text_node = node.find(_TEXT)
        message = " ".join("".join(text_node.itertext()).split()) if text_node is not None else ""
        location = node.get("location")
        rule_id = f"{schematron_name}:{node.get('id') or pattern}"
        if node.get("role") == PACK_DEFECT_ROLE:
            if message in seen_defects:
                continue
            seen_defects.add(message)
            outcome.incomplete.append(message)
            outcome.findings.append(
                Finding(
                    Severity.WARNING,
                    Layer.SCHEMATRON,
                    f"PACK-DEFECT:{rule_id}",
                    message,
                    location,
                    line_of(document_root, location),
                )
            )
            continue
        kind = "failed-assert" if node.tag == _ASSERT else "successful-report"
        outcome.findings.append(
            Finding(
                severity=_severity(kind, node.get("role"), node.get("flag")),
                layer=Layer.SCHEMATRON,
                rule_id=rule_id,
                message=message or (node.get("test") or ""),
                xpath=location,
                line=line_of(document_root, location),
            )
        )
    return outcome
