"""Pack-defect pass on the expanded schematron, between abstract expansion and SVRL generation.

Absent value-set files make Saxon abort the whole transformation at the first
document() call, which would hide every other rule. Instead, each assert/report
whose test needs an absent file is replaced by a report that always fires with
role "pack-defect": it only appears when its rule context matches the
document, so the verdict lists exactly the checks that could not be made on
that document (a visible gap, never a silent pass, never a false error).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from segur_harness.validation.sch_sources import SCH_NS, SchematronSources

PACK_DEFECT_ROLE = "pack-defect"
_VAR = re.compile(r"\$([A-Za-z_][\w.\-]*)")
_DOC_CALL = re.compile(r"\b(?:document|doc|doc-available|unparsed-text)\s*\(")
_ATTRS = ("value", "test", "select", "context")


def _q(name: str) -> str:
    return f"{{{SCH_NS}}}{name}"


@dataclass
class DefectPatch:
    neutralized: int = 0
    literals_fixed: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    rebuilt: list[str] = field(default_factory=list)
    """Absent value-set files rebuilt from the pack's own value sets (sch_valuesets.py)."""


def _text_of(node: etree._Element) -> str:
    """The rule's message as written, with computed parts (value-of) shown as an ellipsis."""
    parts = [node.text or ""]
    for child in node:
        parts.append("…" if child.tag == _q("value-of") else "".join(child.itertext()))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def patch_expanded(tree: etree._ElementTree, sources: SchematronSources) -> DefectPatch:
    """Fix letter case of value-set paths and neutralize rules needing absent files, in place."""
    patch = DefectPatch()
    fixed = {lit: ref for lit, ref in sources.data.items() if ref.case_fixed and ref.target}
    absent = {ref.literal for ref in sources.absent_data}
    patch.absent = sorted(absent)
    root = tree.getroot()
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        for name in _ATTRS:
            raw = node.get(name)
            if not raw:
                continue
            for literal, ref in fixed.items():
                if literal in raw:
                    good = ref.href(sources.base_dir)
                    raw = raw.replace(f"'{literal}'", f"'{good}'").replace(f'"{literal}"', f'"{good}"')
                    patch.literals_fixed.append(literal)
            node.set(name, raw)
    if not absent:
        return patch

    def mentions_absent(expr: str) -> list[str]:
        return [lit for lit in absent if lit in expr]

    lets = list(root.iter(_q("let")))
    tainted: dict[str, list[str]] = {}
    changed = True
    while changed:
        changed = False
        for let in lets:
            name, value = let.get("name"), let.get("value") or ""
            if not name or name in tainted:
                continue
            why = mentions_absent(value) + [f for v in _VAR.findall(value) for f in tainted.get(v, [])]
            if why:
                tainted[name] = sorted(set(why))
                changed = True
    for let in lets:
        value = let.get("value") or ""
        if let.get("name") in tainted and _DOC_CALL.search(value):
            let.set("value", "()")
    for tag in ("assert", "report"):
        for node in list(root.iter(_q(tag))):
            test = node.get("test") or ""
            why = mentions_absent(test) + [f for v in _VAR.findall(test) for f in tainted.get(v, [])]
            if not why:
                continue
            files = ", ".join(sorted(set(why)))
            stand_in = etree.Element(_q("report"), test="true()", role=PACK_DEFECT_ROLE)
            if node.get("id"):
                stand_in.set("id", node.get("id"))
            stand_in.text = f"rule not evaluated, value-set file absent from the pack ({files}): {_text_of(node)}"
            stand_in.tail = node.tail
            node.getparent().replace(node, stand_in)
            patch.neutralized += 1
    return patch
