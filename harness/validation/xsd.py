"""XSD layer: the pack's CDA_extended.xsd through lxml (libxml2), loaded once per engine.

CDA_extended.xsd is the schema ANS validates with: it is the only pack schema
that declares the ClinicalDocument element and it pulls in the French and IHE
extensions (sdtc, lab, pharm, dicom) the examples use.
"""

from __future__ import annotations

import threading

from lxml import etree

from segur_harness.validation.model import Finding, Layer, LayerResult, LayerStatus, Severity
from segur_harness.validation.pack import Pack
from segur_harness.validation.xmlpath import path_of


class XsdValidator:
    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self._lock = threading.Lock()
        self._schema: etree.XMLSchema | None = None
        self._error: str | None = None

    def _load(self) -> etree.XMLSchema | None:
        if self._schema is None and self._error is None:
            try:
                parser = etree.XMLParser(no_network=True, resolve_entities=False)
                self._schema = etree.XMLSchema(etree.parse(str(self.pack.xsd_path), parser))
            except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
                self._error = f"{self.pack.xsd_path.name} does not load: {exc}"
        return self._schema

    def versions(self) -> dict[str, str]:
        return {"xsd": "infrastructure/cda/CDA_extended.xsd"}

    def check(self, root: etree._Element) -> tuple[LayerResult, list[Finding]]:
        with self._lock:
            schema = self._load()
            if schema is None:
                return LayerResult(Layer.XSD, LayerStatus.COULD_NOT_RUN, self._error, self.versions()), []
            target = root.getroottree() if root.getparent() is None else etree.ElementTree(root)
            schema.validate(target)
            errors = list(schema.error_log)
        findings = []
        for error in errors:
            xpath = None
            if error.path:
                try:
                    found = target.xpath(error.path)
                    if found and isinstance(found[0], etree._Element):
                        xpath = path_of(found[0])
                except etree.XPathError:
                    xpath = error.path
            findings.append(Finding(Severity.ERROR, Layer.XSD, "XSD", error.message, xpath, error.line or None))
        return LayerResult(Layer.XSD, LayerStatus.RAN, None, self.versions()), findings
