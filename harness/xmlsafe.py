"""Hardened XML parsing shared by every component that reads untrusted XML.

One place decides what is refused (DTDs, entities, network access, oversized
documents, deep nesting), so a mock, the validator and the steps all reject the
same inputs with the same clear reason instead of a stack trace.
"""

from __future__ import annotations

from lxml import etree

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
"""Bodies above this are refused before parsing (20 MiB; CDA with base64 PDFs stay below)."""


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


def parse_xml(data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
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
    return root


def parse_xml_file(path: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse a file with the same hardening; keeps line numbers for findings."""
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    return parse_xml(data, max_bytes=max_bytes)
