"""Full XSD validation against the official INSi schemas, loaded once per process.

The schema set is the one the WSDL's <types> imports, so a new WSDL package
brings its own XSDs. The WSDL imports WS-Addressing by URL; that URL is
served from a local copy (config) and nothing is ever fetched from the network.

Two validators over the same files: libxml2 (lxml, C, linear in the input)
decides whether an element is valid, so valid traffic never pays for Python
validation; xmlschema only explains the errors of an invalid element, with
its precise messages, and only when every element of it has an ordinary
number of attributes (xmlschema formats the whole attribute map for each
undeclared attribute: quadratic). Otherwise libxml2's own messages are used.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import xmlschema
from lxml import etree

from segur_harness.config import insi_wsdl_dir, reference_dir
from segur_harness.mocks.framework.soap import SOAP12_NS
from segur_harness.xmlsafe import parse_xml_file

log = logging.getLogger(__name__)

XSD_NS = "http://www.w3.org/2001/XMLSchema"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WS_ADDR_URLS = (
    "http://www.w3.org/2006/03/addressing/ws-addr.xsd",
    "https://www.w3.org/2006/03/addressing/ws-addr.xsd",
    "http://www.w3.org/2005/08/addressing/ws-addr.xsd",
)
WRAPPER_NS = "urn:segur-harness:insi-validation"


@dataclass
class SchemaSet:
    """The compiled schemas, plus what could not be loaded (said once, in findings)."""

    schema: xmlschema.XMLSchema | None
    wsdl: Path | None
    notes: list[str] = field(default_factory=list)
    wrapper: str | None = None
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def fast(self) -> etree.XMLSchema | None:
        """This thread's libxml2 compilation of the same schemas (its error log is per object, so per thread).

        None when libxml2 cannot compile them: xmlschema then validates alone.
        """
        if self.wrapper is None or self.wsdl is None:
            return None
        if not hasattr(self._local, "schema"):
            self._local.schema = _fast_schema(self.wrapper, self.wsdl)
        return self._local.schema

    def envelope(self) -> etree.XMLSchema | None:
        """This thread's libxml2 schema of a whole SOAP 1.2 envelope whose every header and body child is
        strictly valid against the same schemas (ENVELOPE_SCHEMA); None when it cannot be compiled."""
        if self.wrapper is None or self.wsdl is None:
            return None
        if not hasattr(self._local, "envelope"):
            self._local.envelope = _fast_schema(envelope_schema(self.wrapper), self.wsdl)
        return self._local.envelope


def find_wsdl(wsdl_dir: Path) -> Path | None:
    """The WSDL file of the package (the only *.wsdl at its top level)."""
    candidates = sorted(wsdl_dir.glob("*.wsdl"))
    return candidates[0] if candidates else None


def ws_addr_xsd(cfg: dict[str, Any]) -> Path | None:
    """Local copy of the WS-Addressing schema: [mocks.insi] ws_addressing_xsd, else reference_dir()/w3c/ws-addr.xsd."""
    explicit = cfg.get("mocks", {}).get("insi", {}).get("ws_addressing_xsd")
    if explicit:
        path = Path(explicit).expanduser()
        return path if path.is_file() else None
    ref = reference_dir(cfg)
    candidate = ref / "w3c" / "ws-addr.xsd" if ref else None
    return candidate if candidate and candidate.is_file() else None


def _imports(wsdl: Path) -> list[tuple[str, str]]:
    root = parse_xml_file(str(wsdl))
    return [
        (imp.get("namespace", ""), imp.get("schemaLocation", ""))
        for imp in root.iter(f"{{{XSD_NS}}}import")
        if imp.getparent() is not None and imp.getparent().getparent() is not None
        and imp.getparent().getparent().tag == f"{{{WSDL_NS}}}types"
    ]


@lru_cache(maxsize=4)
def _load(wsdl_dir: str | None, ws_addr: str | None) -> SchemaSet:
    if not wsdl_dir:
        return SchemaSet(None, None, ["dossier WSDL INSi officiel introuvable : validation XSD désactivée"])
    wsdl = find_wsdl(Path(wsdl_dir))
    if wsdl is None:
        return SchemaSet(None, None, [f"aucun fichier .wsdl dans {wsdl_dir} : validation XSD désactivée"])
    notes: list[str] = []
    imports = []
    for namespace, location in _imports(wsdl):
        if location.startswith(("http://", "https://")):
            if location in WS_ADDR_URLS and ws_addr:
                imports.append((namespace, Path(ws_addr).as_uri()))
            else:
                notes.append(f"schéma {location} non chargé (aucun accès réseau) : {namespace} non validé")
            continue
        target = (wsdl.parent / location).resolve()
        if target.is_file():
            imports.append((namespace, target.as_uri()))
        else:
            notes.append(f"schéma {location} absent du paquet WSDL : {namespace} non validé")
    wrapper = (
        f'<xs:schema xmlns:xs="{XSD_NS}" targetNamespace="{WRAPPER_NS}">'
        + "".join(f"<xs:import namespace={quoteattr(ns)} schemaLocation={quoteattr(loc)}/>" for ns, loc in imports)
        + "</xs:schema>"
    )
    try:
        schema = xmlschema.XMLSchema(wrapper, base_url=str(wsdl.parent), allow="local", defuse="always")
    except (xmlschema.XMLSchemaException, OSError, etree.LxmlError) as exc:
        log.error("INSi XSDs could not be compiled: %s", exc)
        return SchemaSet(None, wsdl, [*notes, f"schémas INSi non compilables : {exc}"])
    return SchemaSet(schema, wsdl, notes, wrapper)


ENVELOPE_SCHEMA = """
<xs:element name="Envelope"><xs:complexType><xs:sequence>
<xs:element name="Header" minOccurs="0"><xs:complexType><xs:sequence>
<xs:any namespace="##other" processContents="strict" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
<xs:anyAttribute namespace="##other" processContents="lax"/></xs:complexType></xs:element>
<xs:element name="Body"><xs:complexType><xs:sequence>
<xs:any namespace="##other" processContents="strict" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
<xs:anyAttribute namespace="##other" processContents="lax"/></xs:complexType></xs:element>
</xs:sequence><xs:anyAttribute namespace="##other" processContents="lax"/></xs:complexType></xs:element>"""
"""Envelope, Header and Body, each child strict: valid only when every header and the body child have a
global declaration and are valid against it. One validation of the envelope then clears every element
validate() would be given; anything else (an unknown header, an invalid element) goes element by element."""


def envelope_schema(wrapper: str) -> str:
    """The wrapper's imports in a schema of the SOAP 1.2 envelope namespace declaring ENVELOPE_SCHEMA."""
    head, sep, rest = wrapper.partition(f'targetNamespace="{WRAPPER_NS}">')
    return (head + f'targetNamespace="{SOAP12_NS}" elementFormDefault="qualified">'
            + rest.removesuffix("</xs:schema>") + ENVELOPE_SCHEMA + "</xs:schema>") if sep else wrapper


def _fast_schema(wrapper: str, wsdl: Path) -> etree.XMLSchema | None:
    """libxml2's compilation of the wrapper; every import is a local file, no network."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    try:
        return etree.XMLSchema(etree.fromstring(wrapper.encode(), parser, base_url=wsdl.as_uri()))
    except (etree.LxmlError, ValueError) as exc:
        log.warning("INSi XSDs not compiled by libxml2 (%s): xmlschema validates alone", exc)
        return None


def schema_set(cfg: dict[str, Any]) -> SchemaSet:
    """The process-wide compiled schema set for this configuration."""
    wsdl_dir = insi_wsdl_dir(cfg)
    addr = ws_addr_xsd(cfg)
    return _load(str(wsdl_dir) if wsdl_dir else None, str(addr) if addr else None)


MAX_ERRORS = 20
"""XSD errors reported per validated element: more say nothing new and cost time."""
EXPLAIN_MAX_ATTRIBUTES = 32
"""Above this many attributes on one element, xmlschema's explanation is quadratic: libxml2's is used."""
EXPLAIN_MAX_ELEMENTS = 1000
"""Nor does xmlschema explain an element with more descendants than this (its cost grows faster than them)."""


def validate(schema: xmlschema.XMLSchema, element: etree._Element, fast: etree.XMLSchema | None = None
             ) -> list[tuple[str, str]]:
    """(reason, path) for the XSD errors of `element` against its global declaration (at most MAX_ERRORS)."""
    if fast is not None:
        if fast.validate(element):
            return []
        if _too_big_to_explain(element):
            return _libxml2_errors(fast)
    problems: list[tuple[str, str]] = []
    try:
        for error in schema.iter_errors(element):
            problems.append((str(error.reason or error.message), str(error.path or "")))
            if len(problems) >= MAX_ERRORS:
                break
    except xmlschema.XMLSchemaException as exc:
        problems.append((str(exc), ""))
    return problems


def _too_big_to_explain(element: etree._Element) -> bool:
    """True when xmlschema's explanation would cost more than linear time (many attributes or elements)."""
    for count, el in enumerate(element.iter()):
        if count >= EXPLAIN_MAX_ELEMENTS or len(el.attrib) > EXPLAIN_MAX_ATTRIBUTES:
            return True
    return False


def _libxml2_errors(fast: etree.XMLSchema) -> list[tuple[str, str]]:
    log_entries = fast.error_log
    problems = [(entry.message, entry.path or "") for entry in list(log_entries)[:MAX_ERRORS]]
    if len(log_entries) > MAX_ERRORS:
        problems.append((f"… et {len(log_entries) - MAX_ERRORS} autres erreurs du même document", ""))
    return problems


def global_elements(schema: xmlschema.XMLSchema | None) -> set[str]:
    """Global element names of the compiled set: only those headers are validated."""
    return set(schema.maps.elements) if schema is not None else set()
