"""Report renderers: JSON (stable contract), human text, JUnit XML for CI.

JSON is the machine contract: bump FORMAT_VERSION on any incompatible change
(renamed or removed field); adding a field is compatible.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from lxml import etree

from segur_harness.validation.model import FileResult, Severity

if TYPE_CHECKING:
    from segur_harness.validation.model import Report

FORMAT_VERSION = "1.0"
_ROUTE_KEYS = ("schematron", "route", "route_reason")
"""Shown on their own "judged by" line in the text report."""


def _summary(report: Report) -> dict[str, int]:
    findings = report.findings
    return {
        "files": len(report.files),
        "valid_files": sum(1 for f in report.files if f.valid),
        "partial_files": sum(1 for f in report.files if f.partial),
        "errors": sum(1 for f in findings if f.severity == Severity.ERROR),
        "warnings": sum(1 for f in findings if f.severity == Severity.WARNING),
        "infos": sum(1 for f in findings if f.severity == Severity.INFO),
    }


def to_dict(report: Report) -> dict[str, object]:
    out: dict[str, object] = {
        "format_version": FORMAT_VERSION,
        "valid": report.valid,
        "partial": report.partial or report.interrupted,
        "engine": dict(report.engine),
        "summary": _summary(report),
        "files": [f.to_dict() for f in report.files],
    }
    if report.interrupted:
        out["interrupted"] = True
    return out


def to_json(report: Report, indent: int | None = 2) -> str:
    return json.dumps(to_dict(report), ensure_ascii=False, indent=indent)


def _verdict(valid: bool, partial: bool) -> str:
    word = "VALID" if valid else "INVALID"
    return f"{word} (partial: some checks did not run)" if partial else word


def _file_text(result: FileResult) -> list[str]:
    lines = [f"== {result.name} [{result.kind}]: {_verdict(result.valid, result.partial)}"]
    if result.document:
        described = ", ".join(f"{k}={v}" for k, v in result.document.items() if v and k not in _ROUTE_KEYS)
        lines.append(f"   document: {described}")
    if result.document.get("route"):
        judged = result.document.get("schematron") or "no schematron"
        why = f"route {result.document['route']}: {result.document.get('route_reason')}"
        lines.append(f"   judged by: {judged} ({why})")
    for lr in result.layers:
        versions = ", ".join(f"{k}={v}" for k, v in lr.rules_version.items())
        text = f"   layer {lr.layer.value}: {lr.status.value}"
        if lr.reason:
            text += f" ({lr.reason})"
        if versions:
            text += f" [{versions}]"
        lines.append(text)
        lines.extend(f"      incomplete: {item}" for item in lr.incomplete)
    for f in result.findings:
        where = f" line {f.line}" if f.line else ""
        path = f" at {f.xpath}" if f.xpath else ""
        lines.append(f"   {f.severity.value.upper():7} {f.rule_id}{where}{path}: {f.message}")
    return lines


def to_text(report: Report) -> str:
    lines: list[str] = []
    for result in report.files:
        lines.extend(_file_text(result))
    s = _summary(report)
    if report.interrupted:
        lines.append("INTERRUPTED: the files below the last one listed were not validated")
    lines.append(
        f"{_verdict(report.valid, report.partial)}: {s['files']} file(s), {s['errors']} error(s), "
        f"{s['warnings']} warning(s), {s['infos']} info(s)"
    )
    return "\n".join(lines) + "\n"


def to_junit(report: Report) -> str:
    """One testsuite per file, one testcase per layer; errors become failures, skipped layers skips."""
    suites = etree.Element("testsuites", name="segur-harness validate")
    for result in report.files:
        suite = etree.SubElement(suites, "testsuite", name=result.name)
        failures = skipped = 0
        for lr in result.layers:
            case = etree.SubElement(suite, "testcase", classname=result.name, name=lr.layer.value)
            errors = [f for f in result.findings if f.layer == lr.layer and f.severity == Severity.ERROR]
            if errors:
                failures += 1
                node = etree.SubElement(case, "failure", message=f"{len(errors)} error(s)")
                node.text = "\n".join(f"{f.rule_id} line {f.line or '-'} {f.xpath or ''}: {f.message}" for f in errors)
            elif lr.status.value != "ran":
                skipped += 1
                etree.SubElement(case, "skipped", message=f"{lr.status.value}: {lr.reason or ''}")
            others = [f for f in result.findings if f.layer == lr.layer and f.severity != Severity.ERROR]
            if others or lr.incomplete:
                out = etree.SubElement(case, "system-out")
                out.text = "\n".join(
                    [f"{f.severity.value} {f.rule_id}: {f.message}" for f in others]
                    + [f"incomplete: {item}" for item in lr.incomplete]
                )
        suite.set("tests", str(len(result.layers)))
        suite.set("failures", str(failures))
        suite.set("skipped", str(skipped))
        suite.set("errors", "0")
    return etree.tostring(suites, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode()
