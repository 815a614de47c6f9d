"""N1 document (CI-SIS "structuration minimale", IHE XDS-SD): the report as an embedded PDF.

DOC.01: the body is a nonXMLBody whose text is the base64 PDF with
mediaType application/pdf and representation B64. The document type code
comes from the content (default: a generic medical report code).
"""

from __future__ import annotations

import base64

from lxml import etree

from .context import DocContext
from .kinds import KindSpec
from .pdf import text_pdf
from .xml import el

XDS_SD_TEMPLATE = "1.3.6.1.4.1.19376.1.2.20"


def body(ctx: DocContext) -> etree._Element:
    title = str(ctx.content.get("title") or SPEC.title)
    lines = [str(line) for line in ctx.content.get("lines", [])] or ["Compte rendu sans contenu."]
    pdf = text_pdf(title, lines)
    if ctx.has("n1-pdf-not-base64"):
        payload = pdf.decode("latin-1")
        representation = "TXT"
    else:
        payload = base64.b64encode(pdf).decode("ascii")
        representation = "B64"
    non_xml = el(None, "nonXMLBody")
    el(non_xml, "text", payload, mediaType="application/pdf", representation=representation)
    return non_xml


SPEC = KindSpec(
    kind="N1-PDF",
    code="11488-4",
    display="Note de consultation",
    title="Compte rendu de consultation",
    templates=((XDS_SD_TEMPLATE, None),),
    body=body,
)
