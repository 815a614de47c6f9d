"""evidence.zip: a hashed, self-describing bundle of what a run saw (format: docs/evidence.md).

manifest.json gives the SHA-256 of every other file and manifest.sha256 the
SHA-256 of manifest.json itself, so that `segur-harness evidence verify` can
name exactly which file was altered, added or removed after the run.
"""

from __future__ import annotations

import hashlib
import json
import time
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from segur_harness.allure_read import AllureScenario, read_allure
from segur_harness.catalogue import Catalogue, load_catalogue
from segur_harness.config import config
from segur_harness.evidence_content import FORMAT_VERSION, UNSCOPED, bundle_files, safe_name
from segur_harness.evidence_documents import Validations
from segur_harness.evidence_replay import CA_MEMBER, SETTINGS_KEY, replay_material
from segur_harness.evidence_sign import SIGNATURE, Signer, sign_manifest
from segur_harness.isotime import iso_seconds
from segur_harness.store import Exchange

FORMAT_NAME = "segur-harness-evidence"
MANIFEST = "manifest.json"
MANIFEST_DIGEST = "manifest.sha256"
__all__ = ["UNSCOPED", "BundleError", "Difference", "check_bundle", "scenario_folder", "verify_evidence",
           "write_evidence"]  # fmt: skip


def scenario_folder(scenario_id: str | None) -> str:
    """A file-system-safe folder name for a scenario ID ('INS/va1.41.01' -> 'INS_va1.41.01')."""
    return safe_name(scenario_id)


def write_evidence(target: Path, *, metadata: dict[str, Any], summary: dict[str, Any], exchanges: list[Exchange],
                   catalogue: Catalogue | None = None, allure: dict[str | None, list[AllureScenario]] | None = None,
                   allure_dir: Path | None = None, validations: Validations | None = None,
                   signer: Signer | None = None,
                   replay: tuple[dict[str, Any], bytes | None] | None = None) -> dict[str, Any]:  # fmt: skip
    """Write the bundle to `target` (atomically) and return its manifest.

    `allure` (or `allure_dir`, read here) gives the steps and adapter calls; `validations` the
    documents' validation reports (documents without one are marked not validated); `signer`
    adds manifest.sig.xml, the editor's signature of the manifest; `replay` (default: from this
    process's configuration, the run's) the INSi/DMP mock settings and test CA certificate that
    `evidence verify --rerun` needs to judge the recorded requests again.
    """
    settings, ca_cert = replay if replay is not None else replay_material(config())
    files = bundle_files(
        metadata={**metadata, SETTINGS_KEY: metadata.get(SETTINGS_KEY, settings)}, summary=summary,
        exchanges=exchanges,
        catalogue=catalogue if catalogue is not None else load_catalogue(),
        allure=allure if allure is not None else read_allure(allure_dir),
        validations=validations if validations is not None else Validations(),
    )  # fmt: skip
    if ca_cert:
        files[CA_MEMBER] = ca_cert
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "algorithm": "sha256",
        "created_at": iso_seconds(time.time()),
        "files": [
            {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for path, data in sorted(files.items())
        ],
    }
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    tmp = target.with_suffix(".zip.partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, manifest_bytes)
        archive.writestr(MANIFEST_DIGEST, f"{hashlib.sha256(manifest_bytes).hexdigest()}  {MANIFEST}\n")
        if signer is not None:
            archive.writestr(SIGNATURE, sign_manifest(manifest_bytes, signer, time.time()))
        for path, data in sorted(files.items()):
            archive.writestr(path, data)
    tmp.replace(target)
    return manifest


class BundleError(ValueError):
    """The file is not an evidence bundle at all (a usage mistake, not a tampering)."""


@dataclass(frozen=True)
class Difference:
    """One file of the bundle that is not as the run wrote it."""

    kind: str  # modifié | ajouté | manquant
    path: str
    detail: str

    def line(self) -> str:
        return f"{self.path} : {self.kind} ({self.detail})"


def _read(archive: zipfile.ZipFile, name: str) -> bytes | None:
    """A member's bytes; None when the archive itself is damaged there (bad CRC, broken compression)."""
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        return None


def member_json(archive: zipfile.ZipFile, name: str) -> dict[str, Any] | None:
    """A bundle member read as a JSON object, or None when absent, unreadable or not an object."""
    try:
        data = json.loads(archive.read(name))
    except (KeyError, ValueError, zipfile.BadZipFile, OSError):
        return None
    return data if isinstance(data, dict) else None


def open_bundle(bundle: Path) -> zipfile.ZipFile:
    """The bundle as a zip archive; BundleError (one line, French) when it cannot be one."""
    if not bundle.is_file():
        raise BundleError(f"{bundle} : fichier introuvable")
    try:
        archive = zipfile.ZipFile(bundle)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BundleError(f"{bundle} : pas une archive zip lisible ({exc})") from None
    names = set(archive.namelist())
    if MANIFEST not in names and MANIFEST_DIGEST not in names:
        archive.close()
        raise BundleError(f"{bundle} : pas un bundle de preuves segur-harness (ni {MANIFEST} ni {MANIFEST_DIGEST})")
    return archive


def _manifest(archive: zipfile.ZipFile, names: set[str]) -> tuple[dict[str, Any] | None, list[Difference]]:
    """The manifest and what is wrong with it (altered, missing, its digest file missing)."""
    if MANIFEST not in names:
        return None, [Difference("manquant", MANIFEST, "le manifeste a disparu : rien n'est vérifiable")]
    raw = _read(archive, MANIFEST)
    if raw is None:
        return None, [Difference("modifié", MANIFEST, "illisible dans l'archive (CRC ou compression)")]
    problems = []
    digest = _read(archive, MANIFEST_DIGEST) if MANIFEST_DIGEST in names else None
    if digest is not None and digest.split()[:1] != [hashlib.sha256(raw).hexdigest().encode()]:
        problems.append(Difference("modifié", MANIFEST, f"son SHA-256 ne correspond plus à {MANIFEST_DIGEST} : "
                                                        "l'un des deux a été modifié"))
    try:
        manifest = json.loads(raw)
        files = manifest["files"]
        if not isinstance(files, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return None, [*problems, Difference("modifié", MANIFEST, "n'est plus un manifeste JSON lisible")]
    if digest is None and manifest.get("format_version", 1) >= 2:
        problems.append(Difference("manquant", MANIFEST_DIGEST, "listé par le format 2, absent de l'archive"))
    return manifest, problems


def check_bundle(bundle: Path) -> list[Difference]:
    """Every file altered, added or missing with respect to the manifest (empty = intact)."""
    with open_bundle(bundle) as archive:
        all_names = archive.namelist()
        names = set(all_names)
        differences = [Difference("ajouté", name, f"présent {count} fois dans l'archive")
                       for name, count in sorted(Counter(all_names).items()) if count > 1]  # fmt: skip
        manifest, problems = _manifest(archive, names)
        differences += problems
        if manifest is None:
            return differences
        listed = {}
        for entry in manifest["files"]:
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                listed[entry["path"]] = entry.get("sha256")
        for name in sorted(names - set(listed) - {MANIFEST, MANIFEST_DIGEST, SIGNATURE}):
            differences.append(Difference("ajouté", name, "absent du manifeste"))
        for path, expected in listed.items():
            if path not in names:
                differences.append(Difference("manquant", path, "listé dans le manifeste"))
                continue
            data = _read(archive, path)
            if data is None:
                differences.append(Difference("modifié", path, "illisible dans l'archive (CRC ou compression)"))
            elif hashlib.sha256(data).hexdigest() != expected:
                differences.append(Difference("modifié", path, "SHA-256 différent de celui du manifeste"))
    return differences


def verify_evidence(bundle: Path) -> list[str]:
    """Problems found re-hashing a bundle against its manifest, one line each (empty = intact)."""
    return [difference.line() for difference in check_bundle(bundle)]


def signature_status(bundle: Path, trust: Path | None = None) -> tuple[bool, str] | None:
    """(valid, French detail) of the bundle's manifest signature; None when the bundle is not signed."""
    from segur_harness.evidence_sign import check_signature

    with open_bundle(bundle) as archive:
        if SIGNATURE not in archive.namelist():
            return None
        signature, manifest = _read(archive, SIGNATURE), _read(archive, MANIFEST)
    if signature is None or manifest is None:
        return False, "illisible dans l'archive (CRC ou compression)"
    result = check_signature(signature, manifest, trust)
    return result.valid, result.detail
