"""Readable XPath locations and their way back to source lines.

Findings carry the location the way ANS's SVRL prints it (local names, a
position only when siblings share the name: /ClinicalDocument/recordTarget/...),
and `locate` turns such a path back into the lxml element so every finding,
whichever layer produced it, gets a line number.
"""

from __future__ import annotations

import re

from lxml import etree

CDA_NS = "urn:hl7-org:v3"
NS = {"cda": CDA_NS}
_STEP = re.compile(r"^(?:[\w.-]+:)?(?P<name>[\w.-]+|\*)(?:\[(?P<pos>\d+)\])?$")
_ATTR = re.compile(r"^@(?:[\w.-]+:)?(?P<name>[\w.-]+)$")


def local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def path_of(element: etree._Element) -> str:
    steps: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        name = local(node.tag)
        parent = node.getparent()
        if parent is not None:
            same = [sib for sib in parent if sib.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))


def locate(root: etree._Element, location: str | None) -> etree._Element | None:
    """Element designated by an SVRL-style location (namespaces ignored), or None."""
    if not location or not location.startswith("/"):
        return None
    steps = [s for s in re.split(r"/(?![^\[]*\])", location) if s]
    if not steps:
        return None
    first = re.sub(r"\[.*$", "", steps[0]).split(":")[-1]
    if first not in ("*", local(root.tag)):
        return None
    node = root
    for step in steps[1:]:
        if _ATTR.match(step):
            return node
        match = _STEP.match(step) or _notation1(step)
        if not match:
            return node
        name, pos = match.group("name"), int(match.group("pos") or 1)
        children = [c for c in node if isinstance(c.tag, str) and (name == "*" or local(c.tag) == name)]
        if len(children) < pos:
            return node
        node = children[pos - 1]
    return node


_NOTATION1 = re.compile(r"^\*:(?P<name>[\w.-]+)\[namespace-uri\(\)=['\"][^'\"]*['\"]\](?:\[(?P<pos>\d+)\])?$")


def _notation1(step: str) -> re.Match[str] | None:
    return _NOTATION1.match(step)


def line_of(root: etree._Element, location: str | None) -> int | None:
    element = locate(root, location)
    return element.sourceline if element is not None else None
