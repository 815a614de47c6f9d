"""Schematron layer: route the document to its pack schematron, run it, map the SVRL.

Every way this can fail (no mapping, unknown version, compile failure, runtime
error) ends as a named layer status with its reason, never as a silent pass.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from segur_harness.validation.header_rules import DocumentKind
from segur_harness.validation.model import Finding, Layer, LayerResult, LayerStatus, Severity
from segur_harness.validation.pack import Pack
from segur_harness.validation.routing import Router, Selection
from segur_harness.validation.saxon import SaxonFailure, processor, saxon_call
from segur_harness.validation.sch_compile import CompiledSchematron, CompileFailure, SchematronCompiler
from segur_harness.validation.svrl import parse_svrl
from segur_harness.validation.volets import VoletIndex, schematron_data
from segur_harness.validation.xmlpath import path_of


def _rule_finding(selection: Selection, root: etree._Element) -> Finding | None:
    if not selection.rule:
        return None
    spec = schematron_data()["rules"][selection.rule]
    return Finding(
        Severity(spec["severity"]),
        Layer.SCHEMATRON,
        selection.rule,
        spec["message"].format(**selection.values),
        path_of(root),
        root.sourceline,
    )


class SchematronLayer:
    def __init__(self, pack: Pack, cache_root: Path) -> None:
        self.pack = pack
        self.index = VoletIndex(pack)
        self.router = Router(self.index)
        self.compiler = SchematronCompiler(pack, cache_root)

    def route(self, kind: DocumentKind, override: Path | None = None) -> Selection:
        return self.router.select(kind, override)

    def check(self, root: etree._Element, kind: DocumentKind,
              override: Path | None = None) -> tuple[LayerResult, list[Finding], Selection]:
        selection = self.route(kind, override)
        findings: list[Finding] = []
        extra = _rule_finding(selection, root)
        if extra:
            findings.append(extra)
        if selection.schematron is None:
            return LayerResult(Layer.SCHEMATRON, LayerStatus.NOT_RUN, selection.reason), findings, selection
        name = selection.schematron.name
        try:
            compiled = self.compiler.get(selection.schematron)
        except CompileFailure as exc:
            reason = f"{name} cannot be compiled: {exc.reason}"
            return (
                LayerResult(Layer.SCHEMATRON, LayerStatus.COULD_NOT_RUN, reason, {"schematron": name}),
                findings,
                selection,
            )
        result = LayerResult(Layer.SCHEMATRON, LayerStatus.RAN, None, compiled.versions(self.pack))
        try:
            svrl = self.run(compiled, root)
        except SaxonFailure as exc:
            result.status = LayerStatus.COULD_NOT_RUN
            result.reason = f"{name} failed on this document: {exc.summary()}"
            return result, findings, selection
        outcome = parse_svrl(svrl, root, compiled.path.stem)
        if selection.incomplete:
            result.incomplete.append(selection.incomplete)
        result.incomplete.extend(outcome.incomplete)
        findings.extend(outcome.findings)
        return result, findings, selection

    @staticmethod
    def run(compiled: CompiledSchematron, root: etree._Element) -> str:
        """Hand Saxon lxml's re-serialisation (never the raw untrusted bytes) and return the SVRL."""
        text = etree.tostring(root, encoding="unicode")

        def go() -> str:
            node = processor().parse_xml(xml_text=text, encoding="UTF-8")
            return compiled.executable.transform_to_string(xdm_node=node)

        out = saxon_call(go)
        if not out:
            raise SaxonFailure("the schematron produced no SVRL")
        return out
