"""The ANS CI-SIS TestContenuCDA pack: where it is, what it holds, which commit.

The pack is used in place (never copied into the project); its layout is the
public repository's, so one class names every path the engine needs.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from segur_harness import config

EXPECTED_DIRS = ("schematrons", "schematrons/moteur", "jeuxDeValeurs", "infrastructure/cda")
"""Folders a usable pack must hold (checked by `pack install` and by the engine)."""

SKELETON = ("iso_dsdl_include.xsl", "iso_abstract_expand.xsl", "iso_svrl_for_xslt2.xsl")
"""The pack's ISO Schematron compile chain, in order (schematrons/moteur/)."""

INSTALL_RECORD = ".segur-pack.json"
"""Written by `pack install` next to the unpacked pack: repository, commit, URL."""

_COMMIT = re.compile(r"\bcommit\s+([0-9a-f]{7,40})\b", re.IGNORECASE)


class PackError(ValueError):
    """The folder is not a usable CI-SIS pack; the message says what is missing."""


@dataclass(frozen=True)
class Pack:
    root: Path

    @property
    def schematron_dir(self) -> Path:
        return self.root / "schematrons"

    @property
    def moteur_dir(self) -> Path:
        return self.schematron_dir / "moteur"

    @property
    def valueset_dir(self) -> Path:
        return self.root / "jeuxDeValeurs"

    @property
    def xsd_path(self) -> Path:
        """CDA_extended.xsd: the only schema of the pack declaring the ClinicalDocument element
        (POCD_MT000040_extended_pharmacy.xsd, which it includes, holds the types only)."""
        return self.root / "infrastructure" / "cda" / "CDA_extended.xsd"

    @property
    def examples_dir(self) -> Path:
        return self.root / "ExemplesCDA"

    def missing(self) -> list[str]:
        """Expected folders and files that are absent (empty list = usable)."""
        gone = [d for d in EXPECTED_DIRS if not (self.root / d).is_dir()]
        gone += [f"schematrons/moteur/{name}" for name in SKELETON if not (self.moteur_dir / name).is_file()]
        if not self.xsd_path.is_file():
            gone.append("infrastructure/cda/CDA_extended.xsd")
        return gone

    def commit(self) -> str | None:
        """The upstream commit the pack was taken from (install record, else SOURCE.md)."""
        record = self.root / INSTALL_RECORD
        if record.is_file():
            try:
                return str(json.loads(record.read_text(encoding="utf-8"))["commit"])
            except (ValueError, KeyError, OSError):
                pass
        source = self.root / "SOURCE.md"
        if source.is_file():
            match = _COMMIT.search(source.read_text(encoding="utf-8", errors="replace"))
            if match:
                return match.group(1)
        return None

    def version_info(self) -> dict[str, str]:
        return {"pack": str(self.root), "pack_commit": self.commit() or "unknown"}


def open_pack(root: Path) -> Pack:
    """A Pack for `root`, or PackError naming what is missing."""
    pack = Pack(root.resolve())
    gone = pack.missing()
    if gone:
        raise PackError(f"{root} is not a CI-SIS TestContenuCDA pack: missing {', '.join(gone)}")
    return pack


def locate_pack(explicit: str | Path | None = None) -> Path | None:
    """--pack, then env SEGUR_CISIS_PACK, then config, then the shared reference, then the user cache."""
    found = config.cisis_pack_dir(explicit)
    named = explicit or os.environ.get("SEGUR_CISIS_PACK") or config.config()["paths"].get("cisis_pack")
    if found or named:  # a pack location the user named is never replaced by another one
        return found
    from segur_harness.validation.pack_install import installed_pack

    return installed_pack()
