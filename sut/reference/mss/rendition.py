"""The PDF rendition joined to each document of a message (a reader without a CDA viewer still reads it).

An N1 document already is a PDF (nonXMLBody, base64): that PDF is sent as is.
A structured document is rendered as a one-page text PDF of its title and
section narratives with the SUT's own PDF writer (cda/pdf.py).
"""

from __future__ import annotations

import base64
import binascii
import re
import textwrap

from lxml import etree

from segur_harness.xmlsafe import parse_xml

from ..cda.pdf import text_pdf

HL7 = "{urn:hl7-org:v3}"
MAX_LINES = 45
WIDTH = 95
_SPACES = re.compile(r"\s+")


def embedded_pdf(root: etree._Element) -> bytes | None:
    """The N1 PDF (nonXMLBody/text, application/pdf, B64), None when the CDA has none."""
    text = root.find(f"{HL7}component/{HL7}nonXMLBody/{HL7}text")
    if text is None or text.get("mediaType") != "application/pdf" or text.get("representation") != "B64":
        return None
    try:
        pdf = base64.b64decode("".join(text.itertext()).strip(), validate=False)
    except (binascii.Error, ValueError):
        return None
    return pdf if pdf.startswith(b"%PDF-") else None


def narrative_lines(root: etree._Element) -> list[str]:
    """Section titles and narrative text, wrapped to one page."""
    lines: list[str] = []
    for section in root.iter(f"{HL7}section"):
        title = _SPACES.sub(" ", section.findtext(f"{HL7}title") or "").strip()
        text = section.find(f"{HL7}text")
        body = _SPACES.sub(" ", " ".join(text.itertext()) if text is not None else "").strip()
        if title:
            lines.append(title.upper())
        lines += textwrap.wrap(body, WIDTH) if body else []
        lines.append("")
    return lines[:MAX_LINES] or ["Document sans contenu lisible."]


def pdf_of(cda: bytes, title: str) -> bytes:
    """The PDF to join for `cda` (ValueError when the CDA is not readable XML)."""
    root = parse_xml(cda)
    return embedded_pdf(root) or text_pdf(title, narrative_lines(root))
