"""Hardened XML parsing shared by every component that reads untrusted XML.

One place decides what is refused (DTDs, entities, network access, oversized
documents, deep nesting, too many attributes or elements, huge text), so a
mock, the validator and the steps all reject the same inputs with the same
clear reason instead of a stack trace. libxml2 parses in linear time; the
shape bounds keep what comes after (XSD, schematron, Python checks) cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from lxml import etree

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
"""Bodies above this are refused before parsing (20 MiB; CDA with base64 PDFs stay below)."""


@dataclass(frozen=True)
class XmlLimits:
    """Shape bounds checked after parsing, in one linear walk of the tree."""

    max_depth: int | None = 200
    """Element nesting (libxml2 itself stops at 256 without huge_tree)."""
    max_attributes: int | None = 256
    """Attributes on one element (namespace declarations not counted)."""
    max_elements: int | None = 2_000_000
    """Nodes (elements, text, comments, processing instructions) in the document."""
    max_text: int | None = None
    """Characters in one text node or attribute value; None: the byte limit alone."""


DEFAULT_LIMITS = XmlLimits()


class XmlRejected(ValueError):
    """Input refused by the hardened parser; `reason` is a sentence for a human."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def _parser(huge_tree: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=False,
        huge_tree=huge_tree,
        collect_ids=False,
    )


def check_shape(root: etree._Element, limits: XmlLimits) -> None:
    """Raise XmlRejected when the tree exceeds `limits` (a bound set to None is not checked).

    Element count and depth are XPath tests run by libxml2 (the depth test
    walks each level once: linear); attributes and text are one pass over the
    elements, after the count bound has capped their number.
    """
    if limits.max_elements is not None and _count_test(limits.max_elements)(root):
        raise XmlRejected(f"too many elements: more than {limits.max_elements}")
    if limits.max_depth is not None and _depth_test(limits.max_depth)(root):
        raise XmlRejected(f"elements nested too deeply: more than {limits.max_depth} levels")
    max_attributes, max_text = limits.max_attributes, limits.max_text
    if max_attributes is None and max_text is None:
        return
    for el in root.iter():
        attrib = el.attrib
        if max_attributes is not None and len(attrib) > max_attributes:
            raise XmlRejected(f"too many attributes on one element: {len(attrib)}, limit {max_attributes}",
                              line=el.sourceline)
        if max_text is not None and (len(el.text or "") > max_text or len(el.tail or "") > max_text
                                     or any(len(value) > max_text for value in attrib.values())):
            raise XmlRejected(f"text or attribute value too long: more than {max_text} characters",
                              line=el.sourceline)


@lru_cache(maxsize=8)
def _depth_test(max_depth: int) -> etree.XPath:
    return etree.XPath("boolean(" + "/*" * (max_depth + 1) + ")")


@lru_cache(maxsize=8)
def _count_test(max_elements: int) -> etree.XPath:
    return etree.XPath(f"count(//node()) > {max_elements}")


def parse_xml(data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES, limits: XmlLimits = DEFAULT_LIMITS
              ) -> etree._Element:
    """Parse `data` and return the root element, or raise XmlRejected.

    Refuses any document type declaration outright: CDA, SOAP and ebRS never
    need one, and refusing it closes XXE and entity-expansion attacks.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise XmlRejected(f"document too large: {len(data)} bytes, limit {max_bytes}")
    if not data.strip():
        raise XmlRejected("empty body: an XML document was expected")
    try:
        tree = etree.fromstring(data, parser=_parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise XmlRejected(f"not well-formed XML: {exc.msg}", line=exc.lineno) from None
    if tree.docinfo.doctype:
        raise XmlRejected("document type declarations (DTD) are not allowed")
    root = tree.getroot()
    if root is None:
        raise XmlRejected("no root element")
    check_shape(root, limits)
    return root


def parse_xml_file(path: str, *, max_bytes: int = DEFAULT_MAX_BYTES, limits: XmlLimits = DEFAULT_LIMITS
                   ) -> etree._Element:
    """Parse a file with the same hardening; keeps line numbers for findings."""
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    return parse_xml(data, max_bytes=max_bytes, limits=limits)
