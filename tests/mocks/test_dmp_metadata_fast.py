"""The ebRIM readers walk children with iterchildren: same result as the ElementPath expressions they replace,
on seeded trees with repeated, empty, misplaced and foreign-namespace elements."""

from __future__ import annotations

import random

import pytest
from lxml import etree

from segur_harness.mocks.dmp import metadata
from segur_harness.mocks.dmp.protocol import NS_RIM

R = {"rim": NS_RIM}
TAGS = [f"{{{NS_RIM}}}Slot", f"{{{NS_RIM}}}ValueList", f"{{{NS_RIM}}}Value", f"{{{NS_RIM}}}Name",
        f"{{{NS_RIM}}}LocalizedString", "{urn:other}Slot", "{urn:other}Value", f"{{{NS_RIM}}}Other"]


LIKELY = {"ExtrinsicObject": ["Slot", "Name"], "Slot": ["ValueList"], "ValueList": ["Value"],
          "Name": ["LocalizedString"]}


def _grow(rng: random.Random, parent: etree._Element, depth: int) -> None:
    likely = [f"{{{NS_RIM}}}{t}" for t in LIKELY.get(etree.QName(parent).localname, [])]
    for _ in range(rng.randint(0, 4)):
        child = etree.SubElement(parent, rng.choice(likely) if likely and rng.random() < 0.7 else rng.choice(TAGS))
        if rng.random() < 0.5:
            child.set("name", rng.choice(["a", "b", ""]))
        if rng.random() < 0.5:
            child.set("value", rng.choice([" x ", "y", ""]))
        if rng.random() < 0.6:
            child.text = rng.choice([" v ", "w", "", "\n z\n"])
        if rng.random() < 0.1:
            parent.append(etree.Comment("c"))
        if depth < 3:
            _grow(rng, child, depth + 1)


def _reference_slots(element: etree._Element) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for slot in element.findall("rim:Slot", R):
        out.setdefault(slot.get("name") or "", []).extend(
            (v.text or "").strip() for v in slot.findall("rim:ValueList/rim:Value", R))
    return out


def _reference_name(element: etree._Element) -> str:
    loc = element.find("rim:Name/rim:LocalizedString", R)
    return (loc.get("value") or "").strip() if loc is not None else ""


@pytest.mark.parametrize("seed", range(300))
def test_slots_and_name_as_elementpath_reads_them(seed: int) -> None:
    rng = random.Random(seed)
    root = etree.Element(f"{{{NS_RIM}}}ExtrinsicObject")
    _grow(rng, root, 0)
    assert metadata._slots(root) == _reference_slots(root)
    assert metadata._name(root) == _reference_name(root)
