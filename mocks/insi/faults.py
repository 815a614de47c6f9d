"""SOAP 1.2 faults of the INSi service, shaped as the real one answers them.

Code/Subcode/Reason plus a siram:Erreur detail (schema_faultSOAP_V01_01.xsd:
text content, required @code and @severite). Every code and text comes from
fixtures/insi/errors.toml so nothing ANS may change is in code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from segur_harness.mocks.framework.soap import SOAP12_NS, fault

from .data import InsiDataError, load_toml
from .protocol import NS_SIRAM

DEFAULT_FAULT = "technique"
_REQUIRED = ("soap_code", "subcode", "reason", "code", "severite", "message", "http_status")


@dataclass(frozen=True)
class FaultSpec:
    """One entry of the fault catalogue."""

    name: str
    soap_code: str
    subcode: str
    reason: str
    code: str
    severite: str
    message: str
    http_status: int
    observed: bool


class Catalogue:
    """CR labels and faults loaded from errors.toml."""

    def __init__(self, path: str | Path | None = None) -> None:
        data = load_toml(path, "insi", "errors.toml")
        self.cr_labels: dict[str, str] = {str(k): str(v) for k, v in data.get("compte_rendu", {}).items()}
        for code in ("00", "01", "02"):
            if code not in self.cr_labels:
                raise InsiDataError(f"errors.toml: [compte_rendu] lacks CodeCR {code}")
        self.faults: dict[str, FaultSpec] = {}
        for name, raw in data.get("fault", {}).items():
            self.faults[name] = self._spec(name, raw)
        if DEFAULT_FAULT not in self.faults:
            raise InsiDataError(f"errors.toml: [fault.{DEFAULT_FAULT}] is required")

    @staticmethod
    def _spec(name: str, raw: dict[str, Any]) -> FaultSpec:
        missing = [k for k in _REQUIRED if k not in raw]
        if missing:
            raise InsiDataError(f"errors.toml: [fault.{name}] lacks {', '.join(missing)}")
        return FaultSpec(
            name=name,
            soap_code=str(raw["soap_code"]),
            subcode=str(raw["subcode"]),
            reason=str(raw["reason"]),
            code=str(raw["code"]),
            severite=str(raw["severite"]),
            message=str(raw["message"]),
            http_status=int(raw["http_status"]),
            observed=bool(raw.get("observed", False)),
        )

    def find(self, key: str | None) -> FaultSpec | None:
        """A fault by catalogue name, siram:Erreur code or subcode (first match), or None."""
        if not key:
            return None
        if key in self.faults:
            return self.faults[key]
        for spec in self.faults.values():
            if key in (spec.code, spec.subcode):
                return spec
        return None


def render(spec: FaultSpec, detail: str = "", relates_to: str | None = None) -> bytes:
    """The SOAP 1.2 fault envelope for `spec`; `detail` fills {detail} in the siram:Erreur text."""
    erreur = etree.Element(f"{{{NS_SIRAM}}}Erreur", nsmap={"siram": NS_SIRAM})
    erreur.set("severite", spec.severite)
    erreur.set("code", spec.code)
    if relates_to:
        erreur.set("messageID", relates_to)
    erreur.text = spec.message.replace("{detail}", detail) if "{detail}" in spec.message else spec.message
    return fault(
        spec.soap_code,
        spec.reason,
        subcode=(SOAP12_NS, spec.subcode),
        detail=erreur,
        relates_to=relates_to,
    )


