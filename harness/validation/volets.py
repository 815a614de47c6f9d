"""The pack's volet schematrons and the templates each one tests.

Built from the pack's own files (schematron names carry volet and version; their
header rules test the volet templateId), completed by schematron.toml for the
few facts the pack does not state. The route itself (ANS's table first) is in
routing.py.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from segur_harness.validation.pack import Pack
from segur_harness.validation.paths import resolve_ci

DATA_FILE = Path(__file__).with_name("schematron.toml")
_INCLUDE = re.compile(r"<include\s+[^>]*href=\"([^\"]+)\"")
_TESTED_ROOT = re.compile(r"@root\s*=\s*['\"](1\.2\.250\.1\.213\.1\.1\.1\.[0-9.]*[0-9])['\"]")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_CISIS = "1.2.250.1.213.1.1.1.1"


@cache
def schematron_data() -> dict[str, Any]:
    with open(DATA_FILE, "rb") as handle:
        return tomllib.load(handle)


def _depth(oid: str) -> int:
    return len(oid.split("."))


@dataclass(frozen=True)
class VoletSchematron:
    path: Path
    volet: str
    version: str
    oids: frozenset[str]

    @property
    def key_oid(self) -> str | None:
        """The most specific volet template the schematron tests (CSE-CS8: .5.1 rather than .5)."""
        return max(self.oids, key=_depth) if self.oids else None


def _header_texts(sch: Path) -> list[str]:
    texts = [sch.read_text(encoding="utf-8", errors="replace")]
    for href in _INCLUDE.findall(_COMMENT.sub("", texts[0])):
        lowered = href.lower()
        if "entete" in lowered or "en-t" in lowered:
            target = resolve_ci(sch.parent / href)
            if target is not None:
                texts.append(target.read_text(encoding="utf-8", errors="replace"))
    return texts


def _tested_oids(sch: Path) -> set[str]:
    """Volet templates the schematron's header rules test. Rules ANS commented out
    (BIO-CR-BIO) still say which template the file was written for: used as a fallback."""
    texts = _header_texts(sch)
    oids = {o for t in texts for o in _TESTED_ROOT.findall(_COMMENT.sub("", t))} - {_CISIS}
    if not oids:
        oids = {o for t in texts for o in _TESTED_ROOT.findall(t)} - {_CISIS}
    return oids


class VoletIndex:
    """Every volet schematron of a pack with the templates it tests."""

    def __init__(self, pack: Pack) -> None:
        data = schematron_data()
        pattern = re.compile(data["volet_file_pattern"])
        extra: dict[str, set[str]] = {}
        for item in data.get("template", []):
            extra.setdefault(item["volet"], set()).add(item["root"])
        self.pack = pack
        self.entries: list[VoletSchematron] = []
        for sch in sorted(pack.schematron_dir.glob("CI-SIS_*.sch")):
            match = pattern.match(sch.name)
            if not match:
                continue
            volet = match.group("volet")
            oids = _tested_oids(sch) | extra.get(volet, set())
            self.entries.append(VoletSchematron(sch, volet, match.group("version"), frozenset(oids)))
        # A version whose header file is missing from the pack (BIO-CR-BIO_2023.01) still belongs to
        # its volet: give it the templates its sibling versions test, so it is routed (and then
        # reported as "could not run") instead of its version being called unknown.
        by_volet: dict[str, set[str]] = {}
        for entry in self.entries:
            by_volet.setdefault(entry.volet, set()).update(entry.oids)
        self.entries = [
            e if e.oids else VoletSchematron(e.path, e.volet, e.version, frozenset(by_volet[e.volet]))
            for e in self.entries
        ]
        self.aliases = {(a["root"], a["extension"]): a["schematron"] for a in data.get("extension_alias", [])}

    def for_template(self, root: str) -> list[VoletSchematron]:
        exact = [e for e in self.entries if e.key_oid == root]
        return exact or [
            e for e in self.entries if root in e.oids and e.key_oid is not None and _depth(e.key_oid) == _depth(root)
        ]
