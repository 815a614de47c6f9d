"""Small lxml helpers to write HL7 v3 (urn:hl7-org:v3) elements in document order."""

from __future__ import annotations

from lxml import etree

HL7 = "urn:hl7-org:v3"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {None: HL7, "xsi": XSI}
LOINC = "2.16.840.1.113883.6.1"


def q(tag: str) -> str:
    """Qualified HL7 tag name."""
    return f"{{{HL7}}}{tag}"


def el(parent: etree._Element | None, tag: str, text: str | None = None, **attrs: str | None) -> etree._Element:
    """Append (or create, with parent None) an HL7 element; attributes whose value is None are left out.

    Attribute names use `_` for `:` (xsi_type -> xsi:type) and a trailing `_` for Python keywords (class_).
    """
    element = etree.Element(q(tag), nsmap=NSMAP) if parent is None else etree.SubElement(parent, q(tag))
    for name, value in attrs.items():
        if value is None:
            continue
        name = name.rstrip("_")
        if name == "xsi_type":
            element.set(f"{{{XSI}}}type", value)
        else:
            element.set(name, value)
    if text is not None:
        element.text = text
    return element


def code(parent: etree._Element, tag: str, value: str, system: str, display: str | None = None,
         system_name: str | None = None) -> etree._Element:
    """A coded element (code, codeSystem, displayName, codeSystemName)."""
    return el(parent, tag, code=value, codeSystem=system, displayName=display, codeSystemName=system_name)


def template(parent: etree._Element, root: str, extension: str | None = None) -> etree._Element:
    return el(parent, "templateId", root=root, extension=extension)


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
