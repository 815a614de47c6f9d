"""`evidence verify --rerun`: judge every recorded document and request again, offline, and say what differs.

The bundle keeps each document's validation verdict and error rule IDs, and
the rule versions that produced them; the harness's own engine validates the
same bytes now. A different verdict or error set is a difference; different
rule versions are a warning (they explain a difference, they are not one).
The recorded INSi and DMP requests go through the mocks' own checks again
(evidence_requests.py), compared with the findings the mocks recorded.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from segur_harness.evidence import member_json, open_bundle
from segur_harness.evidence_documents import DocumentEngine, error_rules, verdict_of
from segur_harness.evidence_requests import RequestRerun, rerun_requests

VERSION_KEYS = ("harness_version", "harness_header_rules_version", "pack_commit")
"""Engine info keys whose difference explains a different verdict (the pack's folder may differ freely)."""


@dataclass
class Rerun:
    checked: int = 0
    differences: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    incomplete: str | None = None
    """Why the rerun could not judge like the run did (no pack here); None when it could."""
    requests: RequestRerun = field(default_factory=RequestRerun)
    """The recorded INSi and DMP requests judged again (evidence_requests.py); their differences are in
    `differences` too, after the documents'."""


def _documents(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(document path, validation.json path) of every recorded document."""
    names = archive.namelist()
    found = []
    for name in sorted(n for n in names if "/documents/" in n and n.endswith("/validation.json")):
        folder = name.rsplit("/", 1)[0]
        document = next((n for n in names if n.startswith(folder + "/document.")), None)
        if document:
            found.append((document, name))
    return found


def _layer_versions(report: dict[str, Any] | None) -> dict[str, dict[str, str]]:
    layers = (report or {}).get("layers", [])
    return {layer.get("layer", "?"): dict(layer.get("rules_version") or {}) for layer in layers}


def _version_warnings(recorded: dict[str, Any] | None, current: dict[str, Any]) -> list[str]:
    recorded = recorded or {}
    return [f"{key} : bundle {recorded.get(key)!r}, harness {current.get(key)!r}"
            for key in VERSION_KEYS if recorded.get(key) != current.get(key)]  # fmt: skip


def _compare(path: str, recorded: dict[str, Any], fresh: dict[str, Any]) -> str | None:
    before, after = recorded.get("verdict"), verdict_of(fresh)
    old, new = set(recorded.get("errors") or []), set(error_rules(fresh))
    if before == after and old == new:
        return None
    detail = [f"verdict enregistré {before}, rejoué {after}"]
    if new - old:
        detail.append("erreurs en plus : " + ", ".join(sorted(new - old)))
    if old - new:
        detail.append("erreurs en moins : " + ", ".join(sorted(old - new)))
    return f"{path} : " + " ; ".join(detail)


def rerun(bundle: Path, engine: DocumentEngine, *, requests: bool = True) -> Rerun:
    """Revalidate every document of `bundle` with `engine`, then (with `requests`) have the mocks judge every
    recorded INSi and DMP request again (see the module docstring and evidence_requests.py)."""
    out = Rerun()
    with open_bundle(bundle) as archive:
        metadata = member_json(archive, "metadata.json") or {}
        _rerun_documents(out, archive, metadata, engine)
        if requests:
            pack = getattr(getattr(engine, "pack", None), "root", None)
            out.requests = rerun_requests(archive, metadata, pack)
            out.differences += out.requests.differences
            out.warnings += out.requests.warnings
            if out.requests.incomplete:
                reason = (f"{len(out.requests.incomplete)} requête(s) non rejugée(s) comme au run ("
                          + " ; ".join(out.requests.incomplete[:3])
                          + (" ; …" if len(out.requests.incomplete) > 3 else "") + ")")  # fmt: skip
                out.incomplete = f"{out.incomplete} ; {reason}" if out.incomplete else reason
    return out


def _rerun_documents(out: Rerun, archive: zipfile.ZipFile, metadata: dict[str, Any], engine: DocumentEngine) -> None:
    """Each document.* validated again with `engine`, compared with its validation.json."""
    current = engine.info()
    out.warnings += [f"versions différentes du bundle : {w}"
                     for w in _version_warnings(metadata.get("validation_engine"), current)]  # fmt: skip
    recorded_with_pack = "pack_commit" in (metadata.get("validation_engine") or {})
    if getattr(engine, "pack", True) is None and recorded_with_pack:
        out.incomplete = f"documents non revalidés sans pack CI-SIS ({current.get('pack', 'aucun pack')})"
        return
    layer_warnings: set[str] = set()
    for document, validation in _documents(archive):
        recorded = member_json(archive, validation)
        try:
            data = archive.read(document)
        except (zipfile.BadZipFile, OSError, ValueError):
            out.differences.append(f"{document} : illisible dans l'archive, non revalidé")
            continue
        fresh = engine.validate_document(data, document).to_dict()
        out.checked += 1
        if recorded is None or recorded.get("verdict") == "not-validated":
            reason = (recorded or {}).get("reason", f"{validation} illisible")
            out.warnings.append(f"{document} : pas de verdict enregistré ({reason}) ; rejoué {verdict_of(fresh)}")
            continue
        difference = _compare(document, recorded, fresh)
        if difference:
            out.differences.append(difference)
        before, after = _layer_versions(recorded.get("report")), _layer_versions(fresh)
        for layer in sorted(set(before) | set(after)):
            if before.get(layer) != after.get(layer):
                layer_warnings.add(f"règles de la couche {layer} différentes du bundle : "
                                   f"{before.get(layer)} (bundle), {after.get(layer)} (harness)")  # fmt: skip
    out.warnings += sorted(layer_warnings)
