"""Small builders for ebRIM 3.0 objects (Slot, Name, Classification, ExternalIdentifier) used by ITI-41/57/18."""

from __future__ import annotations

import uuid

from lxml import etree

from .ns import RIM

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def new_uuid() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def rim(parent: etree._Element | None, tag: str, **attrs: str) -> etree._Element:
    """A rim: element (under `parent` when given), attributes with None values left out."""
    clean = {k: v for k, v in attrs.items() if v is not None}
    if parent is None:
        return etree.Element(f"{{{RIM}}}{tag}", clean, nsmap={"rim": RIM})
    return etree.SubElement(parent, f"{{{RIM}}}{tag}", clean)


def slot(parent: etree._Element, name: str, *values: str) -> etree._Element:
    node = rim(parent, "Slot", name=name)
    holder = rim(node, "ValueList")
    for value in values:
        rim(holder, "Value").text = value
    return node


def name(parent: etree._Element, text: str) -> etree._Element:
    node = rim(parent, "Name")
    rim(node, "LocalizedString", charset="UTF-8", value=text).set(XML_LANG, "fr-FR")
    return node


def classification(parent: etree._Element, scheme: str, code: str, system: str, display: str) -> etree._Element:
    """A coded classification of `parent` (scheme UUID, nodeRepresentation = code, codingScheme slot, Name)."""
    node = rim(parent, "Classification", id=new_uuid(), classificationScheme=scheme,
               classifiedObject=parent.get("id"), nodeRepresentation=code,
               objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification")
    slot(node, "codingScheme", system)
    name(node, display or code)
    return node


def external_id(parent: etree._Element, scheme: str, value: str, label: str) -> etree._Element:
    node = rim(parent, "ExternalIdentifier", id=new_uuid(), identificationScheme=scheme,
               registryObject=parent.get("id"), value=value,
               objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier")
    name(node, label)
    return node


def slot_values(element: etree._Element, slot_name: str) -> list[str]:
    """The values of `element`'s slot `slot_name` (empty when absent)."""
    for node in element.iterfind(f"{{{RIM}}}Slot"):
        if node.get("name") == slot_name:
            return [(v.text or "").strip() for v in node.iterfind(f"{{{RIM}}}ValueList/{{{RIM}}}Value")]
    return []
