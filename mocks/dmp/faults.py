"""SOAP 1.2 faults and HL7v3 acknowledgement texts of the DMP mock, from fixtures/dmp/errors.toml.

The subcode QName is written with the prefix the standards use
(`wsa:ActionNotSupported`, `wsse:FailedCheck`), declared on the Envelope so
clients that resolve QName text against the root's namespaces read it right.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from segur_harness.mocks.framework.soap import SOAP12_NS, envelope

from .data import DmpDataError, load_toml

DEFAULT_FAULT = "technique"
REQUIRED_FAULTS = ("technique", "transaction_non_disponible", "action_non_supportee", "action_incoherente",
                   "entete_adressage", "entete_adressage_invalide", "entete_non_compris", "message_invalide",
                   "mtom_invalide", "version_soap", "type_contenu", "trop_volumineux", "jeton_absent",
                   "signature_invalide", "jeton_expire", "vihf_invalide")
REQUIRED_HL7 = ("structure_inconnue", "ps_structure_non_lies", "requete_invalide", "patient_inconnu",
                "dmp_existant", "dmp_deja_ferme", "dmp_non_ferme", "acces_refuse")
_FAULT_KEYS = ("soap_code", "subcode_ns", "subcode", "prefix", "reason", "http_status")
FAULT_ACTION = "http://www.w3.org/2005/08/addressing/soap/fault"


@dataclass(frozen=True)
class FaultSpec:
    """One SOAP fault the mock can answer."""

    name: str
    soap_code: str
    subcode_ns: str
    subcode: str
    prefix: str
    reason: str
    http_status: int
    observed: bool

    def text(self, detail: str) -> str:
        return self.reason.replace("{detail}", detail).strip() if "{detail}" in self.reason else self.reason


@dataclass(frozen=True)
class AckText:
    """One HL7v3 acknowledgementDetail (code + French text)."""

    name: str
    code: str
    text: str
    observed: bool

    def render(self, detail: str) -> str:
        return self.text.replace("{detail}", detail) if "{detail}" in self.text else self.text


class Catalogue:
    """Faults and acknowledgement texts loaded from errors.toml (every required entry checked at load)."""

    def __init__(self, path: str | Path | None = None) -> None:
        data = load_toml(path, "dmp", "errors.toml")
        self.faults = {name: self._fault(name, raw) for name, raw in data.get("fault", {}).items()}
        self.acks = {name: self._ack(name, raw) for name, raw in data.get("hl7", {}).items()}
        missing = [f"[fault.{k}]" for k in REQUIRED_FAULTS if k not in self.faults]
        missing += [f"[hl7.{k}]" for k in REQUIRED_HL7 if k not in self.acks]
        if missing:
            raise DmpDataError(f"DMP errors.toml lacks {', '.join(missing)}")

    @staticmethod
    def _fault(name: str, raw: dict[str, Any]) -> FaultSpec:
        missing = [k for k in _FAULT_KEYS if k not in raw]
        if missing:
            raise DmpDataError(f"DMP errors.toml: [fault.{name}] lacks {', '.join(missing)}")
        return FaultSpec(name, str(raw["soap_code"]), str(raw["subcode_ns"]), str(raw["subcode"]),
                         str(raw["prefix"]), str(raw["reason"]), int(raw["http_status"]),
                         bool(raw.get("observed", False)))

    @staticmethod
    def _ack(name: str, raw: dict[str, Any]) -> AckText:
        if "code" not in raw or "text" not in raw:
            raise DmpDataError(f"DMP errors.toml: [hl7.{name}] needs code and text")
        return AckText(name, str(raw["code"]), str(raw["text"]), bool(raw.get("observed", False)))

    def find(self, key: str | None) -> FaultSpec | None:
        """A fault by catalogue name or subcode local name, or None."""
        if not key:
            return None
        if key in self.faults:
            return self.faults[key]
        return next((s for s in self.faults.values() if s.subcode and key in (s.subcode, f"{s.prefix}:{s.subcode}")),
                    None)


def render(spec: FaultSpec, detail: str = "", relates_to: str | None = None) -> bytes:
    """The SOAP 1.2 Fault envelope for `spec`, Reason in French with `detail` filled in."""
    nsmap = {spec.prefix: spec.subcode_ns} if spec.subcode and spec.prefix not in ("soap", "wsa") else {}
    fault = etree.Element(f"{{{SOAP12_NS}}}Fault", nsmap={"soap": SOAP12_NS})
    code = etree.SubElement(fault, f"{{{SOAP12_NS}}}Code")
    etree.SubElement(code, f"{{{SOAP12_NS}}}Value").text = f"soap:{spec.soap_code}"
    if spec.subcode:
        sub = etree.SubElement(code, f"{{{SOAP12_NS}}}Subcode")
        etree.SubElement(sub, f"{{{SOAP12_NS}}}Value").text = f"{spec.prefix}:{spec.subcode}"
    reason = etree.SubElement(fault, f"{{{SOAP12_NS}}}Reason")
    text = etree.SubElement(reason, f"{{{SOAP12_NS}}}Text")
    text.set("{http://www.w3.org/XML/1998/namespace}lang", "fr")
    text.text = spec.text(detail)
    return envelope(fault, action=FAULT_ACTION, relates_to=relates_to, extra_nsmap=nsmap)
