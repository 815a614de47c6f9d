"""evidence.zip: a hashed, self-describing bundle of what a run saw.

ANS reviewers get every exchange, grouped by conformity scenario, next to the
run metadata and summary; manifest.json gives the SHA-256 of every other file
so the bundle can be checked after upload.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from segur_harness.store import Exchange

UNSCOPED = "_hors_scenario"


def scenario_folder(scenario_id: str | None) -> str:
    """A file-system-safe folder name for a scenario ID ('INS/va1.41.01' -> 'INS_va1.41.01')."""
    if not scenario_id:
        return UNSCOPED
    return re.sub(r"[^A-Za-z0-9._-]", "_", scenario_id)


def _extension(body: bytes) -> str:
    head = body.lstrip()[:1]
    if head == b"<":
        return "xml"
    if head in (b"{", b"["):
        return "json"
    return "txt" if _is_text(body) else "bin"


def _is_text(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def exchange_files(exchanges: list[Exchange]) -> dict[str, bytes]:
    """Archive path -> content for every exchange, numbered in arrival order per scenario."""
    files: dict[str, bytes] = {}
    counters: dict[str, int] = {}
    for ex in exchanges:
        folder = scenario_folder(ex.scenario_id)
        counters[folder] = counters.get(folder, 0) + 1
        safe_op = re.sub(r"[^A-Za-z0-9._-]", "_", ex.operation or "unknown")
        base = f"exchanges/{folder}/{counters[folder]:03d}-{ex.service}-{safe_op}"
        files[f"{base}/request.{_extension(ex.request_body)}"] = ex.request_body
        files[f"{base}/response.{_extension(ex.response_body)}"] = ex.response_body
        files[f"{base}/exchange.json"] = json.dumps(
            ex.to_json(with_bodies=False), ensure_ascii=False, indent=1
        ).encode()
    return files


def write_evidence(
    target: Path, *, metadata: dict[str, Any], summary: dict[str, Any], exchanges: list[Exchange]
) -> dict[str, Any]:
    """Write the bundle to `target` and return its manifest."""
    files: dict[str, bytes] = {
        "metadata.json": json.dumps(metadata, ensure_ascii=False, indent=1).encode(),
        "summary.json": json.dumps(summary, ensure_ascii=False, indent=1).encode(),
        **exchange_files(exchanges),
    }
    manifest = {
        "algorithm": "sha256",
        "files": [
            {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for path, data in sorted(files.items())
        ],
    }
    tmp = target.with_suffix(".zip.partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=1))
        for path, data in sorted(files.items()):
            archive.writestr(path, data)
    tmp.replace(target)
    return manifest


def verify_evidence(bundle: Path) -> list[str]:
    """Problems found re-hashing a bundle against its manifest (empty = intact)."""
    problems = []
    with zipfile.ZipFile(bundle) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        names = set(archive.namelist()) - {"manifest.json"}
        listed = {entry["path"] for entry in manifest["files"]}
        problems += [f"{name}: not in the manifest" for name in sorted(names - listed)]
        for entry in manifest["files"]:
            if entry["path"] not in names:
                problems.append(f"{entry['path']}: listed in the manifest but missing")
                continue
            if hashlib.sha256(archive.read(entry["path"])).hexdigest() != entry["sha256"]:
                problems.append(f"{entry['path']}: SHA-256 does not match the manifest")
    return problems
