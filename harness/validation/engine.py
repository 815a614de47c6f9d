"""The validation engine: one per process per pack, layers run in order on each document.

Layers: parse (xmlsafe) -> cisis-header (harness rules, no pack needed) -> xsd
-> schematron -> terminology. Without a pack the last three say "not run: no
CI-SIS pack" and the verdict is partial. An unexpected error inside a layer is
reported as that layer's "could not run", so a caller never sees a traceback.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

import segur_harness
from segur_harness.validation import header_rules
from segur_harness.validation.budget import Budget, budget_finding
from segur_harness.validation.model import (
    FileResult,
    Finding,
    Layer,
    LayerResult,
    LayerStatus,
    Report,
    Severity,
)
from segur_harness.validation.pack import Pack, PackError, locate_pack, open_pack
from segur_harness.validation.paths import cache_dir
from segur_harness.validation.schematron_layer import SchematronLayer
from segur_harness.validation.terminology import TerminologyChecker
from segur_harness.validation.xmlpath import CDA_NS
from segur_harness.validation.xsd import XsdValidator
from segur_harness.xmlsafe import XmlRejected, parse_xml

NO_PACK = "no CI-SIS pack (use --pack DIR, env SEGUR_CISIS_PACK, or `segur-harness pack install`)"
PACK_LAYERS = (Layer.XSD, Layer.SCHEMATRON, Layer.TERMINOLOGY)


class Engine:
    """Validates CDA documents, XDM archives and folders against one CI-SIS pack (or none)."""

    def __init__(self, pack: Pack | None, pack_problem: str | None = None, cache_root: Path | None = None,
                 budget: Budget | None = None) -> None:
        self.pack = pack
        self.pack_problem = pack_problem or (None if pack else NO_PACK)
        self.cache_root = cache_root or cache_dir()
        self.budget = budget or Budget.from_config()
        self.xsd = XsdValidator(pack) if pack else None
        self.schematron = SchematronLayer(pack, self.cache_root, self.budget) if pack else None
        self.terminology = TerminologyChecker(pack) if pack else None

    # -- public API -----------------------------------------------------------------------------
    def info(self) -> dict[str, str]:
        info = {
            "harness_version": segur_harness.__version__,
            "harness_header_rules_version": header_rules.rules_version(),
        }
        if self.pack:
            info.update(self.pack.version_info())
        else:
            info["pack"] = f"none: {self.pack_problem}"
        return info

    def validate_bytes(self, data: bytes, name: str, schematron: Path | None = None) -> Report:
        """Validate one CDA document given as bytes (`name` is how the report refers to it)."""
        return Report([self.validate_document(data, name, schematron)], self.info())

    def validate_path(self, path: str | Path, schematron: Path | None = None) -> Report:
        """Validate a CDA file, an IHE_XDM.ZIP archive, or every such file under a folder."""
        from segur_harness.validation.inputs import validate_path

        report = Report([], self.info())
        for result in validate_path(self, Path(path), schematron):
            report.files.append(result)
        return report

    def resolve_schematron(self, name: str) -> Path | None:
        """The pack schematron a user names (`validate --schematron NAME`), or None."""
        from segur_harness.validation.routing import resolve

        return resolve(self.schematron.router, name) if self.schematron else None

    def warm(self, names: list[str]) -> list[str]:
        """Compile the named schematrons ahead, in the background; returns the names the pack does not know."""
        if not self.schematron:
            return []
        chosen = {name: self.resolve_schematron(name) for name in names}
        self.schematron.warm({path for path in chosen.values() if path is not None})
        return [name for name, path in chosen.items() if path is None]

    # -- one document ---------------------------------------------------------------------------
    def close(self) -> None:
        """Stop the engine's Saxon workers (a later document starts new ones)."""
        if self.schematron:
            self.schematron.close()

    def over_size(self, name: str, size: int) -> FileResult | None:
        """The result of a document over the size budget (not parsed), or None when within it."""
        if size <= self.budget.max_document_bytes:
            return None
        result = FileResult(name=name)
        result.add(budget_finding("BUDGET-001", Layer.PARSE, size=size, limit=self.budget.max_document_bytes))
        result.layers.append(LayerResult(Layer.PARSE, LayerStatus.COULD_NOT_RUN, "over the size budget"))
        for layer in (Layer.HEADER, *PACK_LAYERS):
            result.layers.append(LayerResult(layer, LayerStatus.NOT_RUN, "the document is over the size budget"))
        return result

    def validate_document(self, data: bytes, name: str, schematron: Path | None = None) -> FileResult:
        """Validate one document within the budgets; `schematron` replaces the routed one (the report says so)."""
        too_big = self.over_size(name, len(data))
        if too_big is not None:
            return too_big
        result = FileResult(name=name)
        try:
            self._validate(data, result, schematron, time.monotonic() + self.budget.time_seconds)
        except Exception as exc:  # noqa: BLE001 - last resort: report, never crash the caller
            result.add(
                Finding(
                    Severity.ERROR, Layer.PARSE, "ENGINE-001", f"internal validation error: {type(exc).__name__}: {exc}"
                )
            )
        done = {lr.layer for lr in result.layers}
        for layer in (Layer.PARSE, Layer.HEADER, *PACK_LAYERS):
            if layer not in done:
                result.layers.append(LayerResult(layer, LayerStatus.NOT_RUN, "an earlier step stopped validation"))
        return result

    def _validate(self, data: bytes, result: FileResult, override: Path | None, deadline: float) -> None:
        parse = LayerResult(
            Layer.PARSE, LayerStatus.RAN, rules_version={"parser": f"segur_harness.xmlsafe, lxml {etree.__version__}"}
        )
        result.layers.append(parse)
        try:
            parsed = parse_xml(data, max_bytes=max(self.budget.max_document_bytes, len(data)))
        except XmlRejected as exc:
            result.add(Finding(Severity.ERROR, Layer.PARSE, "PARSE-001", exc.reason, None, exc.line))
            for layer in (Layer.HEADER, *PACK_LAYERS):
                result.layers.append(LayerResult(layer, LayerStatus.NOT_RUN, "the document could not be parsed"))
            return
        root = self._clinical_document(parsed, result)
        header = LayerResult(
            Layer.HEADER, LayerStatus.RAN, rules_version={"harness_header_rules": header_rules.rules_version()}
        )
        result.layers.append(header)
        kind, findings = header_rules.check(root)
        result.findings.extend(findings)
        if kind is not None:
            result.document.update(
                {
                    "level": "N1" if kind.n1 else "N3",
                    "volet_template": kind.volet_root,
                    "template_version": kind.volet_extension,
                }
            )
        if self.pack is None:
            for layer in PACK_LAYERS:
                result.layers.append(LayerResult(layer, LayerStatus.NOT_RUN, f"not run: {self.pack_problem}"))
            return
        assert self.xsd and self.schematron and self.terminology
        self._layer(result, Layer.XSD, lambda: self.xsd.check(root))
        if kind is None:
            result.layers.append(LayerResult(Layer.SCHEMATRON, LayerStatus.NOT_RUN, "not a CDA ClinicalDocument"))
        else:

            def schematron() -> tuple[LayerResult, list[Finding]]:
                left = deadline - time.monotonic()
                layer, found, selection = self.schematron.check(root, kind, override, left)
                result.document["volet"] = selection.volet
                result.document["schematron"] = selection.schematron.name if selection.schematron else None
                result.document["route"] = selection.route
                result.document["route_reason"] = selection.reason
                return layer, found

            self._layer(result, Layer.SCHEMATRON, schematron)
        if kind is None:
            result.layers.append(LayerResult(Layer.TERMINOLOGY, LayerStatus.NOT_RUN, "not a CDA ClinicalDocument"))
        else:
            self._layer(result, Layer.TERMINOLOGY, lambda: self.terminology.check(root))

    @staticmethod
    def _layer(result: FileResult, layer: Layer, run: Callable[[], tuple[LayerResult, list[Finding]]]) -> None:
        try:
            layer_result, findings = run()
        except Exception as exc:  # noqa: BLE001 - a layer bug must not hide the other layers
            layer_result = LayerResult(layer, LayerStatus.COULD_NOT_RUN, f"internal error: {type(exc).__name__}: {exc}")
            findings = []
        result.layers.append(layer_result)
        result.findings.extend(findings)

    @staticmethod
    def _clinical_document(root: etree._Element, result: FileResult) -> etree._Element:
        """The ClinicalDocument to validate; a signed or self-presenting wrapper is unwrapped
        the way the pack's selectCDA.xsl does, with an info finding saying so."""
        tag = f"{{{CDA_NS}}}ClinicalDocument"
        if root.tag == tag:
            return root
        inner = next(root.iter(tag), None)
        if inner is None:
            return root
        result.add(
            Finding(
                Severity.INFO,
                Layer.PARSE,
                "PARSE-002",
                f"root element is {etree.QName(root).localname}; the ClinicalDocument it contains "
                f"(line {inner.sourceline}) was validated",
                None,
                inner.sourceline,
            )
        )
        return copy.deepcopy(inner)


_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def get_engine(pack_dir: Path | None = None) -> Engine:
    """The process-wide engine for `pack_dir` (None: env/config/installed pack, or no pack).

    An explicit `pack_dir` that is missing or not a pack raises PackError; a pack found
    through configuration that turns out unusable gives an engine without pack that
    says why in every report.
    """
    explicit = pack_dir is not None
    located = locate_pack(pack_dir)
    if explicit and located is None:
        raise PackError(f"pack folder not found: {pack_dir}")
    key = str(located) if located else ""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            if located is None:
                engine = Engine(None)
            else:
                try:
                    engine = Engine(open_pack(located))
                except PackError as exc:
                    if explicit:
                        raise
                    engine = Engine(None, str(exc))
            _ENGINES[key] = engine
        return engine
