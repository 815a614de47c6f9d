"""CI-SIS header, INS and N1 rules written in the harness (layer "cisis-header").

They need no pack, so a harness without the ANS material still catches the
header defects that make DMP/MSSanté reject a document. Rule wording and
severities live in header_rules.toml; this module only decides when they fire.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from segur_harness.ins.matricule import compute_key, is_matricule
from segur_harness.ins.oids import is_ins_oid
from segur_harness.validation.model import Finding, Layer, Severity
from segur_harness.validation.xmlpath import NS, local, path_of

RULES_FILE = Path(__file__).with_name("header_rules.toml")


@cache
def rules_data() -> dict[str, Any]:
    with open(RULES_FILE, "rb") as handle:
        return tomllib.load(handle)


def rules_version() -> str:
    return str(rules_data()["version"])


@dataclass(frozen=True)
class DocumentKind:
    """What the header says the document is: N1 or N3, and its volet template if any."""

    n1: bool
    volet_root: str | None
    volet_extension: str | None
    template_ids: tuple[tuple[str, str | None], ...]


def _finding(rule: str, node: etree._Element | None, **values: object) -> Finding:
    spec = rules_data()["rules"][rule]
    return Finding(
        severity=Severity(spec["severity"]),
        layer=Layer.HEADER,
        rule_id=rule,
        message=spec["message"].format(**values),
        xpath=path_of(node) if node is not None else None,
        line=node.sourceline if node is not None else None,
    )


def _describe(element: etree._Element | None, *attrs: str) -> str:
    if element is None:
        return "absent"
    shown = [f'@{a}="{element.get(a)}"' for a in attrs if element.get(a) is not None]
    return " ".join(shown) or "no attributes"


def _children(root: etree._Element, name: str) -> list[etree._Element]:
    return root.findall(f"cda:{name}", NS)


def classify(root: etree._Element) -> DocumentKind:
    c = rules_data()["constants"]
    templates = tuple((t.get("root") or "", t.get("extension")) for t in _children(root, "templateId"))
    n1 = any(r == c["n1_template"] for r, _ in templates) or root.find("cda:component/cda:nonXMLBody", NS) is not None
    volets = [(r, e) for r, e in templates if r.startswith(c["volet_prefix"]) and r != c["cisis_template"]]
    volets.sort(key=lambda item: (item[1] is None, -len(item[0].split("."))))
    root_oid, extension = volets[0] if volets else (None, None)
    return DocumentKind(n1=n1, volet_root=root_oid, volet_extension=extension, template_ids=templates)


def _header(root: etree._Element, kind: DocumentKind) -> Iterator[Finding]:
    c = rules_data()["constants"]
    realm = _children(root, "realmCode")
    if not any(r.get("code") == c["realm_code"] for r in realm):
        yield _finding(
            "CISIS-HDR-002", realm[0] if realm else root, found=_describe(realm[0] if realm else None, "code")
        )
    type_id = root.find("cda:typeId", NS)
    if type_id is None or (type_id.get("root"), type_id.get("extension")) != (
        c["type_id_root"],
        c["type_id_extension"],
    ):
        yield _finding(
            "CISIS-HDR-003", type_id if type_id is not None else root, found=_describe(type_id, "root", "extension")
        )
    roots = {r for r, _ in kind.template_ids}
    if c["fr_template"] not in roots:
        yield _finding("CISIS-HDR-004", root)
    if c["cisis_template"] not in roots:
        yield _finding("CISIS-HDR-005", root)
    if not kind.n1 and kind.volet_root is None:
        yield _finding("CISIS-HDR-006", root)
    if kind.volet_root and not kind.volet_extension:
        node = next(t for t in _children(root, "templateId") if t.get("root") == kind.volet_root)
        yield _finding("CISIS-HDR-007", node, root=kind.volet_root)
    language = root.find("cda:languageCode", NS)
    if language is None or language.get("code") != c["language_code"]:
        yield _finding("CISIS-HDR-008", language if language is not None else root, found=_describe(language, "code"))
    spec = rules_data()["exactly_one"]
    for name in spec["elements"]:
        found = _children(root, name)
        if len(found) != 1:
            yield _finding("CISIS-HDR-009", found[1] if len(found) > 1 else root, element=name, count=len(found))
            continue
        node = found[0]
        attr = spec["value_attribute"].get(name)
        if node.get("nullFlavor") is not None:
            yield _finding("CISIS-HDR-010", node, element=name, detail=f'nullFlavor="{node.get("nullFlavor")}"')
        elif attr and not (node.get(attr) or "").strip():
            yield _finding("CISIS-HDR-010", node, element=name, detail=f"@{attr} missing or empty")
        elif name == "title" and not "".join(node.itertext()).strip():
            yield _finding("CISIS-HDR-010", node, element=name, detail="no text")


def _ins(root: etree._Element) -> Iterator[Finding]:
    role = root.find("cda:recordTarget/cda:patientRole", NS)
    if role is None:
        return
    ins_ids = [i for i in role.findall("cda:id", NS) if is_ins_oid(i.get("root"))]
    if not ins_ids:
        return
    ins = ins_ids[0]
    oid = ins.get("root")
    patient = role.find("cda:patient", NS)
    anchor = patient if patient is not None else role
    names = patient.findall("cda:name", NS) if patient is not None else []
    families = [f for n in names for f in n.findall("cda:family", NS)]
    givens = [g for n in names for g in n.findall("cda:given", NS)]
    if not any(f.get("qualifier") == "BR" and (f.text or "").strip() for f in families):
        yield _finding("CISIS-INS-001", names[0] if names else anchor, root=oid)
    if not any(g.get("qualifier") == "BR" and (g.text or "").strip() for g in givens):
        yield _finding("CISIS-INS-002", names[0] if names else anchor, root=oid)
    if not any(g.get("qualifier") is None and (g.text or "").strip() for g in givens):
        yield _finding("CISIS-INS-003", names[0] if names else anchor, root=oid)
    birth = patient.find("cda:birthTime", NS) if patient is not None else None
    if birth is None or not (birth.get("value") or "").strip():
        yield _finding("CISIS-INS-004", birth if birth is not None else anchor, root=oid)
    county = patient.find("cda:birthplace/cda:place/cda:addr/cda:county", NS) if patient is not None else None
    if county is None or not (county.text or "").strip():
        yield _finding("CISIS-INS-005", anchor, root=oid)
    gender = patient.find("cda:administrativeGenderCode", NS) if patient is not None else None
    if gender is None or not gender.get("code"):
        yield _finding("CISIS-INS-006", gender if gender is not None else anchor, root=oid)
    matricule = (ins.get("extension") or "").strip().upper()
    if not is_matricule(matricule):
        yield _finding("CISIS-INS-007", ins, root=oid, extension=ins.get("extension") or "")
    else:
        key, expected = matricule[13:], compute_key(matricule[:13])
        if key != expected:
            yield _finding("CISIS-INS-008", ins, root=oid, extension=matricule, key=key, expected=expected)


def _n1(root: etree._Element, kind: DocumentKind) -> Iterator[Finding]:
    c = rules_data()["constants"]
    body = root.find("cda:component/cda:nonXMLBody", NS)
    declared = any(r == c["n1_template"] for r, _ in kind.template_ids)
    if declared and body is None:
        other = root.find("cda:component/*", NS)
        yield _finding(
            "CISIS-N1-001",
            other if other is not None else root,
            found=local(other.tag) if other is not None else "no body",
        )
    if body is not None and not declared:
        yield _finding("CISIS-N1-002", body)
    if body is not None:
        text = body.find("cda:text", NS)
        media = text.get("mediaType") if text is not None else None
        representation = text.get("representation") if text is not None else None
        content = "".join(text.itertext()).strip() if text is not None else ""
        if not media or representation != "B64" or not content:
            yield _finding(
                "CISIS-N1-003", text if text is not None else body, media=media, representation=representation
            )


def check(root: etree._Element) -> tuple[DocumentKind | None, list[Finding]]:
    """All harness header findings for the ClinicalDocument `root`."""
    if local(root.tag) != "ClinicalDocument" or etree.QName(root).namespace != rules_data()["constants"]["cda_ns"]:
        return None, [_finding("CISIS-HDR-001", root, found=root.tag)]
    kind = classify(root)
    findings = [*_header(root, kind), *_ins(root), *_n1(root, kind)]
    return kind, findings
