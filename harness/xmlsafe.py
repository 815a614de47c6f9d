"""Hardened XML parsing shared by every component that reads untrusted XML.

One place decides what is refused (DTDs, entities, network access, oversized
documents, deep nesting, too many attributes or elements, huge text), so a
mock, the validator and the steps all reject the same inputs with the same
clear reason instead of a stack trace. libxml2 parses in linear time; the
shape bounds keep what comes after (XSD, schematron, Python checks) cheap.
"""

from __future__ import annotations

import threading
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


_PARSERS = threading.local()


def _parser(huge_tree: bool = False) -> etree.XMLParser:
    """This thread's hardened parser (reused: a new one per document costs a fifth of an INSi request's parse)."""
    name = "huge" if huge_tree else "plain"
    parser = getattr(_PARSERS, name, None)
    if parser is None:
        parser = _new_parser(huge_tree)
        setattr(_PARSERS, name, parser)
    return parser


def _new_parser(huge_tree: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=False,
        huge_tree=huge_tree,
        collect_ids=False,
    )


def check_shape(root: etree._Element, limits: XmlLimits, *, source_size: int | None = None) -> None:
    """Raise XmlRejected when the tree exceeds `limits` (a bound set to None is not checked).

    Every bound is decided by XPath run in libxml2 (linear: the depth test
    walks each level once); only a tree that fails a bound is walked in Python
    to name the element and its line. `source_size`, the byte length of the
    document parse_xml made `root` from (no DTD, so no entity expands), skips
    the bounds that many bytes cannot reach: every node takes at least one
    byte, every character of a text or attribute value too.
    """
    test = _accept_test(*_bounds(limits, source_size))
    if test is not None and test(root):
        _reject(root, limits, source_size)


def _bounds(limits: XmlLimits, source_size: int | None) -> tuple[int | None, int | None, int | None, int | None]:
    """(elements, depth, attributes, text) bounds left to test for a document of `source_size` bytes."""
    elements, text = limits.max_elements, limits.max_text
    if source_size is not None:
        elements = None if elements is not None and source_size <= elements else elements
        text = None if text is not None and source_size <= text else text
    return elements, limits.max_depth, limits.max_attributes, text


_TEXT_TEST = ("boolean(descendant::node()[not(self::*)][string-length(.) > {0}])"
              " or boolean(descendant-or-self::*/@*[string-length(.) > {0}])")
"""Text, comment and processing-instruction nodes under the root, and attribute values, longer than the bound."""


@lru_cache(maxsize=32)
def _accept_test(elements: int | None, depth: int | None, attributes: int | None, text: int | None
                 ) -> etree.XPath | None:
    """One XPath that is true when any bound may be exceeded (false for almost every real document)."""
    parts = []
    if elements is not None:
        parts.append(f"count(//node()) > {elements}")
    if depth is not None:
        parts.append("boolean(" + "/*" * (depth + 1) + ")")
    if attributes is not None:
        parts.append(f"count(//@*) > {attributes}")  # the per-element count is only needed above this
    if text is not None:
        parts.append(_TEXT_TEST.format(text))
    return etree.XPath(" or ".join(parts)) if parts else None


def _reject(root: etree._Element, limits: XmlLimits, source_size: int | None) -> None:
    """Name the bound `root` exceeds (raise XmlRejected), or return when none is (attributes spread out)."""
    elements, depth, max_attributes, max_text = _bounds(limits, source_size)
    if elements is not None and _count_test(elements)(root):
        raise XmlRejected(f"too many elements: more than {elements}")
    if depth is not None and _depth_test(depth)(root):
        raise XmlRejected(f"elements nested too deeply: more than {depth} levels")
    if max_attributes is not None and not _attribute_test(max_attributes)(root):
        max_attributes = None  # many attributes in all, but no element above the bound
    if max_attributes is None and max_text is None:
        return
    for el in root.iter():  # the tree is bounded by now: name the first offending element
        attrib = el.attrib
        if max_attributes is not None and len(attrib) > max_attributes:
            raise XmlRejected(f"too many attributes on one element: {len(attrib)}, limit {max_attributes}",
                              line=el.sourceline)
        if max_text is not None and (len(el.text or "") > max_text or len(el.tail or "") > max_text
                                     or any(len(value) > max_text for value in attrib.values())):
            raise XmlRejected(f"text or attribute value too long: more than {max_text} characters",
                              line=el.sourceline)
    if max_text is not None and _text_test(max_text)(root):  # a node the walk does not see (none known)
        raise XmlRejected(f"text or attribute value too long: more than {max_text} characters")


@lru_cache(maxsize=8)
def _depth_test(max_depth: int) -> etree.XPath:
    return etree.XPath("boolean(" + "/*" * (max_depth + 1) + ")")


@lru_cache(maxsize=8)
def _count_test(max_elements: int) -> etree.XPath:
    return etree.XPath(f"count(//node()) > {max_elements}")


@lru_cache(maxsize=8)
def _attribute_test(max_attributes: int) -> etree.XPath:
    return etree.XPath(f"boolean(descendant-or-self::*[count(@*) > {max_attributes}])")


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
    check_shape(root, limits, source_size=len(data))
    return root


def parse_xml_file(path: str, *, max_bytes: int = DEFAULT_MAX_BYTES, limits: XmlLimits = DEFAULT_LIMITS
                   ) -> etree._Element:
    """Parse a file with the same hardening; keeps line numbers for findings."""
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    return parse_xml(data, max_bytes=max_bytes, limits=limits)


@lru_cache(maxsize=8)
def _text_test(max_text: int) -> etree.XPath:
    return etree.XPath(_TEXT_TEST.format(max_text))
