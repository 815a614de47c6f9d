"""Result objects of the CDA validation engine.

Plain dataclasses so every layer builds the same shapes and every renderer
(JSON, text, JUnit) reads one model; the JSON shape is a public contract
(see docs/validation.md), so field names here are stable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class LayerStatus(StrEnum):
    RAN = "ran"
    NOT_RUN = "not_run"
    """Deliberately skipped (no pack, not applicable, earlier layer failed)."""
    COULD_NOT_RUN = "could_not_run"
    """Should have run but failed (pack defect, engine error): never a silent pass."""


class Layer(StrEnum):
    PARSE = "parse"
    XSD = "xsd"
    HEADER = "cisis-header"
    SCHEMATRON = "schematron"
    TERMINOLOGY = "terminology"
    XDM = "xdm"


LAYER_ORDER = (Layer.PARSE, Layer.XSD, Layer.HEADER, Layer.SCHEMATRON, Layer.TERMINOLOGY)
"""Layers every CDA document goes through, in order (XDM applies to archives only)."""


@dataclass(frozen=True)
class Finding:
    """One rule outcome; `message` is the rule's own wording (ANS text for pack rules)."""

    severity: Severity
    layer: Layer
    rule_id: str
    message: str
    xpath: str | None = None
    line: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(Severity(data["severity"]), Layer(data["layer"]), data["rule_id"], data["message"],
                   data.get("xpath"), data.get("line"))

    def to_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity.value,
            "layer": self.layer.value,
            "rule_id": self.rule_id,
            "message": self.message,
            "xpath": self.xpath,
            "line": self.line,
        }


@dataclass
class LayerResult:
    """How one layer went for one file, and which rules (with versions) it applied."""

    layer: Layer
    status: LayerStatus
    reason: str | None = None
    rules_version: dict[str, str] = field(default_factory=dict)
    incomplete: list[str] = field(default_factory=list)
    """Rules the layer ran around (pack defects met in this document); makes the verdict partial."""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LayerResult:
        return cls(Layer(data["layer"]), LayerStatus(data["status"]), data.get("reason"),
                   dict(data.get("rules_version") or {}), list(data.get("incomplete") or []))

    def to_dict(self) -> dict[str, object]:
        return {
            "layer": self.layer.value,
            "status": self.status.value,
            "reason": self.reason,
            "rules_version": dict(self.rules_version),
            "incomplete": list(self.incomplete),
        }


@dataclass
class FileResult:
    """Everything found in one validated document (or one archive's own checks)."""

    name: str
    kind: str = "cda"
    """"cda" for a CDA document, "xdm" for an archive's layout and metadata checks."""
    layers: list[LayerResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    document: dict[str, str | None] = field(default_factory=dict)
    """What was recognised (volet template, version, level N1/N3, schematron) for the reader."""

    def layer(self, layer: Layer) -> LayerResult | None:
        return next((item for item in self.layers if item.layer == layer), None)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def partial(self) -> bool:
        return any(lr.status != LayerStatus.RAN or lr.incomplete for lr in self.layers)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileResult:
        """The inverse of to_dict (what the validation service sends back)."""
        return cls(data["name"], data.get("kind", "cda"), [LayerResult.from_dict(x) for x in data.get("layers", [])],
                   [Finding.from_dict(x) for x in data.get("findings", [])], dict(data.get("document") or {}))

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "valid": self.valid,
            "partial": self.partial,
            "document": dict(self.document),
            "layers": [lr.to_dict() for lr in self.layers],
            "findings": [f.to_dict() for f in self.findings],
            "counts": {s.value: sum(1 for f in self.findings if f.severity == s) for s in Severity},
        }


@dataclass
class Report:
    """Verdict over one or more inputs; valid iff no error anywhere."""

    files: list[FileResult] = field(default_factory=list)
    engine: dict[str, str] = field(default_factory=dict)
    interrupted: bool = False
    """Stopped (Ctrl-C) before every input was validated: `files` holds those done."""

    @property
    def valid(self) -> bool:
        return all(f.valid for f in self.files)

    @property
    def partial(self) -> bool:
        return any(f.partial for f in self.files)

    @property
    def findings(self) -> list[Finding]:
        return [finding for f in self.files for finding in f.findings]

    def extend(self, other: Report) -> None:
        self.files.extend(other.files)
        self.engine = self.engine or other.engine

    def to_json(self, indent: int | None = 2) -> str:
        from segur_harness.validation.render import to_json

        return to_json(self, indent=indent)

    def to_text(self) -> str:
        from segur_harness.validation.render import to_text

        return to_text(self)

    def to_junit(self) -> str:
        from segur_harness.validation.render import to_junit

        return to_junit(self)
