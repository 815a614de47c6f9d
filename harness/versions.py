"""Versions of everything a verdict depends on, recorded in every report.

ANS's own tools drift; a reviewer must see exactly which rule packs,
validators and harness produced a result.
"""

from __future__ import annotations

import hashlib
import platform
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from segur_harness import __version__
from segur_harness.catalogue import CATALOGUE_DIR, load_catalogue
from segur_harness.config import FIXTURES_DIR, cisis_pack_dir, insi_wsdl_dir

VALIDATOR_PACKAGES = ("lxml", "xmlschema", "saxonche", "python-stdnum", "pytest", "pytest-bdd", "allure-pytest-bdd")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _dir_digest(directory: Path, pattern: str = "*.toml") -> str:
    digest = hashlib.sha256()
    for path in sorted(directory.rglob(pattern)):
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def cisis_pack_version(pack: Path | None) -> dict[str, Any]:
    """The CI-SIS pack's identity: its folder and the commit its SOURCE.md names."""
    if pack is None:
        return {"present": False}
    info: dict[str, Any] = {"present": True, "path": str(pack)}
    source = pack / "SOURCE.md"
    if source.exists():
        text = source.read_text(encoding="utf-8", errors="replace")
        match = re.search(r"commit\s+([0-9a-f]{7,40})", text)
        info["commit"] = match.group(1) if match else None
        info["source_md_sha256"] = _sha256(source)
    return info


def insi_wsdl_version(wsdl_dir: Path | None) -> dict[str, Any]:
    if wsdl_dir is None:
        return {"present": False}
    wsdls = sorted(wsdl_dir.glob("*.wsdl"))
    info: dict[str, Any] = {"present": True, "path": str(wsdl_dir)}
    if wsdls:
        info["wsdl"] = wsdls[0].name
        info["wsdl_sha256"] = _sha256(wsdls[0])
        match = re.search(r"(\d+\.\d+\.\d+)", wsdls[0].name)
        info["version"] = match.group(1) if match else None
    return info


def rule_pack_versions() -> dict[str, Any]:
    """Every rule pack, data set and validator a run's verdicts depend on."""
    identities = FIXTURES_DIR / "identities"
    return {
        "harness": __version__,
        "catalogue": {"version": load_catalogue().version, "sha256": _dir_digest(CATALOGUE_DIR)},
        "insi_identities": {"sha256": _dir_digest(identities) if identities.exists() else None},
        "insi_wsdl": insi_wsdl_version(insi_wsdl_dir()),
        "cisis_pack": cisis_pack_version(cisis_pack_dir()),
        "validators": {name: _package_version(name) for name in VALIDATOR_PACKAGES},
        "python": platform.python_version(),
    }
