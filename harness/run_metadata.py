"""metadata.json of a run: who judged what, with which rules, on which data.

A reviewer must be able to tell from the bundle alone which harness (version
and source commit), which SUT, which catalogue and which rule data produced
each verdict; every data file that can change a verdict is hashed.
"""

from __future__ import annotations

import hashlib
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from segur_harness import __version__
from segur_harness.config import CATALOGUE_DIR, CHECKOUT_DIR, FEATURES_DIR, FIXTURES_DIR, PACKAGE_DIR
from segur_harness.isotime import iso_seconds
from segur_harness.versions import rule_pack_versions

GIT_SECONDS = 5.0
"""Bound on each git call: a missing or slow git must never delay a run."""

DATA_ROOTS = (
    ("fixtures", FIXTURES_DIR, "*"),
    ("features", FEATURES_DIR, "*.feature"),
    ("harness", PACKAGE_DIR, "*.toml"),
) + ((("catalogue", CATALOGUE_DIR, "*.toml"),) if not CATALOGUE_DIR.is_relative_to(FIXTURES_DIR) else ())
"""(label, folder, pattern): the data that decides verdicts (catalogue, identities, error texts, value
sets, header and XDS rules, document content, the Gherkin itself, the harness's rule TOML files); a
catalogue named by SEGUR_CATALOGUE_DIR is hashed too."""


def _git(*args: str) -> str | None:
    if not (CHECKOUT_DIR / ".git").exists():
        return None
    try:
        done = subprocess.run(["git", "-C", str(CHECKOUT_DIR), *args], capture_output=True, text=True,
                              timeout=GIT_SECONDS, stdin=subprocess.DEVNULL)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def source_commit() -> dict[str, Any] | None:
    """The checkout's commit and whether tracked files differ from it; None for an installed package."""
    commit = _git("rev-parse", "HEAD")
    if not commit:
        return None
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "modified": None if status is None else bool(status)}


def _data_file(path: Path) -> bool:
    return path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".py", ".pyc")


def data_file_hashes() -> dict[str, str]:
    """'fixtures/ins/oids.toml' -> SHA-256 for every file that decides a verdict."""
    hashes = {}
    for label, root, pattern in DATA_ROOTS:
        for path in sorted(root.rglob(pattern)):
            if _data_file(path):
                hashes[f"{label}/{path.relative_to(root).as_posix()}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def run_metadata(*, started: float, ended: float, sut: dict[str, Any], catalogue_version: str,
                 mocks: dict[str, str], validation_engine: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """The run's metadata.json (also written beside the report)."""
    return {
        "harness_version": __version__,
        "source": source_commit(),
        "command": shlex.join(sys.argv),
        "started_at": iso_seconds(started),
        "ended_at": iso_seconds(ended),
        "duration_seconds": round(ended - started, 3),
        "sut": sut,
        "catalogue_version": catalogue_version,
        "rule_packs": rule_pack_versions(),
        "validation_engine": validation_engine,
        "data_files": data_file_hashes(),
        "mocks": mocks,
    }
