"""xmlsafe's shape bounds decided in libxml2 (XPath) agree with a plain walk of the tree, reason and line included.

The reference below is the Python walk check_shape used to be: every seeded
document must get the same verdict from both, with and without the byte-size
shortcut parse_xml passes (a document too small to exceed a bound skips it).
"""

from __future__ import annotations

import random

import pytest
from lxml import etree

from segur_harness.xmlsafe import XmlLimits, XmlRejected, check_shape, parse_xml

LIMITS = [
    XmlLimits(max_depth=4, max_attributes=3, max_elements=40, max_text=12),
    XmlLimits(max_depth=None, max_attributes=None, max_elements=None, max_text=12),
    XmlLimits(max_depth=6, max_attributes=2, max_elements=None, max_text=None),
    XmlLimits(max_depth=None, max_attributes=None, max_elements=25, max_text=None),
]


def reference(root: etree._Element, limits: XmlLimits) -> tuple[str, int | None] | None:
    """(reason, line) of the first bound exceeded, walking the tree in Python; None when within bounds."""
    tree = root.getroottree()
    if limits.max_elements is not None and len(tree.xpath("//node()")) > limits.max_elements:
        return f"too many elements: more than {limits.max_elements}", None
    if limits.max_depth is not None:
        deepest = max(len(list(el.iterancestors())) + 1 for el in root.iter("*"))
        if deepest > limits.max_depth:
            return f"elements nested too deeply: more than {limits.max_depth} levels", None
    for el in root.iter():
        attrib = el.attrib
        if limits.max_attributes is not None and len(attrib) > limits.max_attributes:
            return f"too many attributes on one element: {len(attrib)}, limit {limits.max_attributes}", el.sourceline
        texts = [el.text or "", el.tail or "", *attrib.values()]
        if limits.max_text is not None and any(len(text) > limits.max_text for text in texts):
            return f"text or attribute value too long: more than {limits.max_text} characters", el.sourceline
    return None


def _text(rng: random.Random) -> str:
    text = "".join(rng.choice("ab é&<\n") for _ in range(rng.choice([0, 1, 5, 12, 13, 30])))
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _element(rng: random.Random, depth: int) -> str:
    attrs = "".join(f' a{i}="{_text(rng)}"' for i in range(rng.choice([0, 0, 1, 2, 3, 4])))
    parts = []
    for _ in range(rng.choice([0, 1, 2, 3]) if depth < 7 else 0):
        kind = rng.random()
        if kind < 0.55:
            parts.append(_element(rng, depth + 1))
        elif kind < 0.7:
            parts.append(f"<![CDATA[{_text(rng)}]]>")
        elif kind < 0.8:
            parts.append(f"<!--{_text(rng).replace('-', '')}-->")
        elif kind < 0.85:
            parts.append(f"<?pi {_text(rng)}?>")
        parts.append(_text(rng))
    return f"<e{depth}{attrs}>{_text(rng)}{''.join(parts)}</e{depth}>"


def _documents(count: int) -> list[bytes]:
    rng = random.Random(11)
    return [("<?xml version='1.0'?>\n" + _element(rng, 1).replace("><", ">\n<")).encode() for _ in range(count)]


@pytest.mark.parametrize("limits", LIMITS, ids=lambda limits: f"{limits}")
def test_check_shape_agrees_with_a_walk_of_the_tree(limits: XmlLimits) -> None:
    verdicts = set()
    for data in _documents(400):
        root = parse_xml(data, limits=XmlLimits(None, None, None, None))
        expected = reference(root, limits)
        for size in (None, len(data)):
            try:
                check_shape(root, limits, source_size=size)
                got = None
            except XmlRejected as exc:
                got = (exc.reason, exc.line)
            assert got == expected, (data, size)
        verdicts.add(expected[0].split(":")[0] if expected else "accepted")
    assert "accepted" in verdicts and len(verdicts) > 1  # the seeded documents reach both sides


def test_text_split_by_cdata_is_one_text() -> None:
    """CDATA is merged into the text around it (as lxml's .text reads it): the bound is on the whole."""
    with pytest.raises(XmlRejected, match="too long"):
        parse_xml(b"<a>12345<![CDATA[678]]>90</a>", limits=XmlLimits(max_text=8))
    parse_xml(b"<a>1234<![CDATA[5678]]></a>", limits=XmlLimits(max_text=8))


def test_many_attributes_spread_over_elements_are_accepted() -> None:
    parse_xml(b'<a x="1" y="2"><b x="1" y="2"/><b x="1" y="2"/></a>', limits=XmlLimits(max_attributes=2))
    with pytest.raises(XmlRejected) as caught:
        parse_xml(b'<a x="1" y="2">\n<b x="1" y="2"/>\n<b x="1" y="2" z="3"/></a>', limits=XmlLimits(max_attributes=2))
    assert (caught.value.reason, caught.value.line) == ("too many attributes on one element: 3, limit 2", 3)
