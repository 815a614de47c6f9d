"""Full XSD validation against the official INSi schemas, loaded once per process.

The schema set is the one the WSDL's <types> imports, so a new WSDL package
brings its own XSDs. The WSDL imports WS-Addressing by URL; that URL is
served from a local copy (config) and nothing is ever fetched from the network.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import xmlschema
from lxml import etree

from segur_harness.config import insi_wsdl_dir, reference_dir
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
    return SchemaSet(schema, wsdl, notes)


def schema_set(cfg: dict[str, Any]) -> SchemaSet:
    """The process-wide compiled schema set for this configuration."""
    wsdl_dir = insi_wsdl_dir(cfg)
    addr = ws_addr_xsd(cfg)
    return _load(str(wsdl_dir) if wsdl_dir else None, str(addr) if addr else None)


def validate(schema: xmlschema.XMLSchema, element: etree._Element) -> list[tuple[str, str]]:
    """(reason, path) for every XSD error of `element` against its global declaration."""
    problems = []
    try:
        for error in schema.iter_errors(element):
            problems.append((str(error.reason or error.message), str(error.path or "")))
    except xmlschema.XMLSchemaException as exc:
        problems.append((str(exc), ""))
    return problems


def global_elements(schema: xmlschema.XMLSchema | None) -> set[str]:
    """Global element names of the compiled set: only those headers are validated."""
    return set(schema.maps.elements) if schema is not None else set()
