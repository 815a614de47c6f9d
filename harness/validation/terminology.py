"""Header coded elements against the pack's value sets (IHE SVS files in jeuxDeValeurs/).

The table of element -> value set is data (valuesets.toml). Value sets are
loaded once per engine; a value set file absent from the pack makes that check
"incomplete" (visible), never a pass.
"""

from __future__ import annotations

import threading
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from segur_harness.validation.model import Finding, Layer, LayerResult, LayerStatus, Severity
from segur_harness.validation.pack import Pack
from segur_harness.validation.xmlpath import NS, path_of

DATA_FILE = Path(__file__).with_name("valuesets.toml")
SVS_NS = "urn:ihe:iti:svs:2008"


@cache
def valueset_data() -> dict[str, Any]:
    with open(DATA_FILE, "rb") as handle:
        return tomllib.load(handle)


@dataclass(frozen=True)
class ValueSet:
    file: str
    oid: str
    revision: str
    concepts: frozenset[tuple[str, str]]


def load_value_set(path: Path) -> ValueSet:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    root = etree.parse(str(path), parser).getroot()
    header = root.find(f".//{{{SVS_NS}}}ValueSet")
    concepts = frozenset((c.get("code") or "", c.get("codeSystem") or "") for c in root.iter(f"{{{SVS_NS}}}Concept"))
    oid = header.get("id", "?") if header is not None else "?"
    revision = ""
    if header is not None:
        revision = header.get("revisionDate") or header.get("dateMaj") or header.get("version") or ""
    return ValueSet(path.name, oid, revision, concepts)


class TerminologyChecker:
    """Loads value sets lazily (thread-safe) and checks the header table against a document."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        self._sets: dict[str, ValueSet | None] = {}
        self._lock = threading.Lock()

    def value_set(self, name: str) -> ValueSet | None:
        with self._lock:
            if name not in self._sets:
                path = self.pack.valueset_dir / name
                try:
                    self._sets[name] = load_value_set(path) if path.is_file() else None
                except (OSError, etree.XMLSyntaxError):
                    self._sets[name] = None
            return self._sets[name]

    def check(self, root: etree._Element) -> tuple[LayerResult, list[Finding]]:
        data = valueset_data()
        messages = data["messages"]
        result = LayerResult(
            Layer.TERMINOLOGY, LayerStatus.RAN, rules_version={"harness_value_set_rules": data["version"]}
        )
        findings: list[Finding] = []
        for check in data["check"]:
            vs = self.value_set(check["value_set"])
            if vs is None:
                result.incomplete.append(f"{check['id']}: value set file {check['value_set']} absent from the pack")
                continue
            result.rules_version[vs.file] = f"{vs.oid}@{vs.revision}" if vs.revision else vs.oid
            values = {"label": check["label"], "value_set": vs.file, "oid": vs.oid}
            elements = root.findall(check["element"], NS)
            if not elements and check.get("required"):
                findings.append(
                    Finding(
                        Severity.ERROR,
                        Layer.TERMINOLOGY,
                        check["id"],
                        messages["absent"].format(**values),
                        path_of(root),
                        root.sourceline,
                    )
                )
            for element in elements:
                null = element.get("nullFlavor")
                code, system = element.get("code"), element.get("codeSystem")
                if null is not None and not code:
                    if check.get("required"):
                        findings.append(
                            Finding(
                                Severity.ERROR,
                                Layer.TERMINOLOGY,
                                check["id"],
                                messages["null_flavor"].format(null=null, **values),
                                path_of(element),
                                element.sourceline,
                            )
                        )
                    continue
                if (code or "", system or "") not in vs.concepts:
                    text = messages["outside"].format(
                        code=code or "", display=element.get("displayName") or "", system=system or "", **values
                    )
                    findings.append(
                        Finding(
                            Severity.ERROR, Layer.TERMINOLOGY, check["id"], text, path_of(element), element.sourceline
                        )
                    )
        return result, findings
